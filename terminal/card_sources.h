// terminal/card_sources.h
//
// What the counter reads from, as terminal.toml's [readers] says: the console (typed lines,
// keyboard-wedge scanners) and the USB card readers, combined into one CardReader.

#pragma once

#include <memory>

#include "drivers/card_reader.h"
#include "drivers/usb/reader_config.h"

namespace rapport::terminal {

// The console reads `console_fd` (standard input). USB is skipped with a warning where this
// machine has none (a container). Nothing to read from at all: logs why, returns nullptr.
[[nodiscard]] std::unique_ptr<drivers::CardReader> open_card_readers(
    const drivers::ReaderConfig& config, int console_fd);

}  // namespace rapport::terminal
