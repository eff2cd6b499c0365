// server/storage/pg_points.cpp
//
// The PostgreSQL ledger's operator calls, jobs and reads (pg_points.h); a run of events is
// pg_points_run.cpp. Each writer locks the members it posts to in id order first
// (pg_members.h), so two instances never post on the same balance at once.

#include "server/storage/pg_points.h"

#include <algorithm>
#include <set>
#include <utility>

#include "server/rewards/earning.h"
#include "server/storage/pg_members.h"
#include "server/storage/pg_points_posting.h"
#include "shared/domain/event_id.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::server::pg {

using domain::EventKind;

bool PointsLedger::concerns(EventKind kind) const {
  switch (kind) {
    case EventKind::kPurchase:
    case EventKind::kRefund:
    case EventKind::kVoid:
    case EventKind::kRedemption:
    case EventKind::kGesture:
    case EventKind::kOfferResponse:
      return true;
    case EventKind::kVisit:
    case EventKind::kEnrollment:
      return rules_ != nullptr;
    default:
      return false;
  }
}

Result<std::vector<domain::Event>> PointsLedger::unattached_purchases(const std::string& token) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT e.id, e.card_token, e.occurred_at, e.payload, e.terminal_id, "
                       "e.store_id FROM purchases p JOIN events e ON e.id = p.event_id WHERE "
                       "p.card_token = $1 AND p.member_id IS NULL ORDER BY p.seq",
                       {token}));
  std::vector<domain::Event> sales;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    domain::Event sale;
    sale.id = rows.text(r, 0);
    sale.kind = EventKind::kPurchase;
    sale.card_token = rows.text(r, 1);
    sale.occurred_at = rows.text(r, 2);
    sale.payload = rows.text(r, 3);
    sale.terminal_id = rows.text(r, 4);
    sale.store_id = rows.text(r, 5);
    sales.push_back(std::move(sale));
  }
  return sales;
}

Result<void> PointsLedger::adjust(std::span<const PointsAdjustment> adjustments) {
  std::vector<std::int64_t> ids;
  std::vector<Param> causes;
  std::set<std::string> seen;
  std::vector<Posting> postings;
  const std::string at = now_iso8601();
  for (const auto& a : adjustments) {
    if (a.points == 0 || a.reason.empty() || a.staff_user.empty() || a.cause.empty() ||
        !seen.insert(a.cause).second) {
      return storage::StorageErrc::kConstraint;
    }
    ids.push_back(a.member_id);
    causes.push_back(a.cause);
    postings.push_back(
        {"adjustment",
         a.cause,
         std::nullopt,
         std::nullopt,
         a.reason,
         a.staff_user,
         at,
         {{"member", a.member_id, a.points}, {"chain:adjusted", std::nullopt, -a.points}}});
  }
  RAPPORT_TRY(const auto locked, lock_members(db_, ids));
  for (const auto id : ids) {
    if (!std::binary_search(locked.begin(), locked.end(), id)) {
      return storage::StorageErrc::kConstraint;
    }
  }
  RAPPORT_TRY(const auto before, db_.exec("SELECT 1 FROM points_postings WHERE cause = "
                                          "ANY($1::text[]) LIMIT 1",
                                          {text_array(causes)}));
  if (!before.empty()) return storage::StorageErrc::kConstraint;  // the same file again
  RAPPORT_TRY(const auto written, write_postings(db_, postings));
  if (written.postings != postings.size()) return storage::StorageErrc::kConstraint;
  return mark_changed(db_, written.members);
}

Result<void> PointsLedger::transfer(std::int64_t from, std::int64_t to, std::int64_t points,
                                    const std::string& reason, const std::string& staff_user) {
  if (points <= 0 || from == to || reason.empty() || staff_user.empty()) {
    return storage::StorageErrc::kConstraint;
  }
  RAPPORT_TRY(const auto locked, lock_members(db_, {from, to}));
  if (locked.size() != 2) return storage::StorageErrc::kConstraint;
  RAPPORT_TRY(const auto written,
              write_postings(db_, {{"transfer",
                                    "transfer:" + domain::new_event_id(),
                                    std::nullopt,
                                    std::nullopt,
                                    reason,
                                    staff_user,
                                    now_iso8601(),
                                    {{"member", from, -points}, {"member", to, points}}}}));
  return mark_changed(db_, written.members);
}

Result<std::size_t> PointsLedger::expire(std::chrono::system_clock::time_point now) {
  if (!rules_ || rules_->earning.expire_after_days <= 0) return std::size_t{0};
  const std::string cutoff = to_iso8601(now - std::chrono::days(rules_->earning.expire_after_days));
  // Activity: the member's events (server time when the terminal's clock runs ahead),
  // adjustments and transfers. Read once to find whom to lock, again under the locks.
  const std::string inactive =
      "SELECT b.member_id, b.balance, greatest("
      "  coalesce((SELECT max(least(occurred_at, received_at)) FROM events "
      "    WHERE member_id = b.member_id), ''), "
      "  coalesce((SELECT max(p.occurred_at) FROM points_postings p JOIN points_entries e ON "
      "    e.posting_id = p.id WHERE e.member_id = b.member_id AND p.kind IN ('adjustment', "
      "    'transfer')), '')) AS active "
      "FROM (SELECT member_id, sum(points) AS balance FROM points_entries WHERE member_id IS "
      "  NOT NULL AND ($2::bigint[] IS NULL OR member_id = ANY($2::bigint[])) GROUP BY "
      "  member_id) b ";
  const std::string where =
      "WHERE b.balance > 0 AND greatest("
      "  coalesce((SELECT max(least(occurred_at, received_at)) FROM events "
      "    WHERE member_id = b.member_id), ''), "
      "  coalesce((SELECT max(p.occurred_at) FROM points_postings p JOIN points_entries e ON "
      "    e.posting_id = p.id WHERE e.member_id = b.member_id AND p.kind IN ('adjustment', "
      "    'transfer')), '')) < $1 ORDER BY b.member_id";
  RAPPORT_TRY(const auto candidates, db_.exec(inactive + where, {cutoff, std::nullopt}));
  if (candidates.empty()) return std::size_t{0};
  std::vector<std::int64_t> ids;
  for (std::size_t r = 0; r < candidates.size(); ++r) ids.push_back(candidates.int64(r, 0));
  RAPPORT_TRY(const auto locked, lock_members(db_, ids));
  RAPPORT_TRY(const auto rows, db_.exec(inactive + where, {cutoff, id_array(locked)}));
  const std::string at = to_iso8601(now);
  std::vector<Posting> postings;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto member = rows.int64(r, 0);
    const auto points = rows.int64(r, 1);
    // The cause names the job's now: a second run at the same now posts nothing.
    postings.push_back({"expiry",
                        "expiry:" + std::to_string(member) + ":" + at,
                        std::nullopt,
                        std::nullopt,
                        "inactive since " + rows.text(r, 2),
                        std::nullopt,
                        at,
                        {{"member", member, -points}, {"chain:expired", std::nullopt, points}}});
  }
  RAPPORT_TRY(const auto written, write_postings(db_, postings));
  RAPPORT_TRY_VOID(mark_changed(db_, written.members));
  return written.postings;
}

Result<std::size_t> PointsLedger::review_tiers(std::chrono::sys_days today) {
  if (!rules_ || rules_->reward_tiers.tiers.empty()) return std::size_t{0};
  const auto& rules = rules_->reward_tiers;
  const std::string since = to_iso8601_day(today - std::chrono::days(rules.qualifying_days - 1));
  RAPPORT_TRY_VOID(
      db_.exec("SELECT id FROM members WHERE id IN (SELECT member_id FROM "
               "member_reward_tiers) ORDER BY id FOR NO KEY UPDATE"));
  RAPPORT_TRY(
      const auto rows,
      db_.exec(rules.measure == rewards::TierMeasure::kPoints
                   ? "SELECT t.member_id, t.tier, t.held_until, coalesce((SELECT sum(e.points) "
                     "FROM points_postings p JOIN points_entries e ON e.posting_id = p.id WHERE "
                     "e.member_id = t.member_id AND p.kind IN ('earn', 'reversal') AND "
                     "substr(p.occurred_at, 1, 10) >= $1 AND substr(p.occurred_at, 1, 10) <= "
                     "$2), 0) FROM member_reward_tiers t ORDER BY t.member_id"
                   : "SELECT t.member_id, t.tier, t.held_until, coalesce((SELECT "
                     "sum(amount_cents - refunded_cents) FROM purchases WHERE member_id = "
                     "t.member_id AND day >= $1 AND day <= $2), 0) FROM member_reward_tiers t "
                     "ORDER BY t.member_id",
               {since, to_iso8601_day(today)}));
  std::vector<Param> ids, tiers, held;
  std::vector<std::int64_t> moved;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    rewards::TierState state;
    const auto name = rows.text(r, 1);
    for (std::size_t i = 0; i < rules.tiers.size(); ++i) {
      if (rules.tiers[i].name == name) state.tier = i;
    }
    state.held_until = day_of_time(rows.text(r, 2) + "T00:00:00Z");
    const auto next = rewards::next_tier_state(rules, state, rows.int64(r, 3), today);
    const auto& next_name = rules.tiers[next.tier].name;
    const auto next_held = to_iso8601_day(next.held_until.value_or(today));
    if (next_name == name && next_held == rows.text(r, 2)) continue;
    ids.push_back(param(rows.int64(r, 0)));
    tiers.push_back(next_name);
    held.push_back(next_held);
    if (next_name != name) moved.push_back(rows.int64(r, 0));
  }
  if (!ids.empty()) {
    RAPPORT_TRY_VOID(
        db_.exec("UPDATE member_reward_tiers t SET changed_at = CASE WHEN t.tier = u.tier THEN "
                 "t.changed_at ELSE $4::text END, tier = u.tier, held_until = u.held FROM "
                 "unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, tier, held) WHERE "
                 "t.member_id = u.id",
                 {text_array(ids), text_array(tiers), text_array(held), now_iso8601()}));
  }
  RAPPORT_TRY_VOID(mark_changed(db_, moved));
  return moved.size();
}

Result<std::optional<std::int64_t>> PointsLedger::balance(std::int64_t member_id) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT (SELECT coalesce(sum(points), 0) FROM points_entries WHERE "
                       "member_id = $1) FROM members WHERE id = $1",
                       {param(member_id)}));
  if (rows.empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows.int64(0, 0));
}

Result<PointsLiability> PointsLedger::liability() {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT coalesce(sum(points) FILTER (WHERE account = 'member'), 0), "
                       "coalesce(sum(points) FILTER (WHERE account <> 'member'), 0), "
                       "(SELECT count(*) FROM (SELECT member_id FROM points_entries WHERE "
                       "member_id IS NOT NULL GROUP BY member_id HAVING sum(points) <> 0) s) "
                       "FROM points_entries"));
  return PointsLiability{rows.int64(0, 0), rows.int64(0, 1), rows.int64(0, 2)};
}

Result<bool> PointsLedger::posted(const std::string& cause) {
  RAPPORT_TRY(const auto rows, db_.exec("SELECT 1 FROM points_postings WHERE cause = $1", {cause}));
  return !rows.empty();
}

Result<std::optional<std::string>> PointsLedger::reward_tier(std::int64_t member_id) {
  RAPPORT_TRY(const auto rows, db_.exec("SELECT tier FROM member_reward_tiers WHERE "
                                        "member_id = $1",
                                        {param(member_id)}));
  std::optional<std::string> tier;
  if (!rows.empty()) tier = rows.text(0, 0);
  if (!tier && rules_ && !rules_->reward_tiers.tiers.empty()) {
    tier = rules_->reward_tiers.tiers.front().name;  // everyone's tier
  }
  return tier;
}

Result<std::vector<PointsReview>> PointsLedger::reviews(std::size_t limit) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT event_id, member_id, terminal_id, points, balance_before, "
                       "problem, flagged_at FROM points_reviews ORDER BY id LIMIT $1",
                       {param(static_cast<std::int64_t>(limit))}));
  std::vector<PointsReview> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out.push_back({rows.text(r, 0), rows.optional_int64(r, 1), rows.text(r, 2), rows.int64(r, 3),
                   rows.optional_int64(r, 4), rows.text(r, 5), rows.text(r, 6)});
  }
  return out;
}

}  // namespace rapport::server::pg
