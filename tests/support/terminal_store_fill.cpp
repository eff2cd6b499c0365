// tests/support/terminal_store_fill.cpp
#include "tests/support/terminal_store_fill.h"

#include <cstdio>
#include <stdexcept>

#include "shared/card/card_number.h"
#include "shared/storage/database.h"
#include "terminal/local_database.h"

namespace rapport::testing {

namespace {

template <typename T>
T value_or_throw(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string("filling the terminal's store: ") + what + ": " +
                                   r.error().message());
  return std::move(*r);
}

void run_or_throw(Result<void> r, const char* what) {
  if (!r) throw std::runtime_error(std::string("filling the terminal's store: ") + what + ": " +
                                   r.error().message());
}

}  // namespace

std::string filled_card_digits(std::string_view prefix, std::size_t i) {
  // i times a number prime to 10^9: distinct account digits for every i below 10^9.
  char account[32];
  std::snprintf(account, sizeof account, "%09llu",
                static_cast<unsigned long long>((i * 7'654'321ULL + 12'345ULL) % 1'000'000'000ULL));
  std::string payload = std::string(prefix) + account;
  return payload + card::luhn_check_digit(payload);
}

void fill_terminal_store(const std::filesystem::path& file, const card::CardKey& key,
                         std::string_view prefix, std::size_t count, std::int64_t first_id) {
  storage::OpenOptions fast;
  fast.full_sync = false;  // a fixture: the file is thrown away if the fill fails
  auto db = value_or_throw(terminal::open_local_database(file, fast), "open");
  // The random card tokens land all over their index: keep the whole file's pages in memory
  // (256 MB) so each is written once, not spilled and rewritten.
  run_or_throw(db.execute("PRAGMA cache_size = -262144"), "cache size");
  auto tx = value_or_throw(storage::Transaction::begin(db), "begin");
  auto member = value_or_throw(
      db.prepare("INSERT INTO members(id, name, home_store, birth_date, visit_count, last_visit, "
                 "value_tier, at_risk, rhythm_days, points_balance, reward_tier) "
                 "VALUES (?1,?2,'S1',?3,?4,?5,?6,?7,?8,?9,?10)"),
      "prepare members");
  auto card = value_or_throw(
      db.prepare("INSERT INTO cards(token, member_id, last4, status) VALUES (?1,?2,?3,'active')"),
      "prepare cards");
  constexpr const char* kTiers[] = {"MVC", "MGC", "LMC", "BZ"};
  constexpr const char* kRewardTiers[] = {"Bronze", "Silver", "Gold"};
  for (std::size_t i = 0; i < count; ++i) {
    const auto id = first_id + static_cast<std::int64_t>(i);
    const std::string digits = filled_card_digits(prefix, i);
    const auto number = card::CardNumber::parse(digits, prefix);
    if (!number) throw std::runtime_error("filling the terminal's store: bad number " + digits);
    char birth[48];
    std::snprintf(birth, sizeof birth, "19%02zu-%02zu-%02zu", 40 + i % 60, 1 + i % 12, 1 + i % 28);
    member.bind(1, id)
        .bind(2, "Member " + std::to_string(id))
        .bind(3, std::string(birth))
        .bind(4, static_cast<std::int64_t>(i % 90))
        .bind(5, std::string("2026-10-") + (i % 2 ? "14" : "03") + "T09:30:00.000Z")
        .bind(6, std::string(kTiers[i % 4]))
        .bind(7, std::int64_t{i % 17 == 0 ? 1 : 0})
        .bind(8, 7.5 + static_cast<double>(i % 30))
        .bind(9, static_cast<std::int64_t>(i % 2000))
        .bind(10, std::string(kRewardTiers[i % 3]));
    run_or_throw(member.run(), "member");
    card.bind(1, key.token_for(*number)).bind(2, id).bind(3, number->last4());
    run_or_throw(card.run(), "card");
  }
  run_or_throw(tx.commit(), "commit");
}

}  // namespace rapport::testing
