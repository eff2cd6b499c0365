// tests/support/process.h
//
// Real child processes for end-to-end tests: rapport-server, rapport-terminal and
// rapportctl run as they would in a store, on loopback, with their output captured to files.

#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace rapport::testing {

// The folder holding the built executables (set by CMake for the test binaries).
[[nodiscard]] std::filesystem::path binary(const std::string& relative);

// The programs end-to-end tests run, from this build.
inline const std::string kRapportctl = binary("server/rapportctl").string();
inline const std::string kRapportServer = binary("server/rapport-server").string();
inline const std::string kRapportTerminal = binary("terminal/rapport-terminal").string();

class ChildProcess {
 public:
  // Starts `argv` with a pipe on its standard input and stdout/stderr appended to `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log);
  ~ChildProcess();  // SIGKILLs and reaps the child if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void write_stdin(const std::string& text);
  void close_stdin();
  void send_signal(int signal);
  // Waits for the child to exit, up to `timeout`; returns its exit status (128+signal when
  // killed) or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  [[nodiscard]] bool running();
  [[nodiscard]] pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int status_ = -1;
};

// Runs `argv` to completion; returns its exit status and fills `output` with stdout+stderr.
int run(const std::vector<std::string>& argv, std::string* output = nullptr);

// Polls `condition` every 50 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 that was free a moment ago.
[[nodiscard]] unsigned short free_port();

[[nodiscard]] std::string read_text(const std::filesystem::path& file);

}  // namespace rapport::testing
