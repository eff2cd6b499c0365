// tests/support/headless_chromium.h
//
// A real headless Chromium driven over the Chrome DevTools Protocol for browser tests. It
// talks CDP over --remote-debugging-pipe (NUL-separated JSON on the child's fds 3 and 4), so
// there is no websocket and no debugging port to find or to leave open.
//
// Threading: one test thread. Every call waits at most its timeout and throws
// std::runtime_error saying which step failed (a broken browser is a failed test).

#pragma once

#include <sys/types.h>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rapport::testing {

class HeadlessChromium {
 public:
  // The browser to run: $RAPPORT_CHROMIUM, else /usr/bin/chromium; nullopt when absent
  // (browser tests then skip, saying to install the Debian package chromium).
  [[nodiscard]] static std::optional<std::filesystem::path> find();

  // Starts the browser with a fresh profile in `profile`, its output appended to `log`.
  // `extra_flags` are added to the command line (e.g. which certificate to accept).
  HeadlessChromium(const std::filesystem::path& executable, const std::filesystem::path& profile,
                   const std::filesystem::path& log, const std::vector<std::string>& extra_flags);
  ~HeadlessChromium();  // closes the browser (SIGKILL if it does not go) and reaps it

  HeadlessChromium(const HeadlessChromium&) = delete;
  HeadlessChromium& operator=(const HeadlessChromium&) = delete;

  // Opens a new tab at about:blank; returns its CDP session id.
  std::string open_tab();
  // One CDP command; returns its "result". `session` empty: the browser itself.
  boost::json::value call(const std::string& method, boost::json::object params,
                          const std::string& session = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Navigates and waits for the page's load event.
  void navigate(const std::string& session, const std::string& url);
  // Evaluates `expression` in the page (promises awaited); returns its value.
  boost::json::value evaluate(const std::string& session, const std::string& expression);
  // Evaluates `expression` every 100 ms until it is true; false after `timeout`.
  bool wait_for(const std::string& session, const std::string& expression,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Saves a PNG of the tab.
  void screenshot(const std::string& session, const std::filesystem::path& file);

 private:
  void send(const boost::json::object& message);
  // The next message from the browser; nullopt at the deadline.
  std::optional<boost::json::value> receive(std::chrono::steady_clock::time_point deadline);
  // Waits for the event `method` on `session`, keeping other messages queued.
  boost::json::value wait_event(const std::string& method, const std::string& session,
                                std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  std::int64_t next_id_ = 1;
  std::string buffer_;
  std::deque<boost::json::value> events_;
};

// The flag that makes Chromium accept exactly the key of `certificate` (PEM), as a pinned
// certificate would be: --ignore-certificate-errors-spki-list=<SHA-256 of its SPKI, base64>.
// Throws std::runtime_error when openssl cannot read it.
[[nodiscard]] std::string accept_certificate_flag(const std::filesystem::path& certificate);

// Base64 (standard alphabet, padded) to bytes, for screenshots.
[[nodiscard]] std::string decode_base64(const std::string& text);

}  // namespace rapport::testing
