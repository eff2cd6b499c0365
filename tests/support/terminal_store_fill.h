// tests/support/terminal_store_fill.h
//
// A terminal's store at chain scale, for issue 9's greeting figure ("p99 under 50 ms with
// 1,000,000 members in the terminal's store"): writes N synthetic members and their cards
// into a terminal's SQLite file as the member cache stores them (terminal/member_cache.cpp),
// in one transaction with synchronous off. Used by bench_greeting and by the playwright
// acceptance test, which fills the terminal's store before starting rapport-terminal.
//
// Threading: one thread; the file must not be open for writing elsewhere. Throws
// std::runtime_error saying what failed (a broken fixture is a failed test).

#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "shared/card/card_key.h"

namespace rapport::testing {

// Member i's card number: `prefix`, 9 account digits that differ for every i below 10^9, and
// the Luhn digit. The same i gives the same number, so a reader can be fed any filled card.
std::string filled_card_digits(std::string_view prefix, std::size_t i);

// Adds members first_id .. first_id + count - 1 (named "Member <id>", store S1) with the cards
// filled_card_digits(prefix, 0 .. count - 1), tokens made with `key`. Keep first_id above the
// ids a test's server hands out, so the filled members never meet real ones.
void fill_terminal_store(const std::filesystem::path& file, const card::CardKey& key,
                         std::string_view prefix, std::size_t count, std::int64_t first_id = 1);

}  // namespace rapport::testing
