// tests/support/reader_waits.h
//
// Waiting on the USB readers in tests without ever hanging them: the notices a reader source
// announces (attached, detached, failed), next_read() with a deadline, and a condition polled
// until it holds. Shared by the HID and contactless USB tests. Header-only: it speaks Catch.

#pragma once

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "drivers/card_reader.h"
#include "drivers/usb/usb_readers.h"

namespace rapport::testing {

inline constexpr std::chrono::seconds kPatience{5};  // generous: sanitizer builds, 2 busy cores

// Collects what the reader source announces, for waiting on plug and unplug.
class Notices {
 public:
  std::function<void(const drivers::ReaderNotice&)> callback() {
    return [this](const drivers::ReaderNotice& notice) {
      std::lock_guard lock(mutex_);
      seen_.push_back(notice);
    };
  }
  bool wait_for(drivers::ReaderNotice::Kind kind, std::size_t count = 1) const {
    const auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (std::chrono::steady_clock::now() < deadline) {
      if (this->count(kind) >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  }
  std::size_t count(drivers::ReaderNotice::Kind kind) const {
    std::lock_guard lock(mutex_);
    return static_cast<std::size_t>(
        std::count_if(seen_.begin(), seen_.end(),
                      [&](const drivers::ReaderNotice& n) { return n.kind == kind; }));
  }
  std::vector<drivers::ReaderNotice> all() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<drivers::ReaderNotice> seen_;
};

// next_read() with a deadline, so a broken driver fails the test instead of hanging it.
inline Result<drivers::CardRead> read_within(
    drivers::CardReader& reader,
    std::chrono::milliseconds patience = std::chrono::milliseconds(kPatience)) {
  auto pending = std::async(std::launch::async, [&] { return reader.next_read(); });
  if (pending.wait_for(patience) != std::future_status::ready) {
    reader.request_stop();
    const auto late = pending.get();
    FAIL("no card read within " << patience.count() << " ms");
    return late;
  }
  return pending.get();
}

// True once `ready()` holds, false if it still does not after kPatience.
template <class Predicate>
bool eventually(Predicate ready) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace rapport::testing
