// drivers/usb/detail/reader_device.h
//
// One opened reader: its claimed interface, its decoder and the one interrupt-IN transfer
// kept outstanding on it. Lives on the USB event thread only (transfer callbacks run there).

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "drivers/card_reader.h"
#include "drivers/report_decoder.h"
#include "drivers/usb/detail/libusb_support.h"

namespace rapport::drivers::detail {

class ReaderDevice {
 public:
  using Deliver = std::function<void(Result<CardRead>)>;

  // Opens the device, claims the interface (detaching the kernel driver), prepares the
  // decoder (fetching the HID report descriptor where the driver needs it) and starts
  // reading. The error says what to do (permissions, busy, unsupported descriptor).
  [[nodiscard]] static Result<std::unique_ptr<ReaderDevice>> open(libusb_device* device,
                                                                  const ReaderMatch& match,
                                                                  std::string name, Deliver deliver,
                                                                  std::string& failure);
  ~ReaderDevice();
  ReaderDevice(const ReaderDevice&) = delete;
  ReaderDevice& operator=(const ReaderDevice&) = delete;

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] libusb_device* device() const { return device_; }
  // The transfer is submitted and its callback has not run yet.
  [[nodiscard]] bool transfer_in_flight() const { return in_flight_; }
  // The device went away or failed for good: destroy it once no transfer is in flight.
  [[nodiscard]] bool finished() const { return finished_; }

  // Ends a keyboard read that had no terminator, once the quiet gap has passed.
  void check_quiet_gap(std::chrono::steady_clock::time_point now,
                       std::chrono::milliseconds quiet_gap);
  // Asks for the transfer to end (stop). Its callback still runs.
  void cancel();
  // The operating system says the device is gone (hot-plug "left"): a read in progress is
  // lost and reported, once, however the transfer then ends.
  void device_left();

 private:
  ReaderDevice(libusb_device* device, DeviceHandle handle, const ReaderMatch& match,
               std::string name, std::unique_ptr<ReportDecoder> decoder, Deliver deliver);
  [[nodiscard]] int submit();
  void on_transfer_done(libusb_transfer* transfer);
  void deliver_step(DecodeStep step);
  void report_gone();
  static void LIBUSB_CALL transfer_callback(libusb_transfer* transfer);

  libusb_device* device_;  // referenced while this object lives
  DeviceHandle handle_;
  std::uint8_t interface_number_;
  std::uint8_t endpoint_;
  std::string name_;
  std::unique_ptr<ReportDecoder> decoder_;
  Deliver deliver_;
  std::vector<unsigned char> buffer_;
  Transfer transfer_;
  bool in_flight_ = false;
  bool cancelling_ = false;
  bool finished_ = false;
  bool gone_ = false;  // unplugged: reported already
  int consecutive_errors_ = 0;
  std::chrono::steady_clock::time_point last_report_;
};

}  // namespace rapport::drivers::detail
