// drivers/line_reader.h
//
// A card reader on a file descriptor that delivers one read per line: standard input (a
// cashier typing, a script piping numbers, or a keyboard-mode scanner typing into the
// terminal's console). The USB drivers replace it at the counter; it stays for the demo,
// tests and stores with a keyboard-wedge scanner.

#pragma once

#include <memory>
#include <string>

#include "drivers/card_reader.h"

namespace rapport::drivers {

inline constexpr std::size_t kMaxReadBytes = 512;  // longer than any track or barcode we read

// Reads lines from `fd` (not owned, not closed). Lines end with '\n'; a trailing '\r' and
// surrounding spaces are dropped; empty lines are skipped. At end of input a final line
// without '\n' is still delivered, then kEndOfInput.
[[nodiscard]] std::unique_ptr<CardReader> make_line_reader(int fd, std::string name);

}  // namespace rapport::drivers
