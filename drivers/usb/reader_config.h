// drivers/usb/reader_config.h
//
// The [readers] part of terminal.toml (and of rapport-readers --config): which sources the
// counter reads, and reader models beyond the built-in table. Annotated example:
// config/terminal.toml. Throws config::ConfigError naming the key to fix.

#pragma once

#include <chrono>
#include <vector>

#include "drivers/usb/reader_models.h"
#include "shared/config/config_file.h"

namespace rapport::drivers {

struct ReaderConfig {
  bool console = true;  // typed lines on standard input (demo, keyboard-wedge scanners)
  bool usb = true;      // attached USB readers
  std::vector<ReaderModel> usb_models;
  std::chrono::milliseconds quiet_gap{80};
};

[[nodiscard]] ReaderConfig load_reader_config(const config::ConfigFile& file);

}  // namespace rapport::drivers
