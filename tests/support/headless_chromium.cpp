// tests/support/headless_chromium.cpp
#include "tests/support/headless_chromium.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "tests/support/process.h"

namespace rapport::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;

}  // namespace

std::optional<std::filesystem::path> HeadlessChromium::find() {
  std::filesystem::path candidate = "/usr/bin/chromium";
  if (const char* chosen = std::getenv("RAPPORT_CHROMIUM"); chosen != nullptr && *chosen != 0) {
    candidate = chosen;
  }
  if (::access(candidate.c_str(), X_OK) != 0) return std::nullopt;
  return candidate;
}

HeadlessChromium::HeadlessChromium(const std::filesystem::path& executable,
                                   const std::filesystem::path& profile,
                                   const std::filesystem::path& log,
                                   const std::vector<std::string>& extra_flags) {
  int to_child[2];
  int from_child[2];
  if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) {
    throw std::runtime_error("chromium: cannot create pipes");
  }
  std::vector<std::string> argv{executable.string(),
                                "--headless",
                                "--remote-debugging-pipe",
                                "--user-data-dir=" + profile.string(),
                                "--no-first-run",
                                "--no-default-browser-check",
                                "--disable-gpu",
                                "--disable-extensions",
                                "--disable-sync",
                                "--disable-background-networking",
                                "--disable-component-update",
                                "--disable-dev-shm-usage",
                                "--window-size=1280,900"};
  // Chromium refuses to run as root with its sandbox (CI runs as root).
  if (::geteuid() == 0) argv.emplace_back("--no-sandbox");
  argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
  argv.emplace_back("about:blank");
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("chromium: fork failed");
  if (pid_ == 0) {
    // CDP's pipe convention: the browser reads fd 3 and writes fd 4. Move both out of the
    // way first, in case either already is 3 or 4 (dup2 onto itself would keep CLOEXEC).
    const int read_end = ::fcntl(to_child[0], F_DUPFD, 10);
    const int write_end = ::fcntl(from_child[1], F_DUPFD, 10);
    ::dup2(read_end, 3);
    ::dup2(write_end, 4);
    const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out >= 0) {
      ::dup2(out, STDOUT_FILENO);
      ::dup2(out, STDERR_FILENO);
    }
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  to_browser_ = to_child[1];
  from_browser_ = from_child[0];
}

HeadlessChromium::~HeadlessChromium() {
  if (pid_ > 0) {
    try {
      send(json::object{{"id", next_id_++}, {"method", "Browser.close"}});
    } catch (...) {
      // already gone
    }
    int status = 0;
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (::waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (to_browser_ >= 0) ::close(to_browser_);
  if (from_browser_ >= 0) ::close(from_browser_);
}

void HeadlessChromium::send(const json::object& message) {
  std::string text = json::serialize(message);
  text.push_back('\0');
  std::size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(to_browser_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("chromium: the browser closed its pipe (see its log)");
    written += static_cast<std::size_t>(n);
  }
}

std::optional<json::value> HeadlessChromium::receive(Clock::time_point deadline) {
  for (;;) {
    if (const auto end = buffer_.find('\0'); end != std::string::npos) {
      json::value message = json::parse(std::string_view(buffer_).substr(0, end));
      buffer_.erase(0, end + 1);
      return message;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd ready{from_browser_, POLLIN, 0};
    const int polled = ::poll(&ready, 1, static_cast<int>(left.count()));
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) return std::nullopt;
    char chunk[65536];
    const ssize_t n = ::read(from_browser_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("chromium: the browser exited (see its log)");
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

json::value HeadlessChromium::call(const std::string& method, json::object params,
                                   const std::string& session, std::chrono::milliseconds timeout) {
  const std::int64_t id = next_id_++;
  json::object message{{"id", id}, {"method", method}, {"params", std::move(params)}};
  if (!session.empty()) message["sessionId"] = session;
  send(message);
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto reply = receive(deadline);
    if (!reply) throw std::runtime_error("chromium: no answer to " + method + " in time");
    const auto& object = reply->as_object();
    const auto* reply_id = object.if_contains("id");
    if (reply_id == nullptr || reply_id->to_number<std::int64_t>() != id) {
      if (reply_id == nullptr) events_.push_back(std::move(*reply));
      continue;
    }
    if (const auto* error = object.if_contains("error")) {
      throw std::runtime_error("chromium: " + method + " failed: " + json::serialize(*error));
    }
    return object.at("result");
  }
}

json::value HeadlessChromium::wait_event(const std::string& method, const std::string& session,
                                         std::chrono::milliseconds timeout) {
  const auto matches = [&](const json::value& event) {
    const auto& o = event.as_object();
    const auto* s = o.if_contains("sessionId");
    return o.at("method").as_string() == method &&
           (session.empty() || (s != nullptr && s->as_string() == session));
  };
  for (auto it = events_.begin(); it != events_.end(); ++it) {
    if (matches(*it)) {
      json::value event = std::move(*it);
      events_.erase(it);
      return event;
    }
  }
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    auto message = receive(deadline);
    if (!message) throw std::runtime_error("chromium: no " + method + " event in time");
    if (message->as_object().if_contains("id") != nullptr) continue;  // a late reply
    if (matches(*message)) return *message;
    events_.push_back(std::move(*message));
  }
}

std::string HeadlessChromium::open_tab() {
  const auto target = call("Target.createTarget", {{"url", "about:blank"}});
  const auto attached = call("Target.attachToTarget",
                             {{"targetId", target.at("targetId")}, {"flatten", true}});
  std::string session(attached.at("sessionId").as_string());
  call("Page.enable", {}, session);
  call("Runtime.enable", {}, session);
  return session;
}

void HeadlessChromium::navigate(const std::string& session, const std::string& url) {
  events_.clear();
  const auto result = call("Page.navigate", {{"url", url}}, session);
  if (const auto* error = result.as_object().if_contains("errorText")) {
    throw std::runtime_error("chromium: cannot open " + url + ": " + json::serialize(*error));
  }
  (void)wait_event("Page.loadEventFired", session, std::chrono::seconds(20));
}

json::value HeadlessChromium::evaluate(const std::string& session, const std::string& expression) {
  const auto result = call("Runtime.evaluate",
                           {{"expression", expression}, {"returnByValue", true},
                            {"awaitPromise", true}},
                           session);
  if (const auto* thrown = result.as_object().if_contains("exceptionDetails")) {
    throw std::runtime_error("chromium: the page threw on `" + expression +
                             "`: " + json::serialize(*thrown));
  }
  const auto& value = result.at("result").as_object();
  if (const auto* v = value.if_contains("value")) return *v;
  return nullptr;  // undefined
}

bool HeadlessChromium::wait_for(const std::string& session, const std::string& expression,
                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto value = evaluate(session, "Boolean(" + expression + ")");
    if (value.is_bool() && value.as_bool()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void HeadlessChromium::screenshot(const std::string& session, const std::filesystem::path& file) {
  // Chromium now and then answers "Not attached to an active page" while a page is being
  // swapped (seen once in CI, session 10); the picture is an artifact, so try again briefly.
  json::value shot;
  for (int attempt = 1;; ++attempt) {
    try {
      shot = call("Page.captureScreenshot", {{"format", "png"}}, session);
      break;
    } catch (const std::runtime_error&) {
      if (attempt == 3) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  }
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << decode_base64(std::string(shot.at("data").as_string()));
}

std::string decode_base64(const std::string& text) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') value = c - 'A';
    if (c >= 'a' && c <= 'z') value = c - 'a' + 26;
    if (c >= '0' && c <= '9') value = c - '0' + 52;
    if (c == '+') value = 62;
    if (c == '/') value = 63;
    if (value < 0) continue;  // padding, line breaks
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
    }
  }
  return out;
}

std::string accept_certificate_flag(const std::filesystem::path& certificate) {
  std::string spki;
  if (run({"/bin/sh", "-c",
           "openssl x509 -in '" + certificate.string() +
               "' -pubkey -noout | openssl pkey -pubin -outform der | "
               "openssl dgst -sha256 -binary | openssl base64 -A"},
          &spki) != 0 ||
      spki.empty()) {
    throw std::runtime_error("cannot read the public key of " + certificate.string());
  }
  return "--ignore-certificate-errors-spki-list=" + spki;
}

}  // namespace rapport::testing
