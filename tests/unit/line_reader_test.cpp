// tests/unit/line_reader_test.cpp
//
// The line reader on a real pipe: what a keyboard-wedge scanner or a script sends.

#include "drivers/line_reader.h"

#include <unistd.h>

#include <thread>

#include "tests/support/catch_result.h"

using rapport::drivers::ReaderErrc;

namespace {

struct Pipe {
  int fds[2];
  Pipe() { REQUIRE(::pipe(fds) == 0); }
  ~Pipe() {
    ::close(fds[0]);
    if (fds[1] >= 0) ::close(fds[1]);
  }
  void write(const std::string& text) const {
    REQUIRE(::write(fds[1], text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  }
  void close_writer() {
    ::close(fds[1]);
    fds[1] = -1;
  }
};

}  // namespace

TEST_CASE("lines become reads, with CR, spaces and empty lines dropped", "[drivers]") {
  Pipe pipe;
  auto reader = rapport::drivers::make_line_reader(pipe.fds[0], "test");
  pipe.write("6275991234567894\r\n\n   \n  1234 5678  \nlast-without-newline");
  pipe.close_writer();
  CHECK(reader->next_read().value().payload == "6275991234567894");
  const auto second = reader->next_read().value();
  CHECK(second.payload == "1234 5678");
  CHECK(second.reader == "test");
  CHECK(reader->next_read().value().payload == "last-without-newline");
  CHECK(reader->next_read().error() == ReaderErrc::kEndOfInput);
}

TEST_CASE("an endless line is reported once and the next read still works", "[drivers]") {
  Pipe pipe;
  auto reader = rapport::drivers::make_line_reader(pipe.fds[0], "test");
  std::thread writer([&] {
    pipe.write(std::string(5000, '7'));
    pipe.write("\n6275991234567894\n");
    pipe.close_writer();
  });
  CHECK(reader->next_read().error() == ReaderErrc::kReadTooLong);
  CHECK(reader->next_read().value().payload == "6275991234567894");
  CHECK(reader->next_read().error() == ReaderErrc::kEndOfInput);
  writer.join();
}

TEST_CASE("request_stop ends a blocked read", "[drivers]") {
  Pipe pipe;
  auto reader = rapport::drivers::make_line_reader(pipe.fds[0], "test");
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reader->request_stop();
  });
  CHECK(reader->next_read().error() == ReaderErrc::kStopped);
  stopper.join();
}
