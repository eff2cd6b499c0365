// drivers/usb/detail/reader_device.cpp
#include "drivers/usb/detail/reader_device.h"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace rapport::drivers::detail {
namespace {

// Opening runs on the USB event thread, so a reader that never answers a control request
// holds up the other readers' reports this long; a healthy one answers within milliseconds.
constexpr unsigned kControlTimeoutMs = 250;
constexpr std::size_t kMaxReportDescriptor = 4096;
// A reader that keeps failing transfers is given up (and reported) rather than spun on.
constexpr int kMaxConsecutiveErrors = 5;

// HID class requests (HID 1.11 §7.2) and the standard GET_DESCRIPTOR for the report
// descriptor (§7.1.1).
constexpr std::uint8_t kClassToInterface = 0x21;       // host-to-device, class, interface
constexpr std::uint8_t kStandardFromInterface = 0x81;  // device-to-host, standard, interface
constexpr std::uint8_t kHidSetProtocol = 0x0B;
constexpr std::uint16_t kBootProtocol = 0;
constexpr std::uint8_t kDescriptorTypeReport = 0x22;

Result<std::unique_ptr<ReportDecoder>> make_decoder(libusb_device_handle* handle,
                                                    const ReaderMatch& match,
                                                    std::string& failure) {
  switch (match.model.driver) {
    case ReaderDriver::kHidKeyboard: {
      // Boot protocol guarantees the 8-byte report layout the decoder reads. Readers that
      // stall the request already send boot reports (a report-protocol keyboard is rare).
      const int rc =
          libusb_control_transfer(handle, kClassToInterface, kHidSetProtocol, kBootProtocol,
                                  match.interface.number, nullptr, 0, kControlTimeoutMs);
      if (rc < 0 && rc != LIBUSB_ERROR_PIPE) {
        spdlog::debug("SET_PROTOCOL(boot) failed: {}", describe_libusb_error(rc));
      }
      return make_keyboard_report_decoder(match.model.layout, match.model.terminator);
    }
    case ReaderDriver::kMagtekHid:
      return make_magtek_report_decoder();
    case ReaderDriver::kHidPos: {
      std::vector<unsigned char> descriptor(kMaxReportDescriptor);
      const int rc = libusb_control_transfer(
          handle, kStandardFromInterface, LIBUSB_REQUEST_GET_DESCRIPTOR,
          static_cast<std::uint16_t>(kDescriptorTypeReport << 8), match.interface.number,
          descriptor.data(), static_cast<std::uint16_t>(descriptor.size()), kControlTimeoutMs);
      if (rc < 0) {
        failure = "cannot read the HID report descriptor: " + describe_libusb_error(rc);
        return ReaderErrc::kIo;
      }
      descriptor.resize(static_cast<std::size_t>(rc));
      auto decoder = make_hid_pos_report_decoder(descriptor);
      if (!decoder) {
        failure = "not a HID-POS scanner interface (" + decoder.error().message() +
                  "); set its driver in terminal.toml [[readers.models]]";
      }
      return decoder;
    }
    case ReaderDriver::kCcid:  // not a HID reader: ccid_device.h
      break;
  }
  return ReaderErrc::kIo;
}

}  // namespace

Result<std::unique_ptr<ReaderDevice>> ReaderDevice::open(libusb_device* device,
                                                         const ReaderMatch& match, std::string name,
                                                         Deliver deliver,
                                                         std::chrono::milliseconds quiet_gap,
                                                         std::string& failure) {
  RAPPORT_TRY(auto handle, open_and_claim(device, match.interface.number, failure));
  auto decoder = make_decoder(handle.get(), match, failure);
  if (!decoder) {
    libusb_release_interface(handle.get(), match.interface.number);
    return decoder.error();
  }
  std::unique_ptr<ReaderDevice> reader(new ReaderDevice(device, std::move(handle), match,
                                                        std::move(name), std::move(*decoder),
                                                        std::move(deliver), quiet_gap));
  if (const int rc = reader->submit(); rc != 0) {
    failure = "cannot start reading: " + describe_libusb_error(rc);
    return ReaderErrc::kIo;
  }
  return reader;
}

ReaderDevice::ReaderDevice(libusb_device* device, DeviceHandle handle, const ReaderMatch& match,
                           std::string name, std::unique_ptr<ReportDecoder> decoder,
                           Deliver deliver, std::chrono::milliseconds quiet_gap)
    : device_(libusb_ref_device(device)),
      handle_(std::move(handle)),
      interface_number_(match.interface.number),
      endpoint_(match.interface.in_endpoint),
      name_(std::move(name)),
      decoder_(std::move(decoder)),
      deliver_(std::move(deliver)),
      quiet_gap_(quiet_gap),
      transfer_(libusb_alloc_transfer(0)) {
  // An interrupt transfer ends at a short packet or a full buffer, so the buffer is one
  // packet (a full-size packet must not leave the transfer waiting for more) or, for
  // reports spanning packets (a MagTek swipe), exactly one report.
  buffer_.resize(std::max<std::size_t>(
      {match.interface.in_max_packet, decoder_->report_bytes(), std::size_t{8}}));
  last_report_ = std::chrono::steady_clock::now();
}

ReaderDevice::~ReaderDevice() {
  // The owner destroys us only when no transfer is in flight (finished() or after cancel()
  // and its callback), so the transfer can be freed and the interface released.
  transfer_.reset();
  libusb_release_interface(handle_.get(), interface_number_);
  handle_.reset();
  libusb_unref_device(device_);
}

int ReaderDevice::submit() {
  libusb_fill_interrupt_transfer(transfer_.get(), handle_.get(), endpoint_, buffer_.data(),
                                 static_cast<int>(buffer_.size()), &transfer_callback, this, 0);
  const int rc = libusb_submit_transfer(transfer_.get());
  in_flight_ = rc == 0;
  return rc;
}

void ReaderDevice::cancel() {
  cancelling_ = true;
  if (in_flight_) libusb_cancel_transfer(transfer_.get());
}

void ReaderDevice::device_left() {
  report_gone();
  cancel();
}

// The kernel tells us twice (the transfer ends with NO_DEVICE, and hot-plug says "left"),
// in either order: the cashier hears it once.
void ReaderDevice::report_gone() {
  if (gone_) return;
  gone_ = true;
  if (decoder_->mid_read()) deliver_(ReaderErrc::kUnplugged);
}

void LIBUSB_CALL ReaderDevice::transfer_callback(libusb_transfer* transfer) {
  static_cast<ReaderDevice*>(transfer->user_data)->on_transfer_done(transfer);
}

void ReaderDevice::on_transfer_done(libusb_transfer* transfer) {
  in_flight_ = false;
  switch (transfer->status) {
    case LIBUSB_TRANSFER_COMPLETED:
      consecutive_errors_ = 0;
      last_report_ = std::chrono::steady_clock::now();
      deliver_step(decoder_->feed(std::span<const std::uint8_t>(
          buffer_.data(), static_cast<std::size_t>(transfer->actual_length))));
      break;
    case LIBUSB_TRANSFER_NO_DEVICE:
      report_gone();
      finished_ = true;
      return;
    case LIBUSB_TRANSFER_CANCELLED:
      finished_ = true;
      return;
    default:  // error, stall, overflow: retry a few times, then give up loudly. (No
              // clear-halt here: it is synchronous, and callbacks must not block.)
      if (++consecutive_errors_ >= kMaxConsecutiveErrors) {
        spdlog::error("card reader {}: transfers keep failing; unplug it and plug it back in",
                      name_);
        finished_ = true;
        return;
      }
      break;
  }
  if (cancelling_) {
    finished_ = true;
    return;
  }
  if (const int rc = submit(); rc != 0) {
    if (rc == LIBUSB_ERROR_NO_DEVICE) report_gone();
    finished_ = true;
  }
}

void ReaderDevice::tick(std::chrono::steady_clock::time_point now) {
  if (!decoder_->mid_read() || now - last_report_ < quiet_gap_) return;
  deliver_step(decoder_->on_quiet_gap());
}

void ReaderDevice::deliver_step(DecodeStep step) {
  if (step.error) {
    spdlog::warn("card reader {}: {}", name_, step.error.message());
    deliver_(step.error);
    return;
  }
  if (!step.read) return;
  deliver_(CardRead{.reader = name_,
                    .kind = step.read->kind,
                    .payload = std::move(step.read->payload),
                    .symbology = std::move(step.read->symbology),
                    .read_at = std::chrono::system_clock::now(),
                    .card_memory = {}});
}

}  // namespace rapport::drivers::detail
