// server/storage/pg_points_run.cpp
//
// One run of events through the PostgreSQL ledger (pg_points.h). Exactly once as on SQLite:
// the recorder hands over only events stored for the first time, and every posting's cause
// is unique (ON CONFLICT (cause) DO NOTHING besides). A run is worked out in memory from the
// state read under its members' locks, event by event in the run's order, exactly as
// sqlite_points.cpp applies events one by one: a reversal is computed from the purchase as
// it stood at that event (the run's refunds replayed in order), so balances, tiers and
// reviews come out the same on both backends, and the same postings with the same causes
// and points.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "server/rewards/earning.h"
#include "server/storage/pg_members.h"
#include "server/storage/pg_points.h"
#include "server/storage/pg_points_posting.h"
#include "shared/util/clock.h"
#include "shared/protocol/event_payloads.h"

namespace rapport::server::pg {
namespace {

using domain::EventKind;

// The purchase a refund, void or redemption refers to.
std::optional<std::string> purchase_of(const domain::Event& e) {
  switch (e.kind) {
    case EventKind::kRefund:
      if (auto r = protocol::decode_refund(e.payload)) return r->purchase_id;
      return std::nullopt;
    case EventKind::kVoid:
      if (auto v = protocol::decode_void(e.payload)) return v->purchase_id;
      return std::nullopt;
    case EventKind::kRedemption:
      if (auto r = protocol::decode_redemption(e.payload)) return r->purchase_id;
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

struct TakeBack {
  bool whole = false;  // a void: all that is left
  std::int64_t cents = 0;
};

}  // namespace

// The state a run reads, changed in memory as its events are worked out in order.
class PointsLedger::Run {
 public:
  struct Member {
    std::int64_t balance = 0;
    std::optional<std::int64_t> referred_by;
    std::optional<std::string> birth_date;
    std::int64_t visits = 0;
    std::optional<std::string> tier;
    std::optional<std::chrono::sys_days> held_until;
    bool tier_saved = false;    // to be written
    bool tier_changed = false;  // its name moved: terminals pull the member again
  };
  struct Purchase {
    bool found = false;  // stored (before the run, or at its event in the run)
    std::optional<std::int64_t> member;
    std::int64_t amount = 0;
    std::int64_t refunded = 0;
    bool voided = false;
    std::string day;
    std::vector<TakeBack> pending;  // arrived before it, applied when it does
  };
  struct Review {
    const domain::Event* event;
    std::optional<std::int64_t> member;
    std::int64_t points;
    std::optional<std::int64_t> balance;
    std::string problem;
  };
  struct OfferOutcome {
    std::int64_t member;
    std::string offer;
    std::string outcome;
    const domain::Event* event;
  };
  struct Cost {
    const domain::Event* event;
    std::optional<std::int64_t> member;
    std::string reward;
    const rewards::CatalogueItem* item;
  };

  Run(std::vector<LedgerEvent> events, const rewards::RewardsRules* rules)
      : events_(std::move(events)), rules_(rules) {}

  Result<void> load(Connection& db, std::span<const std::string> run_ids);
  void work_out();
  Result<void> write(Connection& db);

 private:
  using SumKey = std::tuple<std::string, std::string, std::int64_t>;  // purchase, kind, member

  bool post(Posting p);
  void bonus(std::int64_t member, std::int64_t points, std::string cause, const domain::Event& e);
  void flag(const domain::Event& e, std::optional<std::int64_t> member, std::int64_t points,
            std::optional<std::int64_t> balance, std::string problem);
  void settle(const std::string& purchase_id, const domain::Event& cause);
  void birthday(const domain::Event& e, std::int64_t member);
  void take_back(Purchase& p, const TakeBack& t);
  void on_purchase(const LedgerEvent& le);
  void on_redemption(const LedgerEvent& le);
  void on_gesture(const LedgerEvent& le);
  void on_offer_response(const LedgerEvent& le);
  void cost(const domain::Event& e, std::optional<std::int64_t> member, const std::string& reward);
  [[nodiscard]] double tier_multiplier(std::int64_t member) const;
  void update_tier(std::int64_t member, std::chrono::sys_days today);
  [[nodiscard]] std::int64_t tier_measure(std::int64_t member, const std::string& since,
                                          const std::string& until) const;
  [[nodiscard]] bool tiers_on() const { return rules_ && !rules_->reward_tiers.tiers.empty(); }

  std::vector<LedgerEvent> events_;
  const rewards::RewardsRules* rules_;
  std::map<std::int64_t, Member> members_;
  std::map<std::string, Purchase> purchases_;
  std::map<SumKey, std::int64_t> sums_;
  std::unordered_set<std::string> causes_;
  // Earned net of reversals (or spent, by the tier measure) per member and day, before the run.
  std::map<std::int64_t, std::map<std::string, std::int64_t>> window_;
  std::map<std::pair<std::string, std::string>, std::int64_t> gestures_given_;  // staff, day
  std::vector<Posting> postings_;
  std::vector<Review> reviews_;
  std::vector<OfferOutcome> outcomes_;
  std::vector<Cost> costs_;
  std::vector<std::int64_t> changed_;
};

Result<void> PointsLedger::Run::load(Connection& db, std::span<const std::string> run_ids) {
  std::vector<std::int64_t> members;
  std::vector<Param> purchase_ids;
  std::set<std::string> referenced;
  std::vector<Param> gesture_staff, gesture_days;
  for (const auto& le : events_) {
    const auto& e = *le.event;
    if (le.member) members.push_back(*le.member);
    std::optional<std::string> purchase =
        e.kind == EventKind::kPurchase ? std::optional(e.id) : purchase_of(e);
    if (purchase && referenced.insert(*purchase).second) purchase_ids.push_back(*purchase);
    if (e.kind == EventKind::kGesture && le.member) {
      if (const auto g = protocol::decode_gesture(e.payload)) {
        gesture_staff.push_back(g->staff);
        gesture_days.push_back(e.occurred_at.substr(0, 10));
      }
    }
  }
  const std::string purchase_array = text_array(purchase_ids);
  // Everyone the run may post to: its members, who referred them, the purchases' members
  // and whoever redeemed a reward on them (a give-back).
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  RAPPORT_TRY(
      const auto touched,
      db.exec("SELECT unnest($1::bigint[]) UNION SELECT referred_by FROM members WHERE "
              "id = ANY($1::bigint[]) AND referred_by IS NOT NULL UNION SELECT member_id FROM "
              "purchases WHERE event_id = ANY($2::text[]) AND member_id IS NOT NULL UNION "
              "SELECT e.member_id FROM points_postings p JOIN points_entries e ON "
              "e.posting_id = p.id WHERE p.purchase_id = ANY($2::text[]) AND "
              "p.kind = 'redemption' AND e.member_id IS NOT NULL",
              {param(id_array(members)), purchase_array}));
  std::vector<std::int64_t> ids;
  for (std::size_t r = 0; r < touched.size(); ++r) ids.push_back(touched.int64(r, 0));
  RAPPORT_TRY(const auto locked, lock_members(db, std::move(ids)));
  if (!gesture_staff.empty()) {
    // A cashier's daily limit holds across instances: one transaction at a time counts it.
    RAPPORT_TRY_VOID(db.exec(
        "SELECT pg_advisory_xact_lock(hashtextextended('gesture:' || k, 0)) FROM (SELECT "
        "DISTINCT s || ':' || d AS k FROM unnest($1::text[], $2::text[]) AS g(s, d) ORDER BY "
        "1) keys",
        {text_array(gesture_staff), text_array(gesture_days)}));
  }
  const std::string locked_array = id_array(locked);
  RAPPORT_TRY(const auto found,
              db.exec("SELECT m.id, m.referred_by, m.birth_date, m.visit_count, "
                      "(SELECT coalesce(sum(points), 0) FROM points_entries WHERE member_id = "
                      "m.id), t.tier, t.held_until FROM members m LEFT JOIN member_reward_tiers "
                      "t ON t.member_id = m.id WHERE m.id = ANY($1::bigint[])",
                      {param(locked_array)}));
  for (std::size_t r = 0; r < found.size(); ++r) {
    auto& m = members_[found.int64(r, 0)];
    m.referred_by = found.optional_int64(r, 1);
    m.birth_date = found.optional_text(r, 2);
    m.visits = found.int64(r, 3);
    m.balance = found.int64(r, 4);
    m.tier = found.optional_text(r, 5);
    if (!found.is_null(r, 6)) m.held_until = day_of_time(found.text(r, 6) + "T00:00:00Z");
  }
  if (!purchase_ids.empty()) {
    RAPPORT_TRY(const auto stored,
                db.exec("SELECT event_id, member_id, amount_cents, refunded_cents, day FROM "
                        "purchases WHERE event_id = ANY($1::text[])",
                        {purchase_array}));
    for (std::size_t r = 0; r < stored.size(); ++r) {
      auto& p = purchases_[stored.text(r, 0)];
      p.found = true;
      p.member = stored.optional_int64(r, 1);
      p.amount = stored.int64(r, 2);
      p.refunded = stored.int64(r, 3);
      p.day = stored.text(r, 4);
    }
    // Refunds and voids stored before this run: a void marks its purchase taken back whole;
    // one of a purchase not stored yet is applied when it arrives (in this run).
    RAPPORT_TRY(
        const auto earlier,
        db.exec("SELECT kind, payload FROM events WHERE kind IN ('refund', 'void') "
                "AND (payload::jsonb) ->> 'purchase_id' = ANY($1::text[]) "
                "AND NOT (id = ANY($2::text[])) ORDER BY seq",
                {purchase_array, text_array(std::vector<Param>(run_ids.begin(), run_ids.end()))}));
    for (std::size_t r = 0; r < earlier.size(); ++r) {
      domain::Event e;
      e.kind = earlier.text(r, 0) == "void" ? EventKind::kVoid : EventKind::kRefund;
      e.payload = earlier.text(r, 1);
      const auto id = purchase_of(e);
      if (!id) continue;
      auto& p = purchases_[*id];
      if (e.kind == EventKind::kVoid) p.voided = true;
      if (!p.found) {
        const auto refund = protocol::decode_refund(e.payload);
        p.pending.push_back({e.kind == EventKind::kVoid, refund ? refund->amount_cents : 0});
      }
    }
    RAPPORT_TRY(const auto sums,
                db.exec("SELECT p.purchase_id, p.kind, e.member_id, sum(e.points) FROM "
                        "points_postings p JOIN points_entries e ON e.posting_id = p.id WHERE "
                        "p.purchase_id = ANY($1::text[]) AND e.account = 'member' "
                        "GROUP BY 1, 2, 3",
                        {purchase_array}));
    for (std::size_t r = 0; r < sums.size(); ++r) {
      sums_[{sums.text(r, 0), sums.text(r, 1), sums.int64(r, 2)}] = sums.int64(r, 3);
    }
  }
  // Causes posted before that this run may make again: its purchases' postings, and the
  // once-per-member bonuses.
  std::vector<Param> candidates;
  if (rules_) {
    for (const auto& le : events_) {
      if (!le.member) continue;
      const auto m = std::to_string(*le.member);
      candidates.push_back("signup:" + m);
      candidates.push_back("referral:" + m);
      candidates.push_back("birthday:" + m + ":" + le.event->occurred_at.substr(0, 4));
    }
    std::map<std::int64_t, std::int64_t> visits;
    for (const auto& le : events_) {
      if (le.event->kind != EventKind::kVisit || !le.member) continue;
      const auto n = members_[*le.member].visits + ++visits[*le.member];
      candidates.push_back("visit:" + std::to_string(*le.member) + ":" + std::to_string(n));
    }
  }
  RAPPORT_TRY(const auto posted,
              db.exec("SELECT cause FROM points_postings WHERE purchase_id = ANY($1::text[]) "
                      "OR cause = ANY($2::text[])",
                      {purchase_array, text_array(candidates)}));
  for (std::size_t r = 0; r < posted.size(); ++r) causes_.insert(posted.text(r, 0));

  // What each purchasing member earned (or spent) in the qualifying days before the run.
  std::vector<std::int64_t> earners;
  std::string first_day = "9999-12-31";
  std::string last_day;
  for (const auto& le : events_) {
    if (le.event->kind != EventKind::kPurchase || !le.member) continue;
    earners.push_back(*le.member);
    const auto day = le.event->occurred_at.substr(0, 10);
    first_day = std::min(first_day, day);
    last_day = std::max(last_day, day);
  }
  // With one tier the measure cannot move anyone (rewards::next_tier_state): not read.
  if (tiers_on() && rules_->reward_tiers.tiers.size() > 1 && !earners.empty()) {
    const auto first = day_of_time(first_day + "T00:00:00Z");
    const auto since =
        first ? to_iso8601_day(*first - std::chrono::days(rules_->reward_tiers.qualifying_days - 1))
              : first_day;
    std::sort(earners.begin(), earners.end());
    earners.erase(std::unique(earners.begin(), earners.end()), earners.end());
    const bool points = rules_->reward_tiers.measure == rewards::TierMeasure::kPoints;
    const auto window =
        points ? db.exec(
                     "SELECT e.member_id, substr(p.occurred_at, 1, 10), sum(e.points) FROM "
                     "points_postings p JOIN points_entries e ON e.posting_id = p.id WHERE "
                     "e.member_id = ANY($1::bigint[]) AND p.kind IN ('earn', 'reversal') "
                     "AND substr(p.occurred_at, 1, 10) >= $2 AND "
                     "substr(p.occurred_at, 1, 10) <= $3 GROUP BY 1, 2",
                     {param(id_array(earners)), since, last_day})
               // The run's purchases are worked out in memory: left out here.
               : db.exec(
                     "SELECT member_id, day, sum(amount_cents - refunded_cents) FROM "
                     "purchases WHERE member_id = ANY($1::bigint[]) AND day >= $2 AND "
                     "day <= $3 AND NOT (event_id = ANY($4::text[])) GROUP BY 1, 2",
                     {param(id_array(earners)), since, last_day, purchase_array});
    if (!window) return window.error();
    for (std::size_t r = 0; r < window->size(); ++r) {
      window_[window->int64(r, 0)][window->text(r, 1)] += window->int64(r, 2);
    }
  }
  if (!gesture_staff.empty()) {
    RAPPORT_TRY(const auto given,
                db.exec("SELECT p.staff_user, substr(p.occurred_at, 1, 10), sum(e.points) FROM "
                        "points_postings p JOIN points_entries e ON e.posting_id = p.id AND "
                        "e.account = 'member' WHERE p.cause LIKE 'gesture:%' AND "
                        "(p.staff_user, substr(p.occurred_at, 1, 10)) IN (SELECT * FROM "
                        "unnest($1::text[], $2::text[])) GROUP BY 1, 2",
                        {text_array(gesture_staff), text_array(gesture_days)}));
    for (std::size_t r = 0; r < given.size(); ++r) {
      gestures_given_[{given.text(r, 0), given.text(r, 1)}] = given.int64(r, 2);
    }
  }
  return {};
}

bool PointsLedger::Run::post(Posting p) {
  if (!causes_.insert(p.cause).second) return false;  // made once: posted before
  const auto day = p.occurred_at.substr(0, 10);
  const bool earning = std::string_view(p.kind) == "earn" || std::string_view(p.kind) == "reversal";
  for (const auto& leg : p.legs) {
    if (!leg.member) continue;
    members_[*leg.member].balance += leg.points;
    if (p.purchase_id) sums_[{*p.purchase_id, p.kind, *leg.member}] += leg.points;
    if (earning && tiers_on() && rules_->reward_tiers.measure == rewards::TierMeasure::kPoints) {
      window_[*leg.member][day] += leg.points;
    }
  }
  postings_.push_back(std::move(p));
  return true;
}

void PointsLedger::Run::bonus(std::int64_t member, std::int64_t points, std::string cause,
                              const domain::Event& e) {
  if (points <= 0) return;
  post({"bonus",
        std::move(cause),
        e.id,
        std::nullopt,
        std::nullopt,
        std::nullopt,
        e.occurred_at,
        {{"member", member, points}, {"chain:issued", std::nullopt, -points}}});
}

void PointsLedger::Run::flag(const domain::Event& e, std::optional<std::int64_t> member,
                             std::int64_t points, std::optional<std::int64_t> balance,
                             std::string problem) {
  reviews_.push_back({&e, member, points, balance, std::move(problem)});
}

void PointsLedger::Run::take_back(Purchase& p, const TakeBack& t) {
  const std::int64_t left = p.amount - p.refunded;
  p.refunded += t.whole ? left : std::min(left, t.cents);
}

void PointsLedger::Run::settle(const std::string& purchase_id, const domain::Event& cause) {
  const auto found = purchases_.find(purchase_id);
  if (found == purchases_.end() || !found->second.found) return;  // its arrival settles it
  const Purchase& p = found->second;
  const bool fully = p.voided || (p.amount > 0 && p.refunded >= p.amount);
  if (p.member) {
    const std::int64_t earned = sums_[{purchase_id, "earn", *p.member}];
    const std::int64_t reversed = -sums_[{purchase_id, "reversal", *p.member}];
    const std::int64_t target = rewards::reversed_points(earned, p.amount, p.refunded, fully);
    if (target > reversed) {
      const std::int64_t take = target - reversed;
      post({"reversal",
            "reversal:" + cause.id + ":" + purchase_id,
            cause.id,
            purchase_id,
            std::nullopt,
            std::nullopt,
            cause.occurred_at,
            {{"member", *p.member, -take}, {"chain:issued", std::nullopt, take}}});
    }
  }
  if (!fully) return;
  // Rewards redeemed on this sale go back to whoever redeemed them, once.
  std::vector<std::pair<std::int64_t, std::int64_t>> redeemers;  // member, points redeemed
  for (auto it =
           sums_.lower_bound({purchase_id, "redemption", std::numeric_limits<std::int64_t>::min()});
       it != sums_.end() && std::get<0>(it->first) == purchase_id &&
       std::get<1>(it->first) == "redemption";
       ++it) {
    redeemers.emplace_back(std::get<2>(it->first), it->second);
  }
  for (const auto& [m, redeemed] : redeemers) {
    const std::int64_t owed = -redeemed - sums_[{purchase_id, "give_back", m}];
    if (owed <= 0) continue;
    post({"give_back",
          "give_back:" + cause.id + ":" + purchase_id + ":" + std::to_string(m),
          cause.id,
          purchase_id,
          std::nullopt,
          std::nullopt,
          cause.occurred_at,
          {{"member", m, owed}, {"chain:redeemed", std::nullopt, -owed}}});
  }
}

void PointsLedger::Run::birthday(const domain::Event& e, std::int64_t member) {
  if (!rules_ || rules_->earning.birthday_points <= 0 || e.occurred_at.size() < 10) return;
  const auto& born = members_[member].birth_date;
  // YYYY-MM-DD: the same month as the event's day earns the year's birthday bonus once.
  if (!born || born->size() != 10 || born->substr(5, 2) != e.occurred_at.substr(5, 2)) return;
  bonus(member, rules_->earning.birthday_points,
        "birthday:" + std::to_string(member) + ":" + e.occurred_at.substr(0, 4), e);
}

void PointsLedger::Run::on_purchase(const LedgerEvent& le) {
  const auto& e = *le.event;
  const auto sale = protocol::decode_purchase(e.payload);
  if (!sale) return;  // checked on decode: cannot happen
  auto& p = purchases_[e.id];
  if (!le.attached) {  // stored by this run: as it stood when stored, with what came before
    p.found = true;
    p.member = le.member;
    p.amount = sale->total_cents;
    p.refunded = 0;
    p.day = e.occurred_at.substr(0, 10);
    for (const auto& t : p.pending) take_back(p, t);
    p.pending.clear();
  }
  const auto member = le.member;
  if (member && rules_) {
    const std::int64_t points =
        rewards::purchase_points(rules_->earning, *sale, tier_multiplier(*member));
    if (points > 0) {
      post({"earn",
            "earn:" + e.id,
            e.id,
            e.id,
            std::nullopt,
            std::nullopt,
            e.occurred_at,
            {{"member", member, points}, {"chain:issued", std::nullopt, -points}}});
    }
    // The referrer's reward, on the referred member's first purchase (once: the cause).
    const auto by = members_[*member].referred_by;
    if (by && *by != *member) {
      bonus(*by, rules_->earning.referral_points, "referral:" + std::to_string(*member), e);
    }
    birthday(e, *member);
  }
  settle(e.id, e);  // refunds, voids and redemptions of this sale that arrived before it
  if (member && rules_) {
    if (const auto today = day_of_time(e.occurred_at)) update_tier(*member, *today);
  }
}

void PointsLedger::Run::on_redemption(const LedgerEvent& le) {
  const auto& e = *le.event;
  const auto redemption = protocol::decode_redemption(e.payload);
  if (!redemption) return;  // checked on decode: cannot happen
  const std::int64_t points = redemption->points;
  if (!le.member) {
    flag(e, std::nullopt, points, std::nullopt, "no member holds the card");  // not lost
  } else {
    const std::int64_t before = members_[*le.member].balance;
    const bool posted =
        post({"redemption",
              "redemption:" + e.id,
              e.id,
              redemption->purchase_id,
              redemption->reward,
              std::nullopt,
              e.occurred_at,
              {{"member", le.member, -points}, {"chain:redeemed", std::nullopt, points}}});
    if (posted) {
      if (before < points) {
        // Given at the counter (offline, or on two terminals at once): recorded in full, the
        // balance goes below zero, and someone decides.
        spdlog::warn(
            "event {}: member {} redeemed {} points with a balance of {}; flagged for review", e.id,
            *le.member, points, before);
        flag(e, le.member, points, before, "redeemed more than the balance");
      }
      if (redemption->purchase_id) settle(*redemption->purchase_id, e);
    }
  }
  // Handed over at the counter whatever the balance said: it cost what it cost.
  cost(e, le.member, redemption->reward);
  if (le.member && redemption->offer_id) {
    outcomes_.push_back({*le.member, *redemption->offer_id, "accepted", &e});
  }
}

void PointsLedger::Run::on_gesture(const LedgerEvent& le) {
  const auto& e = *le.event;
  const auto gesture = protocol::decode_gesture(e.payload);
  if (!gesture) return;  // checked on decode: cannot happen
  if (!le.member) {
    flag(e, std::nullopt, gesture->points, std::nullopt, "no member holds the card");
    return;
  }
  auto& given = gestures_given_[{gesture->staff, e.occurred_at.substr(0, 10)}];
  const std::int64_t limit = rules_ ? rules_->gesture_points_per_cashier_per_day : 0;
  if (given + gesture->points > limit) {
    spdlog::warn(
        "event {}: cashier {} gave {} goodwill points with {} given that day (limit {}); "
        "not posted, flagged for review",
        e.id, gesture->staff, gesture->points, given, limit);
    flag(e, le.member, gesture->points, members_[*le.member].balance,
         "goodwill gesture beyond the cashier's daily limit of " + std::to_string(limit) +
             " points (" + std::to_string(given) + " given already by " + gesture->staff + ")");
    return;
  }
  if (post({"adjustment",
            "gesture:" + e.id,
            e.id,
            std::nullopt,
            gesture->reason,
            gesture->staff,
            e.occurred_at,
            {{"member", le.member, gesture->points},
             {"chain:adjusted", std::nullopt, -gesture->points}}})) {
    given += gesture->points;
  }
}

void PointsLedger::Run::on_offer_response(const LedgerEvent& le) {
  if (!le.member) return;  // nobody to remember it for
  const auto& e = *le.event;
  const auto response = protocol::decode_offer_response(e.payload);
  if (!response) return;  // checked on decode: cannot happen
  outcomes_.push_back(
      {*le.member, response->offer_id, std::string(protocol::to_string(response->outcome)), &e});
  // An accepted offer here costs no points (a gesture, a gift): it costs money all the same.
  if (response->outcome == protocol::OfferResponse::kAccepted) {
    cost(e, le.member, response->offer_id);
  }
  // The member's offers change (contact limit, cool-down): terminals pull them again.
  changed_.push_back(*le.member);
}

void PointsLedger::Run::cost(const domain::Event& e, std::optional<std::int64_t> member,
                             const std::string& reward) {
  const auto* item = rules_ ? rules_->find_reward(reward) : nullptr;
  if (item) costs_.push_back({&e, member, reward, item});
}

double PointsLedger::Run::tier_multiplier(std::int64_t member) const {
  if (!rules_) return 1.0;
  const auto found = members_.find(member);
  std::optional<std::string> name;
  if (found != members_.end()) name = found->second.tier;
  if (!name && tiers_on()) name = rules_->reward_tiers.tiers.front().name;  // everyone's tier
  for (const auto& tier : rules_->reward_tiers.tiers) {
    if (name && tier.name == *name) return tier.multiplier;
  }
  return 1.0;
}

std::int64_t PointsLedger::Run::tier_measure(std::int64_t member, const std::string& since,
                                             const std::string& until) const {
  std::int64_t total = 0;
  if (const auto w = window_.find(member); w != window_.end()) {
    for (auto it = w->second.lower_bound(since); it != w->second.end() && it->first <= until;
         ++it) {
      total += it->second;
    }
  }
  if (rules_->reward_tiers.measure == rewards::TierMeasure::kSpend) {
    for (const auto& [id, p] : purchases_) {  // the run's purchases, as they stand now
      if (p.found && p.member == member && p.day >= since && p.day <= until) {
        total += p.amount - p.refunded;
      }
    }
  }
  return total;
}

void PointsLedger::Run::update_tier(std::int64_t member, std::chrono::sys_days today) {
  if (!tiers_on()) return;
  const auto& rules = rules_->reward_tiers;
  const std::string since = to_iso8601_day(today - std::chrono::days(rules.qualifying_days - 1));
  auto& m = members_[member];
  rewards::TierState state;
  if (m.tier) {
    for (std::size_t i = 0; i < rules.tiers.size(); ++i) {
      if (rules.tiers[i].name == *m.tier) state.tier = i;
    }
    state.held_until = m.held_until;
  }
  const auto next =
      rewards::next_tier_state(rules, state, tier_measure(member, since, to_iso8601_day(today)), today);
  const std::string& name = rules.tiers[next.tier].name;
  if (!m.tier || *m.tier != name) m.tier_changed = true;
  m.tier = name;
  m.held_until = next.held_until.value_or(today);
  m.tier_saved = true;
}

void PointsLedger::Run::work_out() {
  for (const auto& le : events_) {
    const auto& e = *le.event;
    switch (e.kind) {
      case EventKind::kVisit:
        if (!le.member || !rules_) break;
        {
          auto& m = members_[*le.member];
          const auto n = ++m.visits;
          const auto every = rules_->earning.every_nth_visit;
          if (every > 0 && n % every == 0) {
            bonus(*le.member, rules_->earning.nth_visit_points,
                  "visit:" + std::to_string(*le.member) + ":" + std::to_string(n), e);
          }
          birthday(e, *le.member);
        }
        break;
      case EventKind::kEnrollment:
        if (le.member && rules_) {
          bonus(*le.member, rules_->earning.signup_points, "signup:" + std::to_string(*le.member),
                e);
        }
        break;
      case EventKind::kPurchase:
        on_purchase(le);
        break;
      case EventKind::kRefund:
      case EventKind::kVoid: {
        const auto id = purchase_of(e);
        if (!id) break;
        auto& p = purchases_[*id];
        TakeBack t{e.kind == EventKind::kVoid, 0};
        if (const auto refund = protocol::decode_refund(e.payload); refund && !t.whole) {
          t.cents = refund->amount_cents;
        }
        if (t.whole) p.voided = true;
        if (p.found) {
          take_back(p, t);
        } else {
          p.pending.push_back(t);
        }
        settle(*id, e);
        break;
      }
      case EventKind::kRedemption:
        on_redemption(le);
        break;
      case EventKind::kGesture:
        on_gesture(le);
        break;
      case EventKind::kOfferResponse:
        on_offer_response(le);
        break;
      default:
        break;
    }
  }
}

Result<void> PointsLedger::Run::write(Connection& db) {
  RAPPORT_TRY(const auto written, write_postings(db, postings_));
  if (written.postings != postings_.size()) {
    // Every cause was looked for under the members' locks: another writer got one in between.
    spdlog::warn("points: {} of {} postings were made by another writer first",
                 postings_.size() - written.postings, postings_.size());
  }
  changed_.insert(changed_.end(), written.members.begin(), written.members.end());
  if (!reviews_.empty()) {
    std::vector<Param> events, members, terminals, points, balances, problems;
    for (const auto& r : reviews_) {
      events.push_back(r.event->id);
      members.push_back(param(r.member));
      terminals.push_back(r.event->terminal_id);
      points.push_back(param(r.points));
      balances.push_back(param(r.balance));
      problems.push_back(r.problem);
    }
    RAPPORT_TRY_VOID(db.exec(
        "INSERT INTO points_reviews(event_id, member_id, terminal_id, points, balance_before, "
        "problem, flagged_at) SELECT u.e, u.m, u.t, u.p, u.b, u.pr, $7::text FROM "
        "unnest($1::text[], $2::bigint[], "
        "$3::text[], $4::bigint[], $5::bigint[], $6::text[]) WITH ORDINALITY AS u(e, m, t, p, "
        "b, pr, ord) ORDER BY u.ord ON CONFLICT (event_id) DO NOTHING",
        {text_array(events), text_array(members), text_array(terminals), text_array(points),
         text_array(balances), text_array(problems), now_iso8601()}));
  }
  std::vector<Param> tier_members, tiers, held;
  for (const auto& [id, m] : members_) {
    if (!m.tier_saved) continue;
    tier_members.push_back(param(id));
    tiers.push_back(m.tier);
    held.push_back(to_iso8601_day(*m.held_until));
    if (m.tier_changed) changed_.push_back(id);
  }
  if (!tier_members.empty()) {
    RAPPORT_TRY_VOID(db.exec(
        "INSERT INTO member_reward_tiers(member_id, tier, held_until, changed_at) "
        "SELECT u.*, $4::text FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u "
        "ON CONFLICT (member_id) DO UPDATE SET held_until = excluded.held_until, changed_at = "
        "CASE WHEN member_reward_tiers.tier = excluded.tier THEN member_reward_tiers.changed_at "
        "ELSE excluded.changed_at END, tier = excluded.tier",
        {text_array(tier_members), text_array(tiers), text_array(held), now_iso8601()}));
  }
  if (!outcomes_.empty()) {
    std::vector<Param> members, offers, outcomes, times, stores;
    for (const auto& o : outcomes_) {
      members.push_back(param(o.member));
      offers.push_back(o.offer);
      outcomes.push_back(o.outcome);
      times.push_back(o.event->occurred_at);
      stores.push_back(o.event->store_id);
    }
    RAPPORT_TRY_VOID(db.exec(
        "INSERT INTO offer_events(member_id, offer_id, outcome, at, store_id) SELECT u.m, u.o, "
        "u.out, u.at, u.s FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], "
        "$5::text[]) WITH ORDINALITY AS u(m, o, out, at, s, ord) ORDER BY u.ord",
        {text_array(members), text_array(offers), text_array(outcomes), text_array(times),
         text_array(stores)}));
  }
  if (!costs_.empty()) {
    std::vector<Param> events, members, stores, rewards, kinds, cents, times;
    for (const auto& c : costs_) {
      events.push_back(c.event->id);
      members.push_back(param(c.member));
      stores.push_back(c.event->store_id);
      rewards.push_back(c.reward);
      kinds.push_back(std::string(rewards::to_string(c.item->kind)));
      cents.push_back(param(c.item->cost_cents));
      times.push_back(c.event->occurred_at);
    }
    RAPPORT_TRY_VOID(db.exec(
        "INSERT INTO reward_costs(event_id, member_id, store_id, reward, reward_kind, "
        "cost_cents, occurred_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], "
        "$4::text[], $5::text[], $6::bigint[], $7::text[]) ON CONFLICT (event_id) DO NOTHING",
        {text_array(events), text_array(members), text_array(stores), text_array(rewards),
         text_array(kinds), text_array(cents), text_array(times)}));
  }
  std::sort(changed_.begin(), changed_.end());
  changed_.erase(std::unique(changed_.begin(), changed_.end()), changed_.end());
  return mark_changed(db, changed_);
}

void PointsLedger::RunDeleter::operator()(Run* run) const { delete run; }

Result<PointsLedger::RunPtr> PointsLedger::prepare(std::vector<LedgerEvent> events,
                                                   std::span<const std::string> run_ids) {
  const bool only_sales = std::all_of(events.begin(), events.end(), [](const LedgerEvent& le) {
    return le.event->kind == EventKind::kPurchase && !le.attached;
  });
  if (!rules_ && only_sales) {
    // Without rules a sale earns nothing: it can only settle what was posted on it before it
    // arrived (a reward redeemed on it). One look instead of the run's reads when nothing was.
    std::vector<Param> ids;
    for (const auto& le : events) ids.push_back(le.event->id);
    RAPPORT_TRY(const auto posted, db_.exec("SELECT 1 FROM points_postings WHERE purchase_id = "
                                            "ANY($1::text[]) LIMIT 1",
                                            {text_array(ids)}));
    if (posted.empty()) return RunPtr{};
  }
  RunPtr run(new Run(std::move(events), rules_.get()));
  RAPPORT_TRY_VOID(run->load(db_, run_ids));
  return run;
}

Result<void> PointsLedger::apply(Run& run) {
  run.work_out();
  return run.write(db_);
}

}  // namespace rapport::server::pg
