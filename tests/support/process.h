// tests/support/process.h
//
// Real child processes for end-to-end tests: rapport-server, rapport-terminal and
// rapportctl run as they would in a store, on loopback, with their output captured to files.

#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace rapport::testing {

// The folder holding the built executables (set by CMake for the test binaries).
[[nodiscard]] std::filesystem::path binary(const std::string& relative);

// The programs end-to-end tests run, from this build.
inline const std::string kRapportctl = binary("server/rapportctl").string();
inline const std::string kRapportServer = binary("server/rapport-server").string();
inline const std::string kRapportTerminal = binary("terminal/rapport-terminal").string();

// How a child is started beyond its command line.
struct ChildOptions {
  // "NAME=value" entries added to the test's own environment (replacing a NAME it has).
  std::vector<std::string> environment;
  // True: standard output goes to a pipe the test reads with read_line (a line protocol);
  // standard error still goes to the log.
  bool stdout_pipe = false;
};

class ChildProcess {
 public:
  // Starts `argv` with a pipe on its standard input and stdout/stderr appended to `log`.
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
               const ChildOptions& options = {});
  ~ChildProcess();  // SIGKILLs and reaps the child if it is still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  void write_stdin(const std::string& text);
  // With ChildOptions::stdout_pipe: the next line the child printed, without its newline;
  // nullopt when none came within `timeout` or the child closed its output (check running()).
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
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
  int stdout_fd_ = -1;  // with ChildOptions::stdout_pipe
  std::string stdout_buffer_;
  int status_ = -1;
};

// Runs `argv` to completion; returns its exit status and fills `output` with stdout+stderr.
int run(const std::vector<std::string>& argv, std::string* output = nullptr);

// Polls `condition` every 50 ms until it holds or `timeout` passes.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A TCP port on 127.0.0.1 that was free a moment ago, outside the kernel's ephemeral range
// and never handed out twice in one process.
[[nodiscard]] unsigned short free_port();

[[nodiscard]] std::string read_text(const std::filesystem::path& file);

}  // namespace rapport::testing
