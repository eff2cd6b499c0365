// server/ctl/points_commands.cpp
//
// `rapportctl points ...`: a member's balance and reward tier, a manual adjustment, a bulk
// import (checked whole, then applied in one transaction or not at all), the chain's
// outstanding points, the expiry job, and the redemptions flagged for review
// (docs/rewards.md).

#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/rewards/points_csv.h"
#include "shared/crypto/digest.h"
#include "shared/domain/event_id.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "shared/util/hex.h"

namespace rapport::ctl {
namespace {

bool valid_text(const std::string& text) { return !text.empty() && text.size() <= 200; }

}  // namespace

int run_points_balance(const std::filesystem::path& data, std::int64_t member) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto balance = folder->store->points_balance(member);
  if (!balance) {
    std::cerr << "error: cannot read the ledger: " << balance.error().message() << "\n";
    return 1;
  }
  if (!*balance) {
    std::cerr << "error: there is no member " << member << " (see: rapportctl member list --data "
              << data.string() << ")\n";
    return 1;
  }
  std::cout << "member " << member << "  balance " << **balance << " points";
  if (const auto tier = folder->store->reward_tier(member); tier && *tier) {
    std::cout << "  tier " << **tier;
  }
  std::cout << "\n";
  return 0;
}

int run_points_adjust(const PointsAdjustOptions& o) {
  if (o.points == 0 || o.points > rewards::kMaxPointsPerLine ||
      o.points < -rewards::kMaxPointsPerLine) {
    std::cerr << "error: --points must be a whole number other than 0, at most "
              << rewards::kMaxPointsPerLine << " either way\n";
    return 2;
  }
  if (!valid_text(o.reason) || !valid_text(o.staff)) {
    std::cerr << "error: --reason and --staff must be 1-200 characters: every adjustment says "
                 "why and who\n";
    return 2;
  }
  auto folder = open_data_folder(o.data);
  if (!folder) return 1;
  const auto exists = folder->store->points_balance(o.member);
  if (!exists || !*exists) {
    std::cerr << "error: there is no member " << o.member << "\n";
    return 1;
  }
  const server::PointsAdjustment adjustment{o.member, o.points, o.reason, o.staff,
                                            "manual:" + domain::new_event_id()};
  if (const auto done = folder->store->adjust_points({&adjustment, 1}); !done) {
    std::cerr << "error: nothing changed: " << done.error().message() << "\n";
    return 1;
  }
  std::cout << "member " << o.member << "  " << (o.points > 0 ? "+" : "") << o.points << " points ("
            << o.reason << ", by " << o.staff << ")  balance "
            << folder->store->points_balance(o.member).value().value_or(0) << "\n";
  return 0;
}

int run_points_import(const std::filesystem::path& data, const std::filesystem::path& file) {
  const auto text = read_file(file);
  if (!text) {
    std::cerr << "error: cannot read " << file.string() << "\n";
    return 1;
  }
  const auto csv = rewards::parse_points_csv(*text);
  std::vector<std::string> problems;
  for (const auto& e : csv.errors) problems.push_back(e.message());
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  // The file as a whole names the import: the same file twice is refused.
  const auto digest =
      crypto::sha256({reinterpret_cast<const std::uint8_t*>(text->data()), text->size()});
  const std::string import_id = to_hex(digest);
  std::vector<server::PointsAdjustment> adjustments;
  for (const auto& row : csv.rows) {
    const auto balance = folder->store->points_balance(row.member_id);
    if (!balance) {
      std::cerr << "error: cannot read the ledger: " << balance.error().message() << "\n";
      return 1;
    }
    if (row.member_id > 0 && !*balance) {
      problems.push_back("line " + std::to_string(row.line) + ": there is no member " +
                         std::to_string(row.member_id));
    }
    adjustments.push_back({row.member_id, row.points, row.reason, row.staff_user,
                           "import:" + import_id + ":" + std::to_string(row.line)});
  }
  if (!adjustments.empty()) {
    const auto before = folder->store->points_cause_posted(adjustments.front().cause);
    if (before && *before) {
      problems.push_back("this file (SHA-256 " + import_id.substr(0, 16) +
                         "...) was imported before; nothing applied twice");
    }
  }
  if (!problems.empty()) {
    for (const auto& p : problems) std::cerr << file.string() << ": " << p << "\n";
    std::cerr << "error: " << problems.size() << " problem(s); nothing was applied. Fix the "
              << "file and import it again.\n";
    return 2;
  }
  if (const auto done = folder->store->adjust_points(adjustments); !done) {
    std::cerr << "error: nothing was applied: " << done.error().message() << "\n";
    return 1;
  }
  std::int64_t total = 0;
  for (const auto& a : adjustments) total += a.points;
  std::cout << "imported " << adjustments.size() << " line(s) from " << file.string() << ": "
            << (total >= 0 ? "+" : "") << total << " points in all\n";
  return 0;
}

int run_points_liability(const std::filesystem::path& data) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto totals = folder->store->points_liability();
  if (!totals) {
    std::cerr << "error: cannot read the ledger: " << totals.error().message() << "\n";
    return 1;
  }
  std::cout << "outstanding points: " << totals->member_balances << " held by "
            << totals->members_with_points << " member(s)\n"
            << "chain accounts (issued, redeemed, expired, adjusted): " << totals->chain_accounts
            << (totals->chain_accounts == -totals->member_balances ? "  (balanced)"
                                                                   : "  (NOT BALANCED)")
            << "\n";
  return totals->chain_accounts == -totals->member_balances ? 0 : 1;
}

int run_points_expire(const std::filesystem::path& data, const std::optional<std::string>& now) {
  auto at = std::chrono::system_clock::now();
  if (now) {
    const auto parsed = from_iso8601(*now);
    if (!parsed) {
      std::cerr << "error: --now must be a time written 2026-11-26T09:00:00Z\n";
      return 2;
    }
    at = *parsed;
  }
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  if (!folder->config.rewards) {
    std::cerr << "error: server.toml names no rewards rules ([rewards] rules), so nothing "
                 "expires\n";
    return 1;
  }
  const auto expired = folder->store->expire_points(at);
  if (!expired) {
    std::cerr << "error: " << expired.error().message() << "\n";
    return 1;
  }
  std::cout << "points expired for " << *expired << " member(s); reward tiers reviewed\n";
  return 0;
}

int run_points_reviews(const std::filesystem::path& data, std::size_t limit) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto reviews = folder->store->list_points_reviews(limit);
  if (!reviews) {
    std::cerr << "error: " << reviews.error().message() << "\n";
    return 1;
  }
  for (const auto& r : *reviews) {
    std::cout << r.flagged_at << "  event " << r.event_id << "  terminal " << r.terminal_id
              << "  member " << (r.member_id ? std::to_string(*r.member_id) : "-") << "  "
              << r.points << " points  balance before "
              << (r.balance_before ? std::to_string(*r.balance_before) : "-") << "  " << r.problem
              << "\n";
  }
  if (reviews->empty()) std::cout << "no redemptions waiting for review\n";
  return 0;
}

}  // namespace rapport::ctl
