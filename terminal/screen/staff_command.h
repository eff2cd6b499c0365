// terminal/screen/staff_command.h
//
// `rapport-terminal staff add --config terminal.toml --name NAME`: adds a cashier who signs in
// to the cashier's screen, or sets a new PIN for one. The PIN is read from standard input
// (one line, 4-12 digits), never from the command line where `ps` would show it.

#pragma once

#include <istream>
#include <string>

namespace rapport::terminal {

// Returns the exit status; says what went wrong on standard error.
[[nodiscard]] int run_staff_add(const std::string& config_path, const std::string& name,
                                std::istream& pin_input);

}  // namespace rapport::terminal
