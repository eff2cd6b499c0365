// tests/support/usb_testbed.h
//
// Emulated USB card readers for the driver tests: umockdev builds a fake sysfs and
// /dev/bus/usb, and each emulated device answers the usbfs ioctls that real libusb sends
// (claim, submit and reap URBs, control requests), the way libusb's own tests/umockdev.c
// does. Rapport's driver code runs unchanged on top of real libusb.
//
// The process must be linked with libumockdev-preload first (see tests/CMakeLists.txt); an
// ASan build also needs verify_asan_link_order=0 (usb_testbed.cpp sets it).
//
// Threading: umockdev answers ioctls on its own thread; the methods here may be called from
// the test's thread at any time.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace rapport::testing {

using Bytes = std::vector<std::uint8_t>;

struct EmulatedReaderSpec {
  std::uint16_t vendor_id = 0x0C2E;
  std::uint16_t product_id = 0x0B61;
  std::uint8_t interface_class = 3;  // HID
  std::uint8_t interface_subclass = 1;
  std::uint8_t interface_protocol = 1;  // 1/1: boot keyboard
  std::uint8_t in_endpoint = 0x81;
  std::uint16_t max_packet = 8;
  Bytes report_descriptor;  // what GET_DESCRIPTOR(report) returns; empty: a keyboard's
  int port = 1;             // where it is plugged: sysfs "1-<port>", device 001/<port + 1>
  // A CCID reader (interface class 0x0B) has a bulk pair; in_endpoint is then its optional
  // interrupt-IN for slot-change notifications (0: none).
  std::uint8_t bulk_out_endpoint = 0;
  std::uint8_t bulk_in_endpoint = 0;
};

// An ACS ACR122U as lsusb shows it: 072F:2200, interface class 0x0B with the 54-byte CCID
// class descriptor, bulk-OUT 0x02, bulk-IN 0x82 and interrupt-IN 0x81 (64-byte packets).
[[nodiscard]] EmulatedReaderSpec acr122u_spec(int port = 1);

// What the device saw: the tests assert that traffic really went through libusb.
struct UsbTraffic {
  int claims = 0;             // CLAIMINTERFACE or DISCONNECT_CLAIM
  int kernel_detaches = 0;    // DISCONNECT_CLAIM (the kernel driver was detached)
  int releases = 0;           // RELEASEINTERFACE
  int control_requests = 0;   // control URBs (SET_PROTOCOL, GET_DESCRIPTOR...)
  int boot_protocol_set = 0;  // SET_PROTOCOL(boot)
  int urbs_submitted = 0;     // interrupt-IN and bulk-IN URBs
  int urbs_reaped = 0;        // interrupt-IN URBs completed with a report
  int urbs_discarded = 0;     // cancelled (stop, or a libusb timeout)
  int bulk_out_messages = 0;  // bulk-OUT URBs (CCID commands)
  int bulk_in_reaped = 0;     // bulk-IN URBs completed with a reply
};

// Answers one bulk-OUT message with the bulk-IN messages that follow it (none: silence).
using BulkResponder = std::function<std::vector<Bytes>(const Bytes& message)>;

class EmulatedReader {
 public:
  virtual ~EmulatedReader() = default;
  // The next interrupt-IN URBs complete with these reports, one each, in order.
  virtual void send_reports(const std::vector<Bytes>& reports) = 0;
  // Bulk-OUT URBs complete at once and go to `responder` (called on umockdev's thread, with
  // the device's lock held: it must not call back into this object); its replies complete
  // the next bulk-IN URBs, one each, in order. Without a responder bulk-OUT is swallowed.
  virtual void answer_bulk_out(BulkResponder responder) = 0;
  [[nodiscard]] virtual UsbTraffic traffic() const = 0;
  // True once the driver keeps an interrupt-IN URB outstanding (the reader is being read).
  [[nodiscard]] virtual bool wait_until_reading(std::chrono::milliseconds timeout) const = 0;
  // True once every queued report has been reaped by the driver.
  [[nodiscard]] virtual bool wait_until_delivered(std::chrono::milliseconds timeout) const = 0;
  // When the driver reaped the report that emptied the queue (the last of a card read): the
  // wall clock, so a browser's performance.timeOrigin + now() can be compared with it.
  [[nodiscard]] virtual std::chrono::system_clock::time_point last_delivered() const = 0;
};

class UsbTestbed {
 public:
  UsbTestbed();
  ~UsbTestbed();
  UsbTestbed(const UsbTestbed&) = delete;
  UsbTestbed& operator=(const UsbTestbed&) = delete;

  // Plugs a device in (sysfs entry, device node, "add" uevent).
  EmulatedReader& plug(const EmulatedReaderSpec& spec);
  // Pulls it out: outstanding and later URBs fail with ENODEV, the sysfs entry goes, a
  // "remove" uevent is sent. Reports still queued are lost, as on a real unplug.
  void unplug(EmulatedReader& reader);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The device/configuration/interface/HID/endpoint descriptors of a reader, as the hex string
// umockdev's "descriptors" sysfs attribute holds (also used for the umockdev-run files).
[[nodiscard]] std::string usb_descriptors_hex(const EmulatedReaderSpec& spec);

}  // namespace rapport::testing
