// server/storage/pg_members.cpp
#include "server/storage/pg_members.h"

#include <algorithm>
#include <map>

#include "server/storage/pg_purchases.h"
#include "shared/protocol/event_payloads.h"
#include "shared/protocol/sync_messages.h"

namespace rapport::server::pg {

domain::Member member_from_row(const Rows& rows, std::size_t row) {
  domain::Member m;
  m.id = rows.int64(row, 0);
  m.name = rows.text(row, 1);
  m.home_store = rows.text(row, 2);
  m.birth_date = rows.optional_text(row, 3);
  m.visit_count = rows.int64(row, 4);
  m.last_visit = rows.optional_text(row, 5);
  m.value_tier = rows.optional_text(row, 7);
  m.at_risk = rows.boolean(row, 8);
  if (!rows.is_null(row, 9)) m.rhythm_days = rows.real(row, 9);
  m.usual_order = rows.optional_text(row, 10);
  m.phone = rows.optional_text(row, 11);  // for the sync handler's digest; never sent
  m.points_balance = rows.int64(row, 12);
  m.reward_tier = rows.optional_text(row, 13);
  return m;
}

std::string id_array(std::span<const std::int64_t> ids) {
  std::string out = "{";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "}";
}

Result<void> load_cards_and_notes(Connection& db, std::vector<domain::Member>& members,
                                  bool notes) {
  if (members.empty()) return {};
  std::vector<std::int64_t> ids;
  std::map<std::int64_t, domain::Member*> by_id;
  for (auto& m : members) {
    ids.push_back(m.id);
    by_id[m.id] = &m;
    m.cards.clear();
    m.notes.clear();
  }
  const std::string array = id_array(ids);
  RAPPORT_TRY(const auto cards, db.exec("SELECT member_id, token, last4, status FROM cards "
                                        "WHERE member_id = ANY($1::bigint[]) "
                                        "ORDER BY member_id, issue_order",
                                        {param(array)}));
  for (std::size_t r = 0; r < cards.size(); ++r) {
    domain::Card card;
    card.token = cards.text(r, 1);
    card.last4 = cards.text(r, 2);
    card.status =
        cards.text(r, 3) == "blocked" ? domain::CardStatus::kBlocked : domain::CardStatus::kActive;
    by_id[cards.int64(r, 0)]->cards.push_back(std::move(card));
  }
  if (!notes) return {};
  RAPPORT_TRY(
      const auto rows,
      db.exec("SELECT member_id, event_id, topic, text, noted_at, store_id FROM ("
              "  SELECT n.*, row_number() OVER (PARTITION BY member_id "
              "    ORDER BY noted_at DESC, event_id DESC) AS rank "
              "  FROM notes n WHERE member_id = ANY($1::bigint[])) latest "
              "WHERE rank <= $2 ORDER BY member_id, noted_at DESC, event_id DESC",
              {param(array), param(static_cast<std::int64_t>(protocol::kMaxNotesPerMember))}));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    by_id[rows.int64(r, 0)]->notes.push_back(
        {rows.text(r, 1), rows.text(r, 2), rows.text(r, 3), rows.text(r, 4), rows.text(r, 5)});
  }
  // Their recent purchases at any till, newest first (docs/protocol.md, "Recent purchases"):
  // purchases.day is the terminal's UTC day of the sale, as on SQLite.
  RAPPORT_TRY(
      const auto bought,
      db.exec("SELECT p.member_id, p.event_id, p.occurred_at, p.store_id, e.payload, "
              "  p.amount_cents, p.amount_cents - p.refunded_cents FROM ("
              "  SELECT p.*, row_number() OVER (PARTITION BY member_id "
              "    ORDER BY occurred_at DESC, event_id DESC) AS rank "
              "  FROM purchases p WHERE member_id = ANY($1::bigint[]) AND day >= "
              "    to_char((now() AT TIME ZONE 'UTC')::date - $2::int, 'YYYY-MM-DD')) p "
              "JOIN events e ON e.id = p.event_id "
              "WHERE p.rank <= $3 ORDER BY p.member_id, p.occurred_at DESC, p.event_id DESC",
              {param(array), param(std::int64_t{protocol::kRecentPurchaseDays}),
               param(static_cast<std::int64_t>(protocol::kMaxPurchasesPerMember))}));
  for (auto& m : members) m.recent_purchases.clear();
  for (std::size_t r = 0; r < bought.size(); ++r) {
    domain::MemberPurchase p;
    p.event_id = bought.text(r, 1);
    p.occurred_at = bought.text(r, 2);
    p.store_id = bought.text(r, 3);
    // Checked when it was stored: an undecodable payload leaves the summary empty.
    if (const auto purchase = protocol::decode_purchase(bought.text(r, 4)); purchase) {
      p.summary = protocol::sale_summary(purchase->lines);
    }
    p.total_cents = bought.int64(r, 5);
    p.refundable_cents = std::max<std::int64_t>(0, bought.int64(r, 6));
    by_id[bought.int64(r, 0)]->recent_purchases.push_back(std::move(p));
  }
  return {};
}

Result<void> attach_card_history(Connection& db, const std::string& token, std::int64_t member_id) {
  RAPPORT_TRY_VOID(attach_card_purchases(db, token, member_id));
  RAPPORT_TRY(const auto attached, db.exec("UPDATE events SET member_id = $2 "
                                           "WHERE card_token = $1 AND member_id IS NULL",
                                           {param(token), param(member_id)}));
  if (attached.affected() == 0) return {};
  RAPPORT_TRY_VOID(
      db.exec("UPDATE notes SET member_id = $2 "
              "WHERE card_token = $1 AND member_id IS NULL",
              {param(token), param(member_id)}));
  return recount_visits(db, member_id);
}

Result<void> recount_visits(Connection& db, std::int64_t member_id) {
  RAPPORT_TRY_VOID(
      db.exec("UPDATE members m SET visit_count = v.n, last_visit = v.last, "
              "last_seen_at = v.seen FROM (SELECT count(*) AS n, "
              "max(occurred_at) AS last, max(least(occurred_at, received_at)) AS seen "
              "FROM events WHERE member_id = $1 AND kind = 'visit') v "
              "WHERE m.id = $1",
              {param(member_id)}));
  RAPPORT_TRY_VOID(
      db.exec("INSERT INTO member_store_visits(member_id, store_id, last_seen_at) "
              "SELECT member_id, store_id, max(least(occurred_at, received_at)) "
              "FROM events WHERE member_id = $1 AND kind = 'visit' "
              "GROUP BY member_id, store_id ON CONFLICT (member_id, store_id) DO "
              "UPDATE SET last_seen_at = greatest(member_store_visits.last_seen_at, "
              "excluded.last_seen_at)",
              {param(member_id)}));
  return {};
}

Result<std::vector<std::int64_t>> lock_members(Connection& db, std::vector<std::int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<std::int64_t> locked;
  if (ids.empty()) return locked;
  RAPPORT_TRY(const auto rows, db.exec("SELECT id FROM members WHERE id = ANY($1::bigint[]) "
                                       "ORDER BY id FOR NO KEY UPDATE",
                                       {param(id_array(ids))}));
  for (std::size_t r = 0; r < rows.size(); ++r) locked.push_back(rows.int64(r, 0));
  return locked;
}

Result<void> mark_changed(Connection& db, std::span<const std::int64_t> members) {
  if (members.empty()) return {};
  RAPPORT_TRY_VOID(
      db.exec("UPDATE members SET changed_seq = nextval('member_change_seq') "
              "WHERE id = ANY($1::bigint[])",
              {param(id_array(members))}));
  return {};
}

}  // namespace rapport::server::pg
