// shared/util/money.h
//
// Amounts are kept as whole cents everywhere (docs/protocol.md); this is the one way to show
// them to people.

#pragma once

#include <cstdint>
#include <string>

namespace rapport {

// "12.50", "-0.05", "0.00": whole units, a dot and two digits, the sign kept for any amount.
[[nodiscard]] std::string format_cents(std::int64_t cents);

}  // namespace rapport
