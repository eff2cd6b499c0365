// tests/support/process.cpp
#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

namespace rapport::testing {

std::filesystem::path binary(const std::string& relative) {
  return std::filesystem::path(RAPPORT_TEST_BINARY_DIR) / relative;
}

namespace {

// The test's environment with `extra` ("NAME=value") added, an entry of the same NAME replaced.
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry = *e;
    const auto name = entry.substr(0, entry.find('=') + 1);
    const bool replaced = std::any_of(extra.begin(), extra.end(), [&](const std::string& x) {
      return x.compare(0, name.size(), name) == 0;
    });
    if (!replaced) out.push_back(entry);
  }
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
                           const ChildOptions& options) {
  // Everything the child needs is built before fork: the test may have other threads (umockdev,
  // the browser driver), and only async-signal-safe calls are allowed between fork and exec.
  const auto env_strings = environment_with(options.environment);
  auto args = c_strings(argv);
  auto envp = c_strings(env_strings);
  int in[2];
  if (::pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  int out[2] = {-1, -1};
  if (options.stdout_pipe && ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    ::dup2(in[0], STDIN_FILENO);
    const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (log_fd >= 0) {
      ::dup2(options.stdout_pipe ? out[1] : log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    }
    ::execve(args[0], args.data(), envp.data());
    ::_exit(127);
  }
  ::close(in[0]);
  stdin_fd_ = in[1];
  if (options.stdout_pipe) {
    ::close(out[1]);
    stdout_fd_ = out[0];
  }
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds timeout) {
  if (stdout_fd_ < 0) throw std::logic_error("read_line needs ChildOptions::stdout_pipe");
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (const auto end = stdout_buffer_.find('\n'); end != std::string::npos) {
      std::string line = stdout_buffer_.substr(0, end);
      stdout_buffer_.erase(0, end + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd ready{stdout_fd_, POLLIN, 0};
    const int n = ::poll(&ready, 1, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    char chunk[4096];
    const ssize_t got = ::read(stdout_fd_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {  // the child closed its output: hand back an unterminated last line once
      if (stdout_buffer_.empty()) return std::nullopt;
      return std::exchange(stdout_buffer_, {});
    }
    stdout_buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

ChildProcess::~ChildProcess() {
  close_stdin();
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait(std::chrono::seconds(10));
  }
}

void ChildProcess::write_stdin(const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
    if (n <= 0) throw std::runtime_error("cannot write to the child's stdin");
    done += static_cast<std::size_t>(n);
  }
}

void ChildProcess::close_stdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

void ChildProcess::send_signal(int signal) {
  if (status_ == -1) ::kill(pid_, signal);
}

int ChildProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (status_ == -1) {
    int raw = 0;
    const pid_t done = ::waitpid(pid_, &raw, WNOHANG);
    if (done == pid_) {
      status_ = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return status_;
}

bool ChildProcess::running() { return wait(std::chrono::milliseconds(0)) == -1; }

int run(const std::vector<std::string>& argv, std::string* output) {
  char log_template[] = "/tmp/rapport-run-XXXXXX";
  const int fd = ::mkstemp(log_template);
  ::close(fd);
  int status = -1;
  {
    ChildProcess child(argv, log_template);
    child.close_stdin();
    status = child.wait(std::chrono::seconds(120));
  }
  if (output != nullptr) *output = read_text(log_template);
  ::unlink(log_template);
  return status;
}

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

namespace {

// Whether a listening socket can bind 127.0.0.1:`port` right now.
bool bindable(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

unsigned short free_port() {
  // Drawn below Linux's ephemeral range (32768-60999 by default): a port the kernel handed
  // out for port 0 could be taken, before our server binds it, as the local end of any
  // client connection a test running beside this one opens; ports below the range never
  // are. Never the same port twice in one process, and random across processes (ctest -j).
  constexpr unsigned short kFirst = 10'000;
  constexpr unsigned short kCount = 22'000;
  static std::mutex mutex;
  static std::set<unsigned short> handed_out;
  static std::minstd_rand draw(static_cast<std::uint32_t>(
      std::random_device{}() ^ static_cast<std::uint32_t>(::getpid())));
  const std::lock_guard lock(mutex);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const auto port = static_cast<unsigned short>(kFirst + draw() % kCount);
    if (handed_out.count(port) != 0 || !bindable(port)) continue;
    handed_out.insert(port);
    return port;
  }
  throw std::runtime_error("free_port: no free TCP port on 127.0.0.1 between 10000 and 32000");
}

std::string read_text(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace rapport::testing
