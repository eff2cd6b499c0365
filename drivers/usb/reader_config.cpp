// drivers/usb/reader_config.cpp
#include "drivers/usb/reader_config.h"

#include <string>

namespace rapport::drivers {
namespace {

Terminator parse_terminator(const config::ConfigFile& file, const std::string& key) {
  const auto name = file.optional_string(key).value_or("enter");
  if (name == "enter") return Terminator::kEnter;
  if (name == "tab") return Terminator::kTab;
  if (name == "none") return Terminator::kQuietGapOnly;
  file.fail(key, "must be \"enter\", \"tab\" or \"none\" (the read ends after a quiet gap)");
}

ReaderModel load_model(const config::ConfigFile& file, const std::string& prefix) {
  ReaderModel model;
  model.name = file.string(prefix + ".name");
  model.vendor_id = static_cast<std::uint16_t>(file.integer(prefix + ".vendor_id", 1, 0xFFFF));
  if (const auto product = file.integer_or(prefix + ".product_id", -1, -1, 0xFFFF); product >= 0) {
    model.product_id = static_cast<std::uint16_t>(product);
  }
  const auto driver_key = prefix + ".driver";
  const auto driver = parse_reader_driver(file.string(driver_key));
  if (!driver) {
    file.fail(driver_key, "must be \"keyboard\", \"magtek\", \"hidpos\" or \"ccid\"");
  }
  model.driver = *driver;
  // Sensible interface defaults per driver; a model that differs says so.
  const bool keyboard = model.driver == ReaderDriver::kHidKeyboard;
  const bool ccid = model.driver == ReaderDriver::kCcid;
  model.interface_class = static_cast<std::uint8_t>(
      file.integer_or(prefix + ".interface_class", ccid ? 0x0B : 3, 0, 255));
  if (const auto subclass =
          file.integer_or(prefix + ".interface_subclass", keyboard ? 1 : (ccid ? -1 : 0), -1, 255);
      subclass >= 0) {
    model.interface_subclass = static_cast<std::uint8_t>(subclass);
  }
  if (const auto protocol =
          file.integer_or(prefix + ".interface_protocol", keyboard ? 1 : -1, -1, 255);
      protocol >= 0) {
    model.interface_protocol = static_cast<std::uint8_t>(protocol);
  }
  const auto layout_key = prefix + ".layout";
  const auto layout = parse_keyboard_layout(file.optional_string(layout_key).value_or("us"));
  if (!layout) file.fail(layout_key, "must be \"us\", \"fr\" or \"de\"");
  model.layout = *layout;
  model.terminator = parse_terminator(file, prefix + ".terminator");
  const auto signals_key = prefix + ".signals";
  const auto signals = file.optional_string(signals_key).value_or("none");
  if (signals == "acs") {
    model.signals = SignalCommands::kAcs;
  } else if (signals != "none") {
    file.fail(signals_key, "must be \"acs\" (ACR122U-style LED and buzzer) or \"none\"");
  }
  return model;
}

}  // namespace

ReaderConfig load_reader_config(const config::ConfigFile& file) {
  ReaderConfig config;
  config.console = file.boolean_or("readers.console", true);
  config.usb = file.boolean_or("readers.usb", true);
  config.quiet_gap =
      std::chrono::milliseconds(file.integer_or("readers.quiet_gap_ms", 80, 10, 2000));
  const std::size_t models = file.array_size("readers.models");
  for (std::size_t i = 0; i < models; ++i) {
    config.usb_models.push_back(load_model(file, "readers.models[" + std::to_string(i) + "]"));
  }
  return config;
}

}  // namespace rapport::drivers
