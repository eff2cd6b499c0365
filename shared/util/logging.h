// shared/util/logging.h
//
// Logs go to standard error, so a program's standard output stays for its users (the
// cashier's lines, rapportctl's tables) and scripts can read it cleanly.

#pragma once

#include <string_view>

namespace rapport {

// Sets the default spdlog logger to stderr with `program` in each line. `level` is one of
// trace, debug, info, warn, error, critical, off; an unknown level means info.
void init_logging(std::string_view program, std::string_view level);

}  // namespace rapport
