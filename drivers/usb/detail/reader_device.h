// drivers/usb/detail/reader_device.h
//
// One opened HID reader (keyboard, MagTek, HID-POS): its claimed interface, its decoder and
// the one interrupt-IN transfer kept outstanding on it. Lives on the USB event thread only
// (transfer callbacks run there).

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "drivers/card_reader.h"
#include "drivers/report_decoder.h"
#include "drivers/usb/detail/libusb_support.h"
#include "drivers/usb/detail/open_reader.h"

namespace rapport::drivers::detail {

class ReaderDevice final : public OpenReader {
 public:
  // Opens the device, claims the interface (detaching the kernel driver), prepares the
  // decoder (fetching the HID report descriptor where the driver needs it) and starts
  // reading. The error says what to do (permissions, busy, unsupported descriptor).
  [[nodiscard]] static Result<std::unique_ptr<ReaderDevice>> open(
      libusb_device* device, const ReaderMatch& match, std::string name, Deliver deliver,
      std::chrono::milliseconds quiet_gap, std::string& failure);
  ~ReaderDevice() override;
  ReaderDevice(const ReaderDevice&) = delete;
  ReaderDevice& operator=(const ReaderDevice&) = delete;

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] libusb_device* device() const override { return device_; }
  [[nodiscard]] bool transfer_in_flight() const override { return in_flight_; }
  [[nodiscard]] bool finished() const override { return finished_; }

  // Ends a keyboard read that had no terminator, once the quiet gap has passed.
  void tick(std::chrono::steady_clock::time_point now) override;
  void cancel() override;
  void device_left() override;

 private:
  ReaderDevice(libusb_device* device, DeviceHandle handle, const ReaderMatch& match,
               std::string name, std::unique_ptr<ReportDecoder> decoder, Deliver deliver,
               std::chrono::milliseconds quiet_gap);
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
  std::chrono::milliseconds quiet_gap_;
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
