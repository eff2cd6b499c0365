// drivers/usb/detail/open_reader.h
//
// One opened USB reader as the event loop (usb_readers.cpp) sees it, whatever its driver:
// the HID readers (reader_device.h) and the contactless CCID readers (ccid_device.h) both
// implement it. Lives on the USB event thread only: every call below is made there, and the
// transfer callbacks that drive it run there.

#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "drivers/card_reader.h"
#include "drivers/ccid/ccid_errc.h"
#include "drivers/reader_control.h"
#include "drivers/usb/detail/libusb_support.h"

namespace rapport::drivers::detail {

// An enrollment write handed to a contactless reader; `done` is called exactly once, on the
// event thread, with the card read back or the error.
struct WriteRequest {
  std::vector<std::uint8_t> uid;
  std::vector<std::uint8_t> data;
  std::function<void(Result<CardRead>)> done;
};

class OpenReader {
 public:
  // Hands a read (or a per-read error) to the counter's queue. Called on the event thread.
  using Deliver = std::function<void(Result<CardRead>)>;

  virtual ~OpenReader() = default;

  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual libusb_device* device() const = 0;
  // A transfer is submitted and its callback has not run yet: not to be destroyed.
  [[nodiscard]] virtual bool transfer_in_flight() const = 0;
  // The device went away or failed for good: destroy it once no transfer is in flight.
  [[nodiscard]] virtual bool finished() const = 0;

  // Called every loop round (~10 ms): time-driven work (a keyboard read's quiet gap, a
  // contactless reader's slot polling and queued requests).
  virtual void tick(std::chrono::steady_clock::time_point now) = 0;
  // Asks every transfer to end (stop). Their callbacks still run.
  virtual void cancel() = 0;
  // The operating system says the device is gone (hot-plug "left"): a read in progress is
  // lost and reported, once, however the transfers then end.
  virtual void device_left() = 0;

  // Contactless readers only (reader_control.h); the others refuse.
  [[nodiscard]] virtual bool contactless() const { return false; }
  virtual void signal(ReaderSignal) {}
  virtual void write_card(WriteRequest request) { request.done(CcidErrc::kNotContactless); }
};

}  // namespace rapport::drivers::detail
