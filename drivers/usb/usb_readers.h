// drivers/usb/usb_readers.h
//
// The USB card readers of a terminal as one CardReader: every attached device that the
// reader table (reader_models.h) recognises is opened, its interface claimed (the kernel's
// keyboard driver detached, so a scan never types into a console). A HID reader keeps one
// interrupt-IN transfer outstanding; a contactless (CCID) reader polls its slot and reads
// each tapped card over bulk transfers (docs/card-readers.md). Readers plugged in later start
// working (hot-plug); one pulled out mid-read is reported as ReaderErrc::kUnplugged and the
// rest go on. control() (reader_control.h) signals the cashier and writes cards.
//
// libusb stays inside drivers/usb/*.cpp. One thread, owned here, handles all libusb events;
// next_read() only waits on a queue. Destroying the reader cancels the transfers, waits for
// their callbacks, releases the interfaces (the kernel driver comes back) and closes.

#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/card_reader.h"
#include "drivers/usb/reader_models.h"
#include "shared/util/result.h"

namespace rapport::drivers {

// Something installers and logs want to know about a reader, as it happens.
struct ReaderNotice {
  enum class Kind { kAttached, kDetached, kFailed };
  Kind kind = Kind::kAttached;
  std::string reader;  // describe_reader()
  std::string detail;  // for kFailed: what went wrong and what to do
};

struct UsbReaderOptions {
  std::vector<ReaderModel> models;  // from terminal.toml; searched before the built-ins
  // A keyboard-mode read with no terminator ends after this long without a report.
  std::chrono::milliseconds quiet_gap{80};
  // Reads waiting for the counter beyond this are dropped (oldest first) and logged: a
  // cashier does not want a minute-old scan applied to the next customer.
  std::size_t max_queued_reads = 32;
  // Contactless readers: how often the slot is polled while idle (ACR122U notifications are
  // unreliable), and how long a reply may take (each time extension restarts it).
  std::chrono::milliseconds ccid_poll_interval{200};
  std::chrono::milliseconds ccid_reply_timeout{1000};
  // Called on the USB event thread; must return quickly.
  std::function<void(const ReaderNotice&)> on_notice;
};

// Fails with ReaderErrc::kNoUsb when libusb cannot start (no usbfs, e.g. in a container).
[[nodiscard]] Result<std::unique_ptr<CardReader>> open_usb_readers(UsbReaderOptions options);

// One attached USB device and what Rapport makes of it (for `rapport-readers list`).
struct AttachedUsbDevice {
  UsbDeviceInfo device;
  std::optional<ReaderMatch> reader;  // empty: not a card reader Rapport knows
};

[[nodiscard]] Result<std::vector<AttachedUsbDevice>> list_usb_devices(
    const std::vector<ReaderModel>& models);

}  // namespace rapport::drivers
