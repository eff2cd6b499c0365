// server/storage/pg_staff_reads.cpp
//
// The dashboard's reads on PostgreSQL, as staff_store_reads.cpp and staff_store_member.cpp on
// SQLite: a store's regulars ranked by their latest value snapshot, the members of other
// stores who visit it, one member's overview, their visits at given stores, and everything
// on their full page.
#include <string>
#include <string_view>

#include "server/storage/pg_staff_store.h"
#include "server/storage/pg_value.h"
#include "server/storage/sqlite_members.h"

namespace rapport::server::pg {
namespace {

std::optional<double> optional_real(const Rows& rows, std::size_t row, int col) {
  if (rows.is_null(row, col)) return std::nullopt;
  return rows.real(row, col);
}

// The latest snapshot's columns both the regulars and a member's overview show, read by
// read_value_columns() in this order.
constexpr std::string_view kValueColumns =
    "v.tier, v.total_value_cents, v.p_alive, v.rhythm_days, coalesce(v.at_risk, false)";

template <typename Row>
void read_value_columns(const Rows& rows, std::size_t row, int first, Row& out) {
  out.tier = rows.optional_text(row, first);
  out.total_value_cents = rows.optional_int64(row, first + 1);
  out.p_alive = optional_real(rows, row, first + 2);
  out.rhythm_days = optional_real(rows, row, first + 3);
  out.at_risk = rows.boolean(row, first + 4);
}

// An erased member's name as on SQLite ("erased on YYYY-MM-DD").
const std::string kName(sqlite::kMemberName);

}  // namespace

Result<bool> PgStaffStore::store_exists(const std::string& store_id) {
  RAPPORT_TRY(const auto rows, db_.exec("SELECT 1 FROM stores WHERE id = $1", {param(store_id)}));
  return !rows.empty();
}

Result<std::vector<std::string>> PgStaffStore::all_stores() {
  RAPPORT_TRY(const auto rows, db_.exec("SELECT id FROM stores ORDER BY id"));
  std::vector<std::string> ids;
  for (std::size_t r = 0; r < rows.size(); ++r) ids.push_back(rows.text(r, 0));
  return ids;
}

Result<std::vector<RegularRow>> PgStaffStore::regulars(const std::string& store_id,
                                                       std::size_t limit) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT m.id, " + kName + ", m.visit_count, m.last_visit, " +
                           std::string(kValueColumns) +
                           ", v.segment, u.name, u.disabled_at IS NOT NULL "
                           "FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id "
                           "LEFT JOIN relationship_owners o ON o.member_id = m.id "
                           "LEFT JOIN staff_users u ON u.id = o.owner_id "
                           "WHERE m.home_store = $1 AND m.merged_into IS NULL "
                           "ORDER BY v.total_value_cents IS NULL, v.total_value_cents DESC, m.id "
                           "LIMIT $2",
                       {param(store_id), param(static_cast<std::int64_t>(limit))}));
  std::vector<RegularRow> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    RegularRow row;
    row.member_id = rows.int64(r, 0);
    row.name = rows.text(r, 1);
    row.visit_count = rows.int64(r, 2);
    row.last_visit = rows.optional_text(r, 3);
    read_value_columns(rows, r, 4, row);
    row.segment = rows.optional_text(r, 9);
    row.owner = rows.optional_text(r, 10);
    row.owner_disabled = row.owner && rows.boolean(r, 11);
    out.push_back(std::move(row));
  }
  return out;
}

Result<std::vector<VisitorRow>> PgStaffStore::visitors(const std::string& store_id,
                                                       std::size_t limit) {
  // The store's visits counted per member first (from the index alone), then each of those
  // members looked up by id: OFFSET 0 keeps the lookup a nested loop, where the planner,
  // which guesses ten times the members there are, would scan every member to hash them
  // (40 ms at 100,000 members, and growing with the chain).
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT m.id, m.name, m.home_store, v.visits, v.last FROM (SELECT "
                       "member_id, count(*) AS visits, max(occurred_at) AS last FROM events "
                       "WHERE store_id = $1 AND kind = 'visit' AND member_id IS NOT NULL "
                       "GROUP BY member_id) v CROSS JOIN LATERAL (SELECT m.id, " +
                           kName +
                           " AS name, m.home_store FROM members m WHERE m.id = v.member_id "
                           "AND m.home_store <> $1 OFFSET 0) m "
                           "ORDER BY v.visits DESC, m.id LIMIT $2",
                       {param(store_id), param(static_cast<std::int64_t>(limit))}));
  std::vector<VisitorRow> out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    out.push_back({rows.int64(r, 0), rows.text(r, 1), rows.text(r, 2), rows.int64(r, 3),
                   rows.text(r, 4)});
  }
  return out;
}

Result<bool> PgStaffStore::has_value_snapshots() {
  RAPPORT_TRY(const auto rows, db_.exec("SELECT 1 FROM value_snapshots LIMIT 1"));
  return !rows.empty();
}

Result<std::optional<MemberOverview>> PgStaffStore::member(std::int64_t id) {
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT m.id, " + kName + ", m.home_store, m.visit_count, m.last_visit, " +
                           std::string(kValueColumns) +
                           ", m.merged_into "
                           "FROM members m LEFT JOIN value_snapshots v ON v.member_id = m.id "
                           "WHERE m.id = $1",
                       {param(id)}));
  if (rows.empty()) return std::optional<MemberOverview>{};
  MemberOverview m;
  m.id = rows.int64(0, 0);
  m.name = rows.text(0, 1);
  m.home_store = rows.text(0, 2);
  m.visit_count = rows.int64(0, 3);
  m.last_visit = rows.optional_text(0, 4);
  read_value_columns(rows, 0, 5, m);
  m.merged_into = rows.optional_int64(0, 10);
  return std::optional<MemberOverview>(std::move(m));
}

Result<std::vector<StoreVisits>> PgStaffStore::member_visits_at(
    std::int64_t id, const std::vector<std::string>& stores) {
  // One statement for all the stores, in the order asked (a store named twice, twice).
  std::vector<Param> asked;
  for (const auto& store : stores) asked.push_back(param(store));
  RAPPORT_TRY(const auto rows,
              db_.exec("SELECT s.store, count(*), max(e.occurred_at) "
                       "FROM unnest($2::text[]) WITH ORDINALITY AS s(store, n) "
                       "JOIN events e ON e.member_id = $1 AND e.kind = 'visit' "
                       "AND e.store_id = s.store GROUP BY s.store, s.n ORDER BY s.n",
                       {param(id), text_array(asked)}));
  std::vector<StoreVisits> visits;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    visits.push_back({rows.text(r, 0), rows.int64(r, 1), rows.text(r, 2)});
  }
  return visits;
}

Result<MemberDetail> PgStaffStore::member_detail(std::int64_t id, std::size_t history_limit) {
  MemberDetail detail;
  const auto limit = param(static_cast<std::int64_t>(history_limit));
  {
    // Purchases show what they came to less what was refunded since.
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT e.occurred_at, e.kind, e.store_id, "
                         "p.amount_cents - p.refunded_cents FROM events e "
                         "LEFT JOIN purchases p ON p.event_id = e.id WHERE e.member_id = $1 "
                         "ORDER BY e.occurred_at DESC, e.seq DESC LIMIT $2",
                         {param(id), limit}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      detail.history.push_back(
          {rows.text(r, 0), rows.text(r, 1), rows.text(r, 2), rows.optional_int64(r, 3)});
    }
  }
  {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT noted_at, store_id, topic, text FROM notes "
                                          "WHERE member_id = $1 ORDER BY noted_at DESC",
                                          {param(id)}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      detail.notes.push_back({rows.text(r, 0), rows.text(r, 1), rows.text(r, 2), rows.text(r, 3)});
    }
  }
  RAPPORT_TRY(auto snapshot, read_value_snapshot(db_, id));
  if (snapshot) {
    ValueExplanation value{std::move(*snapshot), {}, {}, {}, {}, {}, {}};
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT v.computed_at, f.model, f.params, f.spend_params, f.as_of, "
                         "f.customers FROM value_snapshots v LEFT JOIN value_fits f "
                         "ON f.id = v.fit_id WHERE v.member_id = $1",
                         {param(id)}));
    if (!rows.empty()) {
      value.computed_at = rows.text(0, 0);
      value.model = rows.optional_text(0, 1);
      value.params = rows.optional_text(0, 2);
      value.spend_params = rows.optional_text(0, 3);
      value.as_of = rows.optional_text(0, 4);
      value.customers = rows.optional_int64(0, 5);
    }
    detail.value = std::move(value);
  }
  {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT p.occurred_at, p.kind, e.points FROM points_entries e "
                         "JOIN points_postings p ON p.id = e.posting_id "
                         "WHERE e.account = 'member' AND e.member_id = $1 "
                         "ORDER BY p.occurred_at DESC, p.id DESC",
                         {param(id)}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      detail.ledger.push_back({rows.text(r, 0), rows.text(r, 1), rows.int64(r, 2)});
      detail.points_balance += detail.ledger.back().points;
    }
  }
  {
    RAPPORT_TRY(const auto rows,
                db_.exec("SELECT at, offer_id, outcome, store_id FROM offer_events "
                         "WHERE member_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
                         {param(id), limit}));
    for (std::size_t r = 0; r < rows.size(); ++r) {
      detail.offers.push_back(
          {rows.text(r, 0), rows.text(r, 1), rows.text(r, 2), rows.optional_text(r, 3)});
    }
  }
  {
    RAPPORT_TRY(const auto rows, db_.exec("SELECT u.name FROM relationship_owners o JOIN "
                                          "staff_users u ON u.id = o.owner_id "
                                          "WHERE o.member_id = $1",
                                          {param(id)}));
    if (!rows.empty()) detail.owner = rows.text(0, 0);
  }
  RAPPORT_TRY(detail.open_follow_ups,
              follow_ups_where("f.member_id = $1 AND f.closed_at IS NULL", param(id)));
  return detail;
}

}  // namespace rapport::server::pg
