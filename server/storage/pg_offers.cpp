// server/storage/pg_offers.cpp
//
// OfferStore on PostgreSQL (offer_store.h, docs/offers.md; table offer_events of PostgreSQL
// migration 5): the same answers as sqlite_offers.cpp, query for query. Days are the first
// ten characters of ISO 8601 UTC text, as on SQLite; a window's end is computed as a date
// and written back as YYYY-MM-DD so that it compares with purchases.day byte by byte.

#include <chrono>
#include <utility>

#include "server/storage/offer_store.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_schema.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using pg::Connection;
using pg::param;

constexpr std::int64_t kTopCategories = 3;

class PgOfferStore final : public OfferStore {
 public:
  explicit PgOfferStore(Connection db) : db_(std::move(db)) {}

  Result<std::optional<rewards::MemberOfferFacts>> member_facts(std::int64_t member_id) override {
    RAPPORT_TRY(const auto member,
                db_.exec("SELECT m.personalisation_consent, coalesce(v.tier, m.value_tier), "
                         "coalesce(v.at_risk, m.at_risk), v.p_alive, "
                         "coalesce(v.rhythm_days, m.rhythm_days) FROM members m "
                         "LEFT JOIN value_snapshots v ON v.member_id = m.id WHERE m.id = $1",
                         {param(member_id)}));
    if (member.empty()) return std::optional<rewards::MemberOfferFacts>{};
    rewards::MemberOfferFacts facts;
    facts.member_id = member_id;
    facts.personalisation_consent = member.boolean(0, 0);
    if (const auto tier = member.optional_text(0, 1)) {
      facts.tier = value::value_tier_from_string(*tier).value_or(value::ValueTier::kLmc);
    }
    facts.at_risk = member.boolean(0, 2);
    if (!member.is_null(0, 3)) facts.p_alive = member.real(0, 3);
    if (!member.is_null(0, 4)) facts.rhythm_days = member.real(0, 4);

    RAPPORT_TRY(const auto categories,
                db_.exec("SELECT category FROM member_categories WHERE member_id = $1 "
                         "ORDER BY spend_cents DESC, category LIMIT $2",
                         {param(member_id), param(kTopCategories)}));
    for (std::size_t r = 0; r < categories.size(); ++r) {
      facts.top_categories.push_back(categories.text(r, 0));
    }
    RAPPORT_TRY(const auto notes, db_.exec("SELECT text, topic FROM notes WHERE member_id = $1 "
                                           "AND topic <> 'advocacy' ORDER BY noted_at",
                                           {param(member_id)}));
    for (std::size_t r = 0; r < notes.size(); ++r) {
      auto text = notes.text(r, 0);
      if (rewards::is_dislike_note(text)) {
        facts.dislikes.push_back(std::move(text));
      } else if (notes.text(r, 1) == "preference") {
        facts.wishes.push_back(std::move(text));
      }
    }
    return std::optional<rewards::MemberOfferFacts>{std::move(facts)};
  }

  Result<std::vector<rewards::OfferHistoryEntry>> history(std::int64_t member_id) override {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT offer_id, outcome, at FROM offer_events "
                                          "WHERE member_id = $1 ORDER BY at, id",
                                          {param(member_id)}));
    std::vector<rewards::OfferHistoryEntry> entries;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto outcome = rewards::offer_outcome_from_string(rows.text(r, 1));
      const auto at = from_iso8601(rows.text(r, 2));
      if (!outcome || !at) continue;  // the CHECK constraint and record() keep these valid
      entries.push_back({rows.text(r, 0), *outcome, std::chrono::floor<std::chrono::days>(*at)});
    }
    return entries;
  }

  Result<void> record(const OfferRecord& r) override {
    RAPPORT_TRY_VOID(
        db_.exec("INSERT INTO offer_events(member_id, offer_id, outcome, at, "
                 "store_id) VALUES ($1, $2, $3, $4, $5)",
                 {param(r.member_id), param(r.offer_id), param(rewards::to_string(r.outcome)),
                  param(r.at), param(r.store_id)}));
    return {};
  }

  Result<bool> set_personalisation_consent(std::int64_t member_id, bool consent) override {
    RAPPORT_TRY(const auto rows,
                db_.exec("UPDATE members SET personalisation_consent = $2 WHERE id = $1",
                         {param(member_id), pg::flag(consent)}));
    return rows.affected() > 0;
  }

  Result<std::map<std::string, std::vector<rewards::UpliftObservation>>> uplift_observations(
      std::int64_t window_days, const std::string& as_of_day) override {
    // Each member's first shown or held_out record per offer (the earliest, then the first
    // recorded: SQLite takes the row holding min(at)), and the day its window ends.
    RAPPORT_TRY(
        const auto rows,
        db_.exec("WITH firsts AS (SELECT DISTINCT ON (member_id, offer_id) member_id, offer_id, "
                 "  outcome, substr(at, 1, 10) AS day, "
                 "  to_char(substr(at, 1, 10)::date + $1::integer, 'YYYY-MM-DD') AS window_end "
                 "  FROM offer_events WHERE outcome IN ('shown', 'held_out') "
                 "  ORDER BY member_id, offer_id, at, id) "
                 "SELECT f.offer_id, f.outcome, count(DISTINCT p.day), "
                 "  coalesce(sum(p.amount_cents - p.refunded_cents), 0) FROM firsts f "
                 "LEFT JOIN purchases p ON p.member_id = f.member_id AND p.day > f.day AND "
                 "  p.day <= f.window_end "
                 "WHERE f.window_end <= $2 "
                 "GROUP BY f.member_id, f.offer_id, f.outcome ORDER BY f.offer_id, f.member_id",
                 {param(window_days), param(as_of_day)}));
    std::map<std::string, std::vector<rewards::UpliftObservation>> result;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      result[rows.text(r, 0)].push_back({rows.text(r, 1) == "shown",
                                         static_cast<double>(rows.int64(r, 2)),
                                         static_cast<double>(rows.int64(r, 3))});
    }
    return result;
  }

 private:
  Connection db_;
};

}  // namespace

Result<std::unique_ptr<OfferStore>> open_pg_offer_store(const std::string& url) {
  RAPPORT_TRY(auto db, Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  return std::unique_ptr<OfferStore>(std::make_unique<PgOfferStore>(std::move(db)));
}

}  // namespace rapport::server
