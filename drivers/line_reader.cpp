// drivers/line_reader.cpp
//
// poll() on the input and on a self-pipe: request_stop() writes one byte to the pipe, which
// is async-signal-safe, so a SIGINT handler can end a blocked read cleanly.

#include "drivers/line_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <stdexcept>

#include "drivers/report_decoder.h"

namespace rapport::drivers {
namespace {

std::string trimmed(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = line.find_last_not_of(" \t\r");
  return line.substr(first, last - first + 1);
}

class LineReader final : public CardReader {
 public:
  LineReader(int fd, std::string name) : fd_(fd), name_(std::move(name)) {
    if (::pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw std::runtime_error("cannot create the card reader's stop pipe");
    }
  }
  ~LineReader() override {
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

  Result<CardRead> next_read() override {
    for (;;) {
      if (auto line = take_line(); line) {
        const std::string payload = trimmed(*line);
        if (too_long_ || payload.size() > kMaxReadBytes) {
          too_long_ = false;
          return ReaderErrc::kReadTooLong;
        }
        if (!payload.empty()) return typed(payload);
        continue;
      }
      if (at_end_) {
        if (!pending_.empty()) {
          std::string last = trimmed(pending_);
          pending_.clear();
          if (!last.empty()) return typed(last);
        }
        return ReaderErrc::kEndOfInput;
      }
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      const int ready = ::poll(fds, 2, -1);
      if (ready < 0) {
        if (errno == EINTR) continue;  // a signal; its handler calls request_stop() if needed
        return ReaderErrc::kIo;
      }
      if (fds[1].revents != 0) return ReaderErrc::kStopped;
      if (fds[0].revents != 0) {
        if (auto r = fill(); !r) return r.error();
      }
    }
  }

  void request_stop() noexcept override {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(stop_pipe_[1], &byte, 1);
  }

 private:
  // A keyboard-wedge reader types into the console too: a stripe's track text becomes its
  // number (or a bad read), an AIM prefix its symbology.
  Result<CardRead> typed(std::string line) const {
    RAPPORT_TRY(auto content, interpret_typed_text(std::move(line), CardKind::kTyped));
    return CardRead{.reader = name_,
                    .kind = content.kind,
                    .payload = std::move(content.payload),
                    .symbology = std::move(content.symbology),
                    .read_at = std::chrono::system_clock::now(),
                    .card_memory = {}};
  }

  // Moves one complete line out of pending_, if there is one.
  std::optional<std::string> take_line() {
    const auto newline = pending_.find('\n');
    if (newline == std::string::npos) return std::nullopt;
    std::string line = pending_.substr(0, newline);
    pending_.erase(0, newline + 1);
    return line;
  }

  Result<void> fill() {
    char buffer[256];
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) return {};
      return ReaderErrc::kIo;
    }
    if (n == 0) {
      at_end_ = true;
      return {};
    }
    pending_.append(buffer, static_cast<std::size_t>(n));
    // A line that never ends is not a card: drop what we have and report it once.
    if (pending_.find('\n') == std::string::npos && pending_.size() > kMaxReadBytes) {
      pending_.clear();
      too_long_ = true;
      discarding_ = true;
    }
    if (discarding_) {
      const auto newline = pending_.find('\n');
      if (newline == std::string::npos) {
        pending_.clear();
      } else {
        pending_.erase(0, newline);  // keep the '\n' so take_line() ends the long read
        discarding_ = false;
      }
    }
    return {};
  }

  int fd_;
  std::string name_;
  int stop_pipe_[2] = {-1, -1};
  std::string pending_;
  bool at_end_ = false;
  bool too_long_ = false;    // report kReadTooLong at the end of the long line
  bool discarding_ = false;  // inside an over-long line: drop bytes until '\n'
};

}  // namespace

std::unique_ptr<CardReader> make_line_reader(int fd, std::string name) {
  return std::make_unique<LineReader>(fd, std::move(name));
}

}  // namespace rapport::drivers
