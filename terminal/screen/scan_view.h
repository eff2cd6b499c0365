// terminal/screen/scan_view.h
//
// A scan as the cashier's screen shows it: the JSON the page receives (docs/cashier-screen.md,
// "Scan"). Only what the terminal knows: kinds of data that have not landed (offers, notes)
// are sent as empty lists, and the page says so. Pure.

#pragma once

#include <chrono>
#include <string>

#include "terminal/counter.h"

namespace rapport::terminal {

[[nodiscard]] std::string scan_json(const ScanResult& result,
                                    std::chrono::system_clock::time_point now);

}  // namespace rapport::terminal
