// server/storage/sqlite_offers.cpp
//
// OfferStore on the server's SQLite file (offer_store.h, docs/offers.md).
#include <chrono>

#include "server/storage/offer_store.h"
#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using storage::Database;

constexpr int kTopCategories = 3;

class SqliteOfferStore final : public OfferStore {
 public:
  explicit SqliteOfferStore(Database db) : db_(std::move(db)) {}

  Result<std::optional<rewards::MemberOfferFacts>> member_facts(std::int64_t member_id) override {
    RAPPORT_TRY(auto member,
                db_.prepare("SELECT m.personalisation_consent, coalesce(v.tier, m.value_tier), "
                            "coalesce(v.at_risk, m.at_risk), v.p_alive, "
                            "coalesce(v.rhythm_days, m.rhythm_days) FROM members m "
                            "LEFT JOIN value_snapshots v ON v.member_id = m.id WHERE m.id = ?1"));
    member.bind(1, member_id);
    RAPPORT_TRY(const bool found, member.step());
    if (!found) return std::optional<rewards::MemberOfferFacts>{};
    rewards::MemberOfferFacts facts;
    facts.member_id = member_id;
    facts.personalisation_consent = member.column_int64(0) != 0;
    if (const auto tier = member.column_optional_text(1)) {
      facts.tier = value::value_tier_from_string(*tier).value_or(value::ValueTier::kLmc);
    }
    facts.at_risk = member.column_int64(2) != 0;
    if (!member.column_is_null(3)) facts.p_alive = member.column_double(3);
    if (!member.column_is_null(4)) facts.rhythm_days = member.column_double(4);

    RAPPORT_TRY(auto categories,
                db_.prepare("SELECT category FROM member_categories WHERE member_id = ?1 "
                            "ORDER BY spend_cents DESC, category LIMIT ?2"));
    categories.bind(1, member_id).bind(2, std::int64_t{kTopCategories});
    while (true) {
      RAPPORT_TRY(const bool row, categories.step());
      if (!row) break;
      facts.top_categories.push_back(categories.column_text(0));
    }
    RAPPORT_TRY(auto notes, db_.prepare("SELECT text, topic FROM notes WHERE member_id = ?1 "
                                        "AND topic <> 'advocacy' ORDER BY noted_at"));
    notes.bind(1, member_id);
    while (true) {
      RAPPORT_TRY(const bool row, notes.step());
      if (!row) break;
      auto text = notes.column_text(0);
      if (rewards::is_dislike_note(text)) {
        facts.dislikes.push_back(std::move(text));
      } else if (notes.column_text(1) == "preference") {
        facts.wishes.push_back(std::move(text));
      }
    }
    return std::optional<rewards::MemberOfferFacts>{std::move(facts)};
  }

  Result<std::vector<rewards::OfferHistoryEntry>> history(std::int64_t member_id) override {
    RAPPORT_TRY(auto stmt, db_.prepare("SELECT offer_id, outcome, at FROM offer_events "
                                       "WHERE member_id = ?1 ORDER BY at, id"));
    stmt.bind(1, member_id);
    std::vector<rewards::OfferHistoryEntry> entries;
    while (true) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      const auto outcome = rewards::offer_outcome_from_string(stmt.column_text(1));
      const auto at = from_iso8601(stmt.column_text(2));
      if (!outcome || !at) continue;  // the CHECK constraint and record() keep these valid
      entries.push_back(
          {stmt.column_text(0), *outcome, std::chrono::floor<std::chrono::days>(*at)});
    }
    return entries;
  }

  Result<void> record(const OfferRecord& r) override {
    RAPPORT_TRY(auto stmt, db_.prepare("INSERT INTO offer_events(member_id, offer_id, outcome, "
                                       "at, store_id) VALUES (?1, ?2, ?3, ?4, ?5)"));
    stmt.bind(1, r.member_id)
        .bind(2, r.offer_id)
        .bind(3, rewards::to_string(r.outcome))
        .bind(4, r.at)
        .bind_optional(5, r.store_id);
    return stmt.run();
  }

  Result<bool> set_personalisation_consent(std::int64_t member_id, bool consent) override {
    RAPPORT_TRY(auto stmt,
                db_.prepare("UPDATE members SET personalisation_consent = ?2 WHERE id = ?1"));
    stmt.bind(1, member_id).bind(2, std::int64_t{consent ? 1 : 0});
    RAPPORT_TRY_VOID(stmt.run());
    return db_.changes() > 0;
  }

  Result<std::map<std::string, std::vector<rewards::UpliftObservation>>> uplift_observations(
      std::int64_t window_days, const std::string& as_of_day) override {
    // SQLite returns the bare `outcome` of the row holding min(at).
    RAPPORT_TRY(
        auto stmt,
        db_.prepare("WITH firsts AS (SELECT member_id, offer_id, outcome, min(at) AS at, "
                    "  substr(min(at), 1, 10) AS day FROM offer_events "
                    "  WHERE outcome IN ('shown', 'held_out') GROUP BY member_id, offer_id) "
                    "SELECT f.offer_id, f.outcome, count(DISTINCT p.day), "
                    "  coalesce(sum(p.amount_cents - p.refunded_cents), 0) FROM firsts f "
                    "LEFT JOIN purchases p ON p.member_id = f.member_id AND p.day > f.day AND "
                    "  p.day <= date(f.day, '+' || ?1 || ' days') "
                    "WHERE date(f.day, '+' || ?1 || ' days') <= ?2 "
                    "GROUP BY f.member_id, f.offer_id ORDER BY f.offer_id, f.member_id"));
    stmt.bind(1, window_days).bind(2, as_of_day);
    std::map<std::string, std::vector<rewards::UpliftObservation>> result;
    while (true) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      result[stmt.column_text(0)].push_back({stmt.column_text(1) == "shown",
                                             static_cast<double>(stmt.column_int64(2)),
                                             static_cast<double>(stmt.column_int64(3))});
    }
    return result;
  }

 private:
  Database db_;
};

}  // namespace

Result<std::unique_ptr<OfferStore>> open_sqlite_offer_store(const std::filesystem::path& file) {
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations));
  return std::unique_ptr<OfferStore>(std::make_unique<SqliteOfferStore>(std::move(db)));
}

}  // namespace rapport::server
