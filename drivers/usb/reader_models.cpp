// drivers/usb/reader_models.cpp
#include "drivers/usb/reader_models.h"

#include <fmt/format.h>

namespace rapport::drivers {
namespace {

ReaderModel keyboard_model(std::string name, std::uint16_t vendor) {
  return ReaderModel{.name = std::move(name),
                     .vendor_id = vendor,
                     .product_id = std::nullopt,
                     .interface_class = 3,
                     .interface_subclass = 1,
                     .interface_protocol = 1,
                     .driver = ReaderDriver::kHidKeyboard,
                     .layout = KeyboardLayout::kUs,
                     .terminator = Terminator::kEnter};
}

// A non-boot HID interface of the vendor, read by `driver`.
ReaderModel vendor_hid_model(std::string name, std::uint16_t vendor, ReaderDriver driver) {
  return ReaderModel{.name = std::move(name),
                     .vendor_id = vendor,
                     .product_id = std::nullopt,
                     .interface_class = 3,
                     .interface_subclass = 0,
                     .interface_protocol = std::nullopt,
                     .driver = driver,
                     .layout = KeyboardLayout::kUs,
                     .terminator = Terminator::kEnter};
}

// A contactless reader's CCID interface (class 0x0B, any subclass and protocol).
ReaderModel ccid_model(std::string name, std::uint16_t vendor, std::uint16_t product,
                       SignalCommands signals) {
  return ReaderModel{.name = std::move(name),
                     .vendor_id = vendor,
                     .product_id = product,
                     .interface_class = 0x0B,
                     .interface_subclass = std::nullopt,
                     .interface_protocol = std::nullopt,
                     .driver = ReaderDriver::kCcid,
                     .layout = KeyboardLayout::kUs,
                     .terminator = Terminator::kEnter,
                     .signals = signals};
}

bool matches(const ReaderModel& model, const UsbDeviceInfo& device,
             const UsbInterfaceInfo& interface) {
  if (model.vendor_id != device.vendor_id) return false;
  if (model.product_id && *model.product_id != device.product_id) return false;
  if (model.interface_class != interface.interface_class) return false;
  if (model.interface_subclass && *model.interface_subclass != interface.subclass) return false;
  if (model.interface_protocol && *model.interface_protocol != interface.protocol) return false;
  if (model.driver == ReaderDriver::kCcid) {
    return interface.bulk_in_endpoint != 0 && interface.bulk_out_endpoint != 0;
  }
  return interface.in_endpoint != 0;
}

}  // namespace

const char* to_string(ReaderDriver driver) noexcept {
  switch (driver) {
    case ReaderDriver::kHidKeyboard:
      return "keyboard";
    case ReaderDriver::kMagtekHid:
      return "magtek";
    case ReaderDriver::kHidPos:
      return "hidpos";
    case ReaderDriver::kCcid:
      return "ccid";
  }
  return "unknown";
}

std::optional<ReaderDriver> parse_reader_driver(std::string_view name) {
  for (auto driver : {ReaderDriver::kHidKeyboard, ReaderDriver::kMagtekHid, ReaderDriver::kHidPos,
                      ReaderDriver::kCcid}) {
    if (name == to_string(driver)) return driver;
  }
  return std::nullopt;
}

const std::vector<ReaderModel>& builtin_reader_models() {
  // Vendor ids from card-readers.md (§2, §4), marked "verify" there: a model that differs is
  // added in terminal.toml, which is searched first.
  static const std::vector<ReaderModel> models = {
      keyboard_model("Honeywell scanner", 0x0C2E),
      vendor_hid_model("Honeywell HID-POS scanner", 0x0C2E, ReaderDriver::kHidPos),
      keyboard_model("Zebra scanner", 0x05E0),
      vendor_hid_model("Zebra HID-POS scanner", 0x05E0, ReaderDriver::kHidPos),
      keyboard_model("Datalogic scanner", 0x05F9),
      vendor_hid_model("Datalogic HID-POS scanner", 0x05F9, ReaderDriver::kHidPos),
      keyboard_model("MagTek stripe reader", 0x0801),
      vendor_hid_model("MagTek stripe reader", 0x0801, ReaderDriver::kMagtekHid),
      keyboard_model("ID TECH stripe reader", 0x0ACD),
      vendor_hid_model("ID TECH stripe reader", 0x0ACD, ReaderDriver::kMagtekHid),
      // §5. The ACR1252U drives its LED and buzzer through other escape commands, not yet
      // verified on a device: signals do nothing there (it beeps on each tap by itself).
      ccid_model("ACS ACR122U", 0x072F, 0x2200, SignalCommands::kAcs),
      ccid_model("ACS ACR1252U", 0x072F, 0x223B, SignalCommands::kNone),
  };
  return models;
}

std::optional<ReaderMatch> match_reader(const std::vector<ReaderModel>& configured,
                                        const UsbDeviceInfo& device) {
  for (const auto* table : {&configured, &builtin_reader_models()}) {
    for (const auto& model : *table) {
      for (const auto& interface : device.interfaces) {
        if (matches(model, device, interface)) return ReaderMatch{model, interface};
      }
    }
  }
  return std::nullopt;
}

std::string describe_reader(const ReaderModel& model, const UsbDeviceInfo& device) {
  return fmt::format("usb:{} {} {:04x}:{:04x}", device.port_path, model.name, device.vendor_id,
                     device.product_id);
}

}  // namespace rapport::drivers
