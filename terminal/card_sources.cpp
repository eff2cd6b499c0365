// terminal/card_sources.cpp
#include "terminal/card_sources.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "drivers/combined_reader.h"
#include "drivers/line_reader.h"
#include "drivers/usb/usb_readers.h"

namespace rapport::terminal {

std::unique_ptr<drivers::CardReader> open_card_readers(const drivers::ReaderConfig& config,
                                                       int console_fd) {
  std::vector<std::unique_ptr<drivers::CardReader>> sources;
  if (config.console) sources.push_back(drivers::make_line_reader(console_fd, "stdin"));
  if (config.usb) {
    drivers::UsbReaderOptions options;
    options.models = config.usb_models;
    options.quiet_gap = config.quiet_gap;
    if (auto usb = drivers::open_usb_readers(std::move(options)); usb) {
      sources.push_back(std::move(*usb));
    } else {
      spdlog::warn("USB card readers are off: {}", usb.error().message());
    }
  }
  if (sources.empty()) {
    spdlog::critical(
        "no card reader to read from: set [readers] console = true, or usb = true on a machine "
        "with USB (see config/terminal.toml)");
    return nullptr;
  }
  return drivers::combine_readers(std::move(sources));
}

}  // namespace rapport::terminal
