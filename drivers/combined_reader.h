// drivers/combined_reader.h
//
// Several card readers as one: the console and the USB readers of a counter. Each source is
// read on its own thread; next_read() returns whichever read comes first. The combination
// ends when any source ends for good (the console closing is how an operator stops a demo
// terminal); per-read failures pass through. request_stop() stops every source and is
// async-signal-safe, like theirs. control() is the first source's that has one.

#pragma once

#include <memory>
#include <vector>

#include "drivers/card_reader.h"

namespace rapport::drivers {

[[nodiscard]] std::unique_ptr<CardReader> combine_readers(
    std::vector<std::unique_ptr<CardReader>> sources);

}  // namespace rapport::drivers
