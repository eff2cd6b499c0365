// server/storage/sqlite_value.cpp
#include "server/storage/sqlite_value.h"

#include <cmath>
#include <sstream>
#include <unordered_map>

#include "server/storage/sqlite_members.h"
#include "shared/util/clock.h"

namespace rapport::server::sqlite {
namespace {

std::optional<std::chrono::sys_days> day_of(const std::optional<std::string>& text) {
  if (!text || text->size() != 10) return std::nullopt;
  const auto midnight = from_iso8601(*text + "T00:00:00Z");
  if (!midnight) return std::nullopt;
  return std::chrono::floor<std::chrono::days>(*midnight);
}

std::string params_text(const std::vector<analytics::NamedParam>& params) {
  std::ostringstream out;
  out.precision(10);
  for (std::size_t i = 0; i < params.size(); ++i) {
    out << (i ? " " : "") << params[i].name << "=" << params[i].value;
  }
  return out.str();
}

struct Previous {
  std::string tier;
  std::string segment;
  bool at_risk = false;
  long rhythm = -1;
};

long whole_days(const std::optional<double>& days) {
  return days ? static_cast<long>(std::lround(*days)) : -1;
}

}  // namespace

Result<std::vector<value::MemberValueInput>> read_value_inputs(storage::Database& db) {
  RAPPORT_TRY(auto stmt,
              db.prepare("SELECT m.id, m.purchase_days, m.first_purchase_day, "
                         "m.last_purchase_day, m.revenue_cents, m.margin_cents, m.visit_count, "
                         "m.referred_by, coalesce(n.advocacy, 0), coalesce(n.feedback, 0) "
                         "FROM members m LEFT JOIN (SELECT member_id, "
                         "  sum(topic = 'advocacy') AS advocacy, "
                         "  sum(topic = 'feedback') AS feedback "
                         "  FROM notes WHERE member_id IS NOT NULL GROUP BY member_id) n "
                         "ON n.member_id = m.id ORDER BY m.id"));
  std::vector<value::MemberValueInput> inputs;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    value::MemberValueInput in;
    in.member_id = stmt.column_int64(0);
    in.purchase_days = stmt.column_int64(1);
    in.first_purchase = day_of(stmt.column_optional_text(2));
    in.last_purchase = day_of(stmt.column_optional_text(3));
    in.revenue_cents = stmt.column_int64(4);
    // Margins are summed only from lines that carried one: 0 means none were sent.
    if (const auto margin = stmt.column_int64(5); margin != 0) in.margin_cents = margin;
    in.visits = stmt.column_int64(6);
    if (!stmt.column_is_null(7)) in.referred_by = stmt.column_int64(7);
    in.advocacy_notes = stmt.column_int64(8);
    in.feedback_notes = stmt.column_int64(9);
    inputs.push_back(in);
  }
  return inputs;
}

Result<std::size_t> save_value_refresh(storage::Database& db, const value::ValueRefresh& refresh,
                                       const std::string& computed_at, const std::string& as_of) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db));
  std::optional<std::int64_t> fit_id;
  if (refresh.fit) {
    RAPPORT_TRY(auto fit, db.prepare("INSERT INTO value_fits(computed_at, as_of, model, params, "
                                     "log_likelihood, customers, spend_params) VALUES "
                                     "(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    fit.bind(1, computed_at)
        .bind(2, as_of)
        .bind(3, analytics::model_name(refresh.fit->model))
        .bind(4, params_text(refresh.fit->params))
        .bind(5, refresh.fit->log_likelihood)
        .bind(6, static_cast<std::int64_t>(refresh.fit->customers));
    std::optional<std::string> spend;
    if (const auto& g = refresh.fit->spend) spend = params_text({{"p", g->p}, {"q", g->q}, {"v", g->v}});
    fit.bind_optional(7, spend);
    RAPPORT_TRY_VOID(fit.run());
    fit_id = db.last_insert_rowid();
  }

  // The previous snapshot of every member, read once (one row each) rather than per member.
  std::unordered_map<std::int64_t, Previous> previous;
  {
    RAPPORT_TRY(auto read, db.prepare("SELECT member_id, tier, segment, at_risk, rhythm_days "
                                      "FROM value_snapshots"));
    for (;;) {
      RAPPORT_TRY(const bool row, read.step());
      if (!row) break;
      std::optional<double> rhythm;
      if (!read.column_is_null(4)) rhythm = read.column_double(4);
      previous[read.column_int64(0)] = {read.column_text(1), read.column_text(2),
                                        read.column_int64(3) != 0, whole_days(rhythm)};
    }
  }

  RAPPORT_TRY(auto write,
              db.prepare("INSERT OR REPLACE INTO value_snapshots(member_id, fit_id, computed_at, "
                         "historic_value_cents, historic_revenue_cents, expected_visits, "
                         "expected_spend_cents, p_alive, lifetime_value_cents, "
                         "referral_value_cents, advocacy_value_cents, total_value_cents, tier, "
                         "rfm, segment, rhythm_days, at_risk) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                         "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)"));
  RAPPORT_TRY(auto history, db.prepare("INSERT INTO tier_history(member_id, changed_at, tier, "
                                       "segment) VALUES (?1, ?2, ?3, ?4)"));
  RAPPORT_TRY(auto member, db.prepare("UPDATE members SET value_tier = ?2, at_risk = ?3, "
                                      "rhythm_days = ?4, changed_seq = ?5 WHERE id = ?1"));
  std::optional<std::int64_t> sequence;
  std::size_t migrated = 0;
  for (const auto& s : refresh.snapshots) {
    const std::string tier(value::to_string(s.tier));
    write.bind(1, s.member_id)
        .bind(3, computed_at)
        .bind(4, s.historic_value_cents)
        .bind(5, s.historic_revenue_cents)
        .bind(6, s.expected_visits)
        .bind(7, s.expected_spend_cents)
        .bind(8, s.p_alive)
        .bind(9, s.lifetime_value_cents)
        .bind(10, s.referral_value_cents)
        .bind(11, s.advocacy_value_cents)
        .bind(12, s.total_value_cents)
        .bind(13, tier)
        .bind(14, s.rfm)
        .bind(15, s.segment)
        .bind(17, std::int64_t{s.at_risk ? 1 : 0})
        .bind_optional(2, fit_id)
        .bind_optional(16, s.rhythm_days);
    RAPPORT_TRY_VOID(write.run());

    const auto before = previous.find(s.member_id);
    const bool moved = before == previous.end() || before->second.tier != tier ||
                       before->second.segment != s.segment;
    if (moved) {
      ++migrated;
      RAPPORT_TRY_VOID(
          history.bind(1, s.member_id).bind(2, computed_at).bind(3, tier).bind(4, s.segment).run());
    }
    // Terminals pull the member again only when what they show changed.
    const bool shown_changed = before == previous.end() || before->second.tier != tier ||
                               before->second.at_risk != s.at_risk ||
                               before->second.rhythm != whole_days(s.rhythm_days);
    if (!shown_changed) continue;
    if (!sequence) {
      RAPPORT_TRY(sequence, next_change_sequence(db));
    }
    member.bind(1, s.member_id)
        .bind(2, tier)
        .bind(3, std::int64_t{s.at_risk ? 1 : 0})
        .bind_optional(4, s.rhythm_days)
        .bind(5, *sequence);
    RAPPORT_TRY_VOID(member.run());
  }
  RAPPORT_TRY_VOID(tx.commit());
  return migrated;
}

Result<std::optional<value::ValueSnapshot>> read_value_snapshot(storage::Database& db,
                                                                std::int64_t member_id) {
  RAPPORT_TRY(auto stmt,
              db.prepare("SELECT historic_value_cents, historic_revenue_cents, expected_visits, "
                         "expected_spend_cents, p_alive, lifetime_value_cents, "
                         "referral_value_cents, advocacy_value_cents, total_value_cents, tier, "
                         "rfm, segment, rhythm_days, at_risk FROM value_snapshots "
                         "WHERE member_id = ?1"));
  stmt.bind(1, member_id);
  RAPPORT_TRY(const bool row, stmt.step());
  if (!row) return std::optional<value::ValueSnapshot>{};
  value::ValueSnapshot s;
  s.member_id = member_id;
  s.historic_value_cents = stmt.column_int64(0);
  s.historic_revenue_cents = stmt.column_int64(1);
  s.expected_visits = stmt.column_double(2);
  s.expected_spend_cents = stmt.column_int64(3);
  s.p_alive = stmt.column_double(4);
  s.lifetime_value_cents = stmt.column_int64(5);
  s.referral_value_cents = stmt.column_int64(6);
  s.advocacy_value_cents = stmt.column_int64(7);
  s.total_value_cents = stmt.column_int64(8);
  s.tier = value::value_tier_from_string(stmt.column_text(9)).value_or(value::ValueTier::kLmc);
  s.rfm = stmt.column_text(10);
  s.segment = stmt.column_text(11);
  if (!stmt.column_is_null(12)) s.rhythm_days = stmt.column_double(12);
  s.at_risk = stmt.column_int64(13) != 0;
  return std::optional<value::ValueSnapshot>(std::move(s));
}

}  // namespace rapport::server::sqlite
