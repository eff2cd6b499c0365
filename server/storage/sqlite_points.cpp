// server/storage/sqlite_points.cpp
//
// Exactly once twice over: the recorder calls a hook only for an event stored for the first
// time, and every posting carries a unique cause, so even a hook called again posts nothing.
// Reversals and give-backs are computed from the ledger's state (what the sale earned, what
// was reversed already), never from counting refund events, so the order in which a sale,
// its refunds and its redemptions arrive does not matter.

#include "server/storage/sqlite_points.h"

#include <spdlog/spdlog.h>

#include <utility>

#include "server/rewards/earning.h"
#include "server/storage/sqlite_members.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"

namespace rapport::server::sqlite {
namespace {

using storage::Statement;

std::optional<std::chrono::sys_days> day_of_time(const std::string& iso) {
  const auto at = from_iso8601(iso);
  if (!at) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(*at);
}


Result<std::optional<std::int64_t>> optional_int(Statement& stmt) {
  RAPPORT_TRY(const bool row, stmt.step());
  std::optional<std::int64_t> value;
  if (row && !stmt.column_is_null(0)) value = stmt.column_int64(0);
  stmt.reset();
  return value;
}

}  // namespace

Result<bool> PointsLedger::post(const Posting& p, const std::vector<Leg>& legs) {
  if (!insert_posting_) {
    RAPPORT_TRY(insert_posting_,
                db_.prepare("INSERT INTO points_postings(kind, cause, event_id, purchase_id, "
                            "reason, staff_user, occurred_at, posted_at) VALUES (?1, ?2, ?3, ?4, "
                            "?5, ?6, ?7, ?8) ON CONFLICT(cause) DO NOTHING"));
    RAPPORT_TRY(insert_entry_, db_.prepare("INSERT INTO points_entries(posting_id, account, "
                                           "member_id, points) VALUES (?1, ?2, ?3, ?4)"));
  }
  RAPPORT_TRY_VOID(insert_posting_->bind(1, std::string_view(p.kind))
                       .bind(2, p.cause)
                       .bind_optional(3, p.event_id)
                       .bind_optional(4, p.purchase_id)
                       .bind_optional(5, p.reason)
                       .bind_optional(6, p.staff_user)
                       .bind(7, p.occurred_at)
                       .bind(8, now_iso8601())
                       .run());
  if (db_.changes() == 0) return false;
  const std::int64_t id = db_.last_insert_rowid();
  std::optional<std::int64_t> sequence;
  for (const Leg& leg : legs) {
    RAPPORT_TRY_VOID(insert_entry_->bind(1, id)
                         .bind(2, std::string_view(leg.account))
                         .bind_optional(3, leg.member)
                         .bind(4, leg.points)
                         .run());
    // Terminals show the balance: the member is sent to them again.
    if (leg.member) {
      if (!sequence) {
        RAPPORT_TRY(sequence, next_change_sequence(db_));
      }
      RAPPORT_TRY_VOID(mark_changed(db_, *leg.member, *sequence));
    }
  }
  return true;
}

Result<void> PointsLedger::bonus(std::int64_t member_id, std::int64_t points, std::string cause,
                                 const domain::Event& e) {
  if (points <= 0) return {};
  RAPPORT_TRY(const bool posted,
              post({"bonus", std::move(cause), e.id, std::nullopt, std::nullopt, std::nullopt,
                    e.occurred_at},
                   {{"member", member_id, points}, {"chain:issued", std::nullopt, -points}}));
  (void)posted;  // a bonus already given stays given once
  return {};
}

Result<void> PointsLedger::on_purchase(const domain::Event& e, std::optional<std::int64_t> member) {
  if (member && rules_) {
    const auto sale = protocol::decode_purchase(e.payload);
    if (!sale) return sale.error();  // checked on decode: cannot happen
    RAPPORT_TRY(const double multiplier, tier_multiplier(*member));
    const std::int64_t points = rewards::purchase_points(rules_->earning, *sale, multiplier);
    if (points > 0) {
      RAPPORT_TRY(
          const bool earned,
          post({"earn", "earn:" + e.id, e.id, e.id, std::nullopt, std::nullopt, e.occurred_at},
               {{"member", member, points}, {"chain:issued", std::nullopt, -points}}));
      (void)earned;
    }
    // The referrer's reward, on the referred member's first purchase (once: the cause).
    RAPPORT_TRY(auto referrer, db_.prepare("SELECT referred_by FROM members WHERE id = ?1"));
    referrer.bind(1, *member);
    RAPPORT_TRY(const auto by, optional_int(referrer));
    if (by && *by != *member) {
      RAPPORT_TRY_VOID(
          bonus(*by, rules_->earning.referral_points, "referral:" + std::to_string(*member), e));
    }
    RAPPORT_TRY_VOID(birthday(e, *member));
  }
  // Refunds, voids and redemptions of this sale that arrived before it.
  RAPPORT_TRY_VOID(settle(e.id, e));
  if (member && rules_) {
    if (const auto today = day_of_time(e.occurred_at)) {
      RAPPORT_TRY(const bool changed, update_tier(*member, *today));
      (void)changed;
    }
  }
  return {};
}

Result<std::vector<std::string>> PointsLedger::unattached_purchases(const std::string& token) {
  RAPPORT_TRY(auto find, db_.prepare("SELECT event_id FROM purchases WHERE card_token = ?1 AND "
                                     "member_id IS NULL ORDER BY rowid"));
  find.bind(1, token);
  std::vector<std::string> ids;
  for (;;) {
    RAPPORT_TRY(const bool row, find.step());
    if (!row) break;
    ids.push_back(find.column_text(0));
  }
  return ids;
}

Result<void> PointsLedger::on_card_attached(const std::vector<std::string>& purchase_ids,
                                            std::int64_t member_id) {
  if (purchase_ids.empty()) return {};
  RAPPORT_TRY(auto find, db_.prepare("SELECT card_token, occurred_at, payload, terminal_id, "
                                     "store_id FROM events WHERE id = ?1"));
  for (const auto& id : purchase_ids) {
    find.bind(1, id);
    RAPPORT_TRY(const bool row, find.step());
    if (!row) {
      find.reset();
      continue;
    }
    domain::Event sale;
    sale.id = id;
    sale.kind = domain::EventKind::kPurchase;
    sale.card_token = find.column_text(0);
    sale.occurred_at = find.column_text(1);
    sale.payload = find.column_text(2);
    sale.terminal_id = find.column_text(3);
    sale.store_id = find.column_text(4);
    find.reset();
    RAPPORT_TRY_VOID(on_purchase(sale, member_id));
  }
  return {};
}

Result<void> PointsLedger::on_taken_back(const domain::Event& e, const std::string& purchase_id) {
  return settle(purchase_id, e);
}

Result<std::int64_t> PointsLedger::sum_for_purchase(const std::string& purchase_id,
                                                    const char* kind,
                                                    std::optional<std::int64_t> member) {
  RAPPORT_TRY(auto sum, db_.prepare("SELECT coalesce(sum(e.points), 0) FROM points_postings p "
                                    "JOIN points_entries e ON e.posting_id = p.id "
                                    "WHERE p.purchase_id = ?1 AND p.kind = ?2 AND "
                                    "e.account = 'member' AND (?3 IS NULL OR e.member_id = ?3)"));
  sum.bind(1, purchase_id).bind(2, std::string_view(kind)).bind_optional(3, member);
  RAPPORT_TRY(const auto total, optional_int(sum));
  return total.value_or(0);
}

Result<void> PointsLedger::settle(const std::string& purchase_id, const domain::Event& cause) {
  // `kind IN ('refund', 'void')` repeats the condition of the partial index events_taken_back:
  // SQLite uses that index only when the query's terms imply it, and `kind = 'void'` alone
  // does not, so every purchase scanned the whole events table (minutes per thousand sales on
  // a chain with millions of events).
  RAPPORT_TRY(auto find, db_.prepare("SELECT member_id, amount_cents, refunded_cents, "
                                     "EXISTS (SELECT 1 FROM events WHERE kind IN ('refund', "
                                     "'void') AND json_extract(payload, '$.purchase_id') = "
                                     "?1 AND kind = 'void') "
                                     "FROM purchases WHERE event_id = ?1"));
  find.bind(1, purchase_id);
  RAPPORT_TRY(const bool found, find.step());
  if (!found) return {};  // the sale's arrival settles it
  const bool has_member = !find.column_is_null(0);
  const std::int64_t member_id = has_member ? find.column_int64(0) : 0;
  const std::int64_t amount = find.column_int64(1);
  const std::int64_t refunded = find.column_int64(2);
  const bool voided = find.column_int64(3) != 0;
  find.reset();
  const bool fully = voided || (amount > 0 && refunded >= amount);

  if (has_member) {
    RAPPORT_TRY(const std::int64_t earned, sum_for_purchase(purchase_id, "earn", member_id));
    RAPPORT_TRY(const std::int64_t reversed_entries,
                sum_for_purchase(purchase_id, "reversal", member_id));
    const std::int64_t reversed = -reversed_entries;
    const std::int64_t target = rewards::reversed_points(earned, amount, refunded, fully);
    if (target > reversed) {
      const std::int64_t take = target - reversed;
      RAPPORT_TRY(const bool posted,
                  post({"reversal", "reversal:" + cause.id + ":" + purchase_id, cause.id,
                        purchase_id, std::nullopt, std::nullopt, cause.occurred_at},
                       {{"member", member_id, -take}, {"chain:issued", std::nullopt, take}}));
      (void)posted;
    }
  }
  if (!fully) return {};
  // Rewards redeemed on this sale go back to whoever redeemed them, once.
  RAPPORT_TRY(auto redeemers, db_.prepare("SELECT DISTINCT e.member_id FROM points_postings p "
                                          "JOIN points_entries e ON e.posting_id = p.id WHERE "
                                          "p.purchase_id = ?1 AND p.kind = 'redemption' AND "
                                          "e.account = 'member'"));
  redeemers.bind(1, purchase_id);
  std::vector<std::int64_t> members;
  for (;;) {
    RAPPORT_TRY(const bool row, redeemers.step());
    if (!row) break;
    members.push_back(redeemers.column_int64(0));
  }
  for (const std::int64_t m : members) {
    RAPPORT_TRY(const std::int64_t redeemed, sum_for_purchase(purchase_id, "redemption", m));
    RAPPORT_TRY(const std::int64_t given, sum_for_purchase(purchase_id, "give_back", m));
    const std::int64_t owed = -redeemed - given;
    if (owed <= 0) continue;
    RAPPORT_TRY(
        const bool posted,
        post({"give_back", "give_back:" + cause.id + ":" + purchase_id + ":" + std::to_string(m),
              cause.id, purchase_id, std::nullopt, std::nullopt, cause.occurred_at},
             {{"member", m, owed}, {"chain:redeemed", std::nullopt, -owed}}));
    (void)posted;
  }
  return {};
}

Result<void> PointsLedger::on_redemption(const domain::Event& e,
                                         std::optional<std::int64_t> member) {
  const auto redemption = protocol::decode_redemption(e.payload);
  if (!redemption) return redemption.error();  // checked on decode: cannot happen
  const std::int64_t points = redemption->points;
  if (!member) {
    // Nobody to debit: kept for review rather than lost.
    return flag(e, std::nullopt, points, std::nullopt, "no member holds the card");
  }
  RAPPORT_TRY(const std::int64_t before, balance(*member));
  RAPPORT_TRY(const bool posted,
              post({"redemption", "redemption:" + e.id, e.id, redemption->purchase_id,
                    redemption->reward, std::nullopt, e.occurred_at},
                   {{"member", member, -points}, {"chain:redeemed", std::nullopt, points}}));
  if (!posted) return {};
  if (before < points) {
    // Given at the counter (offline, or on two terminals at once): recorded in full, the
    // balance goes below zero, and someone decides.
    spdlog::warn(
        "event {}: member {} redeemed {} points with a balance of {}; flagged for "
        "review",
        e.id, *member, points, before);
    RAPPORT_TRY_VOID(flag(e, member, points, before, "redeemed more than the balance"));
  }
  if (redemption->purchase_id) return settle(*redemption->purchase_id, e);
  return {};
}

Result<void> PointsLedger::on_gesture(const domain::Event& e,
                                      std::optional<std::int64_t> member) {
  const auto gesture = protocol::decode_gesture(e.payload);
  if (!gesture) return gesture.error();  // checked on decode: cannot happen
  if (!member) return flag(e, std::nullopt, gesture->points, std::nullopt, "no member holds the card");
  RAPPORT_TRY(auto given, db_.prepare("SELECT coalesce(sum(en.points), 0) FROM points_postings p "
                                      "JOIN points_entries en ON en.posting_id = p.id AND "
                                      "en.account = 'member' WHERE p.cause LIKE 'gesture:%' AND "
                                      "p.staff_user = ?1 AND substr(p.occurred_at, 1, 10) = ?2"));
  given.bind(1, gesture->staff).bind(2, e.occurred_at.substr(0, 10));
  RAPPORT_TRY(const bool row, given.step());
  const std::int64_t before = row ? given.column_int64(0) : 0;
  const std::int64_t limit = rules_ ? rules_->gesture_points_per_cashier_per_day : 0;
  if (before + gesture->points > limit) {
    spdlog::warn("event {}: cashier {} gave {} goodwill points with {} given that day (limit {}); "
                 "not posted, flagged for review",
                 e.id, gesture->staff, gesture->points, before, limit);
    RAPPORT_TRY(const std::int64_t balance_now, balance(*member));
    return flag(e, member, gesture->points, balance_now,
                "goodwill gesture beyond the cashier's daily limit of " + std::to_string(limit) +
                    " points (" + std::to_string(before) + " given already by " +
                    gesture->staff + ")");
  }
  RAPPORT_TRY_VOID(post({"adjustment", "gesture:" + e.id, e.id, std::nullopt, gesture->reason,
                         gesture->staff, e.occurred_at},
                        {{"member", member, gesture->points},
                         {"chain:adjusted", std::nullopt, -gesture->points}}));
  return {};
}

Result<void> PointsLedger::flag(const domain::Event& e, std::optional<std::int64_t> member,
                                std::int64_t points, std::optional<std::int64_t> balance,
                                const std::string& problem) {
  RAPPORT_TRY(auto insert, db_.prepare("INSERT INTO points_reviews(event_id, member_id, "
                                       "terminal_id, points, balance_before, problem, "
                                       "flagged_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
                                       "ON CONFLICT(event_id) DO NOTHING"));
  return insert.bind(1, e.id)
      .bind_optional(2, member)
      .bind(3, e.terminal_id)
      .bind(4, points)
      .bind_optional(5, balance)
      .bind(6, problem)
      .bind(7, now_iso8601())
      .run();
}

Result<void> PointsLedger::on_enrollment(const domain::Event& e, std::int64_t member_id) {
  if (!rules_) return {};
  return bonus(member_id, rules_->earning.signup_points, "signup:" + std::to_string(member_id), e);
}

Result<void> PointsLedger::on_visit(const domain::Event& e, std::int64_t member_id) {
  if (!rules_) return {};
  const auto every = rules_->earning.every_nth_visit;
  if (every > 0) {
    RAPPORT_TRY(auto visits, db_.prepare("SELECT visit_count FROM members WHERE id = ?1"));
    visits.bind(1, member_id);
    RAPPORT_TRY(const auto count, optional_int(visits));
    if (count && *count > 0 && *count % every == 0) {
      RAPPORT_TRY_VOID(bonus(member_id, rules_->earning.nth_visit_points,
                             "visit:" + std::to_string(member_id) + ":" + std::to_string(*count),
                             e));
    }
  }
  return birthday(e, member_id);
}

Result<void> PointsLedger::birthday(const domain::Event& e, std::int64_t member_id) {
  if (!rules_ || rules_->earning.birthday_points <= 0 || e.occurred_at.size() < 10) return {};
  RAPPORT_TRY(auto born, db_.prepare("SELECT birth_date FROM members WHERE id = ?1"));
  born.bind(1, member_id);
  RAPPORT_TRY(const bool row, born.step());
  const auto birth_date = row ? born.column_optional_text(0) : std::nullopt;
  born.reset();
  // YYYY-MM-DD: the same month as the event's day earns the year's birthday bonus once.
  if (!birth_date || birth_date->size() != 10 ||
      birth_date->substr(5, 2) != e.occurred_at.substr(5, 2)) {
    return {};
  }
  return bonus(member_id, rules_->earning.birthday_points,
               "birthday:" + std::to_string(member_id) + ":" + e.occurred_at.substr(0, 4), e);
}

Result<bool> PointsLedger::adjust(std::int64_t member_id, std::int64_t points,
                                  const std::string& reason, const std::string& staff_user,
                                  const std::string& cause) {
  return post({"adjustment", cause, std::nullopt, std::nullopt, reason, staff_user, now_iso8601()},
              {{"member", member_id, points}, {"chain:adjusted", std::nullopt, -points}});
}

Result<void> PointsLedger::transfer(std::int64_t from, std::int64_t to, std::int64_t points,
                                    const std::string& reason, const std::string& staff_user) {
  RAPPORT_TRY(const bool posted,
              post({"transfer", "transfer:" + domain::new_event_id(), std::nullopt, std::nullopt,
                    reason, staff_user, now_iso8601()},
                   {{"member", from, -points}, {"member", to, points}}));
  (void)posted;
  return {};
}

Result<std::size_t> PointsLedger::expire(std::chrono::system_clock::time_point now) {
  if (!rules_ || rules_->earning.expire_after_days <= 0) return std::size_t{0};
  const std::string cutoff = to_iso8601(now - std::chrono::days(rules_->earning.expire_after_days));
  // Activity: the member's events (server time when the terminal's clock runs ahead, as for
  // visits), adjustments and transfers. The cause names the job's now: a second run at the
  // same now posts nothing, and points given back later (a voided sale's reward) can expire
  // at a later run.
  RAPPORT_TRY(auto inactive,
              db_.prepare("SELECT b.member_id, b.balance, max("
                          "  coalesce((SELECT max(min(occurred_at, received_at)) FROM events "
                          "    WHERE member_id = b.member_id), ''), "
                          "  coalesce((SELECT max(p.occurred_at) FROM points_postings p JOIN "
                          "    points_entries e ON e.posting_id = p.id WHERE e.member_id = "
                          "    b.member_id AND p.kind IN ('adjustment', 'transfer')), '')) AS "
                          "  active FROM (SELECT member_id, sum(points) AS balance FROM "
                          "  points_entries WHERE member_id IS NOT NULL GROUP BY member_id) b "
                          "WHERE b.balance > 0 AND active < ?1"));
  inactive.bind(1, cutoff);
  struct Expiring {
    std::int64_t member;
    std::int64_t points;
    std::string active;
  };
  std::vector<Expiring> expiring;
  for (;;) {
    RAPPORT_TRY(const bool row, inactive.step());
    if (!row) break;
    expiring.push_back(
        {inactive.column_int64(0), inactive.column_int64(1), inactive.column_text(2)});
  }
  const std::string at = to_iso8601(now);
  std::size_t expired = 0;
  for (const auto& x : expiring) {
    RAPPORT_TRY(const bool posted,
                post({"expiry", "expiry:" + std::to_string(x.member) + ":" + at, std::nullopt,
                      std::nullopt, "inactive since " + x.active, std::nullopt, at},
                     {{"member", x.member, -x.points}, {"chain:expired", std::nullopt, x.points}}));
    if (posted) ++expired;
  }
  return expired;
}

Result<std::int64_t> PointsLedger::balance(std::int64_t member_id) {
  if (!balance_) {
    RAPPORT_TRY(balance_, db_.prepare("SELECT coalesce(sum(points), 0) FROM points_entries "
                                      "WHERE member_id = ?1"));
  }
  balance_->bind(1, member_id);
  RAPPORT_TRY(const auto total, optional_int(*balance_));
  return total.value_or(0);
}

Result<std::int64_t> PointsLedger::liability() {
  RAPPORT_TRY(auto sum, db_.prepare("SELECT coalesce(sum(points), 0) FROM points_entries "
                                    "WHERE account = 'member'"));
  RAPPORT_TRY(const auto total, optional_int(sum));
  return total.value_or(0);
}

Result<std::int64_t> PointsLedger::chain_accounts() {
  RAPPORT_TRY(auto sum, db_.prepare("SELECT coalesce(sum(points), 0) FROM points_entries "
                                    "WHERE account <> 'member'"));
  RAPPORT_TRY(const auto total, optional_int(sum));
  return total.value_or(0);
}

Result<bool> PointsLedger::member_exists(std::int64_t member_id) {
  RAPPORT_TRY(auto find, db_.prepare("SELECT 1 FROM members WHERE id = ?1"));
  find.bind(1, member_id);
  RAPPORT_TRY(const auto found, optional_int(find));
  return found.has_value();
}

Result<bool> PointsLedger::posted(const std::string& cause) {
  RAPPORT_TRY(auto find, db_.prepare("SELECT 1 FROM points_postings WHERE cause = ?1"));
  find.bind(1, cause);
  RAPPORT_TRY(const auto found, optional_int(find));
  return found.has_value();
}

Result<std::optional<std::string>> PointsLedger::reward_tier(std::int64_t member_id) {
  RAPPORT_TRY(auto find, db_.prepare("SELECT tier FROM member_reward_tiers WHERE member_id = ?1"));
  find.bind(1, member_id);
  RAPPORT_TRY(const bool row, find.step());
  std::optional<std::string> tier;
  if (row) tier = find.column_text(0);
  find.reset();
  if (!tier && rules_ && !rules_->reward_tiers.tiers.empty()) {
    tier = rules_->reward_tiers.tiers.front().name;  // everyone's tier
  }
  return tier;
}

Result<double> PointsLedger::tier_multiplier(std::int64_t member_id) {
  if (!rules_) return 1.0;
  RAPPORT_TRY(const auto name, reward_tier(member_id));
  for (const auto& tier : rules_->reward_tiers.tiers) {
    if (name && tier.name == *name) return tier.multiplier;
  }
  return 1.0;
}

Result<bool> PointsLedger::update_tier(std::int64_t member_id, std::chrono::sys_days today) {
  const auto& rules = rules_->reward_tiers;
  if (rules.tiers.empty()) return false;
  const std::string since = to_iso8601_day(today - std::chrono::days(rules.qualifying_days - 1));
  // What was earned in the qualifying period: points from sales (net of reversals), or spend
  // net of refunds. Never the balance.
  RAPPORT_TRY(auto measure,
              db_.prepare(rules.measure == rewards::TierMeasure::kPoints
                              ? "SELECT coalesce(sum(e.points), 0) FROM points_postings p JOIN "
                                "points_entries e ON e.posting_id = p.id WHERE e.member_id = ?1 "
                                "AND p.kind IN ('earn', 'reversal') AND substr(p.occurred_at, "
                                "1, 10) >= ?2 AND substr(p.occurred_at, 1, 10) <= ?3"
                              : "SELECT coalesce(sum(amount_cents - refunded_cents), 0) FROM "
                                "purchases WHERE member_id = ?1 AND day >= ?2 AND day <= ?3"));
  measure.bind(1, member_id).bind(2, since).bind(3, to_iso8601_day(today));
  RAPPORT_TRY(const auto amount, optional_int(measure));

  RAPPORT_TRY(auto current, db_.prepare("SELECT tier, held_until FROM member_reward_tiers "
                                        "WHERE member_id = ?1"));
  current.bind(1, member_id);
  RAPPORT_TRY(const bool row, current.step());
  rewards::TierState state;
  std::optional<std::string> name;
  if (row) {
    name = current.column_text(0);
    for (std::size_t i = 0; i < rules.tiers.size(); ++i) {
      if (rules.tiers[i].name == *name) state.tier = i;
    }
    if (const auto held = day_of_time(current.column_text(1) + "T00:00:00Z")) {
      state.held_until = *held;
    }
  }
  current.reset();
  const auto next = rewards::next_tier_state(rules, state, amount.value_or(0), today);
  const std::string& next_name = rules.tiers[next.tier].name;
  RAPPORT_TRY(auto save,
              db_.prepare("INSERT INTO member_reward_tiers(member_id, tier, held_until, "
                          "changed_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT(member_id) DO "
                          "UPDATE SET held_until = excluded.held_until, changed_at = CASE WHEN "
                          "tier = excluded.tier THEN changed_at ELSE excluded.changed_at END, "
                          "tier = excluded.tier"));
  RAPPORT_TRY_VOID(save.bind(1, member_id)
                       .bind(2, next_name)
                       .bind(3, to_iso8601_day(next.held_until.value_or(today)))
                       .bind(4, now_iso8601())
                       .run());
  const bool changed = !name || *name != next_name;
  if (changed) {
    RAPPORT_TRY(const std::int64_t sequence, next_change_sequence(db_));
    RAPPORT_TRY_VOID(mark_changed(db_, member_id, sequence));
  }
  return changed;
}

Result<std::size_t> PointsLedger::review_tiers(std::chrono::sys_days today) {
  if (!rules_) return std::size_t{0};
  RAPPORT_TRY(auto members, db_.prepare("SELECT member_id FROM member_reward_tiers"));
  std::vector<std::int64_t> ids;
  for (;;) {
    RAPPORT_TRY(const bool row, members.step());
    if (!row) break;
    ids.push_back(members.column_int64(0));
  }
  std::size_t changed = 0;
  for (const auto id : ids) {
    RAPPORT_TRY(const bool moved, update_tier(id, today));
    if (moved) ++changed;
  }
  return changed;
}

}  // namespace rapport::server::sqlite
