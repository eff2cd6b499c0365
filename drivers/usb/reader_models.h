// drivers/usb/reader_models.h
//
// Which USB devices are card readers, and which driver reads each: a table of vendor and
// product ids and interface classes. Built-in defaults cover the common scanner and stripe
// reader vendors; terminal.toml can add models (or override a default) without a rebuild.
//
// Only listed vendors are ever claimed: a generic "any boot keyboard" rule would take the
// store PC's own keyboard away from it.

#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/hid/keyboard_decoder.h"
#include "drivers/hid/keyboard_layout.h"

namespace rapport::drivers {

enum class ReaderDriver {
  kHidKeyboard,  // boot-keyboard reports typed by a scanner or stripe reader (§1)
  kMagtekHid,    // MagTek-style vendor HID swipe reports (§2)
  kHidPos,       // HID Point-of-Sale barcode scanner, usage page 0x8C (§4)
  kCcid,         // contactless NFC reader over USB CCID, interface class 0x0B (§5)
};

[[nodiscard]] const char* to_string(ReaderDriver driver) noexcept;
// "keyboard", "magtek", "hidpos", "ccid"; anything else: nothing (the config loader names the key).
[[nodiscard]] std::optional<ReaderDriver> parse_reader_driver(std::string_view name);

// How a contactless reader's LED and buzzer are driven (the cashier's good/rejected signal).
enum class SignalCommands {
  kNone,  // the driver knows none: signals are accepted and do nothing
  kAcs,   // ACS pseudo-APDU FF 00 40 in a CCID Escape (ACR122U)
};

struct ReaderModel {
  std::string name;  // shown to installers: "Honeywell scanner"
  std::uint16_t vendor_id = 0;
  std::optional<std::uint16_t> product_id;  // empty: any product of the vendor
  // The interface the driver reads: class, and for HID subclass/protocol (1/1 = boot
  // keyboard). Empty subclass/protocol: any.
  std::uint8_t interface_class = 3;
  std::optional<std::uint8_t> interface_subclass;
  std::optional<std::uint8_t> interface_protocol;
  ReaderDriver driver = ReaderDriver::kHidKeyboard;
  KeyboardLayout layout = KeyboardLayout::kUs;
  Terminator terminator = Terminator::kEnter;
  SignalCommands signals = SignalCommands::kNone;  // kCcid only
};

// The defaults: Honeywell, Zebra, Datalogic scanners (keyboard and HID-POS interfaces),
// MagTek and ID TECH stripe readers, ACS ACR122U and ACR1252U contactless readers. See
// docs/card-readers.md for how to add one.
[[nodiscard]] const std::vector<ReaderModel>& builtin_reader_models();

// What enumeration tells us about one USB interface and one device.
struct UsbInterfaceInfo {
  std::uint8_t number = 0;
  std::uint8_t interface_class = 0;
  std::uint8_t subclass = 0;
  std::uint8_t protocol = 0;
  std::uint8_t in_endpoint = 0;  // first interrupt-IN endpoint address, 0 if none
  std::uint16_t in_max_packet = 0;
  std::uint8_t bulk_in_endpoint = 0;   // first bulk-IN endpoint address, 0 if none
  std::uint8_t bulk_out_endpoint = 0;  // first bulk-OUT endpoint address, 0 if none
};

struct UsbDeviceInfo {
  std::uint16_t vendor_id = 0;
  std::uint16_t product_id = 0;
  std::uint8_t bus = 0;
  std::uint8_t address = 0;
  std::string port_path;  // "1-2.3": stable across replugging into the same socket
  std::vector<UsbInterfaceInfo> interfaces;
};

struct ReaderMatch {
  ReaderModel model;
  UsbInterfaceInfo interface;
};

// The first model (configured ones first, then the built-ins) that matches an interface of
// the device with the endpoints its driver needs (HID: an interrupt-IN; CCID: a bulk-IN and
// a bulk-OUT, the interrupt-IN being optional); nothing if the device is not a reader.
[[nodiscard]] std::optional<ReaderMatch> match_reader(const std::vector<ReaderModel>& configured,
                                                      const UsbDeviceInfo& device);

// "usb:1-2 Honeywell scanner 0c2e:0b6a": how logs and the cashier name a reader.
[[nodiscard]] std::string describe_reader(const ReaderModel& model, const UsbDeviceInfo& device);

}  // namespace rapport::drivers
