// server/storage/pg_purchases.cpp
#include "server/storage/pg_purchases.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <string_view>
#include <utility>

#include "server/storage/pg_members.h"
#include "server/storage/sqlite_usual_order.h"
#include "shared/protocol/event_payloads.h"

namespace rapport::server::pg {
namespace {

using domain::EventKind;

std::optional<std::int64_t> margin_of(const protocol::PurchasePayload& purchase) {
  std::optional<std::int64_t> margin;
  for (const auto& line : purchase.lines) {
    if (line.margin_cents) margin = margin.value_or(0) + *line.margin_cents;
  }
  return margin;
}

// Spend and lines per (member, category), summed here: one upsert may not touch a row twice.
using CategorySpend = std::map<std::pair<std::int64_t, std::string>, std::pair<std::int64_t, std::int64_t>>;

void add_lines(CategorySpend& spend, std::int64_t member, const protocol::PurchasePayload& purchase) {
  for (const auto& line : purchase.lines) {
    auto& [cents, lines] = spend[{member, line.category}];
    cents += line.amount_cents;
    ++lines;
  }
}

Result<void> upsert_categories(Connection& db, const CategorySpend& spend) {
  if (spend.empty()) return {};
  std::vector<Param> members, categories, cents, lines;
  for (const auto& [key, value] : spend) {
    members.push_back(param(key.first));
    categories.push_back(key.second);
    cents.push_back(param(value.first));
    lines.push_back(param(value.second));
  }
  RAPPORT_TRY_VOID(db.exec(
      "INSERT INTO member_categories(member_id, category, spend_cents, lines) "
      "SELECT * FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bigint[]) "
      "ON CONFLICT (member_id, category) DO UPDATE SET "
      "spend_cents = member_categories.spend_cents + excluded.spend_cents, "
      "lines = member_categories.lines + excluded.lines",
      {text_array(members), text_array(categories), text_array(cents), text_array(lines)}));
  return {};
}

// Revenue and margin are net of refunds; a refund takes back margin in proportion (integer
// division truncating toward zero, as SQLite's). `m.id = ANY(...)` besides the join: without
// it the planner hashed the whole members table for a few hundred ids (a scan of every
// member per batch).
Result<void> recount_totals(Connection& db, std::span<const std::int64_t> members) {
  if (members.empty()) return {};
  RAPPORT_TRY_VOID(db.exec(
      "UPDATE members m SET purchase_days = s.days, first_purchase_day = s.first, "
      "last_purchase_day = s.last, revenue_cents = s.revenue, margin_cents = s.margin "
      "FROM (SELECT u.id, count(DISTINCT p.day) AS days, min(p.day) AS first, "
      "  max(p.day) AS last, coalesce(sum(p.amount_cents - p.refunded_cents), 0) AS revenue, "
      "  coalesce(sum(p.margin_cents - p.margin_cents * p.refunded_cents / "
      "    greatest(p.amount_cents, 1)) FILTER (WHERE p.margin_cents IS NOT NULL), 0) AS margin "
      "  FROM unnest($1::bigint[]) AS u(id) LEFT JOIN purchases p ON p.member_id = u.id "
      "  GROUP BY u.id) s WHERE m.id = s.id AND m.id = ANY($1::bigint[])",
      {param(id_array(members))}));
  return {};
}

// Takes back `cents` (a refund) or all that is left (a void, no cents) of `purchase_id`;
// the member whose totals change, if the purchase is here and has one.
Result<std::optional<std::int64_t>> take_back(Connection& db, const domain::Event& e,
                                              const std::string& purchase_id,
                                              std::optional<std::int64_t> cents) {
  // FOR UPDATE: two instances refunding one purchase at once take turns, so together they
  // never take back more than it cost.
  RAPPORT_TRY(const auto found, db.exec("SELECT member_id, amount_cents - refunded_cents "
                                        "FROM purchases WHERE event_id = $1 FOR UPDATE",
                                        {param(purchase_id)}));
  if (found.empty()) {
    // Kept in events; applied when the purchase arrives (apply_purchases looks for it).
    spdlog::info("event {}: {} of purchase {} that has not arrived yet; applied when it does",
                 e.id, domain::to_string(e.kind), purchase_id);
    return std::optional<std::int64_t>{};
  }
  const auto member = found.optional_int64(0, 0);
  const std::int64_t left = found.int64(0, 1);
  const std::int64_t give = std::min(left, cents.value_or(left));
  if (cents && *cents > left) {
    spdlog::warn("event {}: refund of {} cents exceeds the {} left on purchase {}; took back {}",
                 e.id, *cents, left, purchase_id, give);
  }
  RAPPORT_TRY_VOID(db.exec("UPDATE purchases SET refunded_cents = refunded_cents + $2 "
                           "WHERE event_id = $1",
                           {param(purchase_id), param(give)}));
  return member;
}

// A refund or void event's purchase and amount (none: a void, everything left).
Result<std::pair<std::string, std::optional<std::int64_t>>> taken_back(const domain::Event& e) {
  if (e.kind == EventKind::kVoid) {
    RAPPORT_TRY(const auto cancelled, protocol::decode_void(e.payload));
    return std::pair{cancelled.purchase_id, std::optional<std::int64_t>{}};
  }
  RAPPORT_TRY(const auto refund, protocol::decode_refund(e.payload));
  return std::pair{refund.purchase_id, std::optional<std::int64_t>{refund.amount_cents}};
}

// The members' usual orders derived again (sqlite_usual_order.h has the rule): of their last
// kUsualOrderPurchases purchases not taken back in full, the product in the most of them (at
// least kUsualOrderMinPurchases); ties to the most recent, then the first by name. One
// statement for all the members, not a subquery per member: while a new database's tables
// have no statistics yet (autovacuum analyzes after its first minute) the planner scans
// them, and a scan per member grew a batch to seconds; this way it is one scan at worst.
// purchases.seq (insertion order) breaks ties between purchases of one instant, as SQLite's
// rowid does.
Result<void> update_usual_orders(Connection& db, std::span<const std::int64_t> members) {
  if (members.empty()) return {};
  const std::string sql =
      "WITH recent AS (SELECT p.member_id, p.event_id, p.occurred_at, row_number() OVER ("
      "    PARTITION BY p.member_id ORDER BY p.occurred_at DESC, p.seq DESC) AS rank "
      "  FROM purchases p WHERE p.member_id = ANY($1::bigint[]) "
      "  AND NOT (p.refunded_cents > 0 AND p.refunded_cents >= p.amount_cents)), "
      "counted AS (SELECT r.member_id, pp.product, count(*) AS n, max(r.occurred_at) AS last "
      "  FROM recent r JOIN purchase_products pp ON pp.event_id = r.event_id "
      "  WHERE r.rank <= " +
      std::to_string(sqlite::kUsualOrderPurchases) +
      "  GROUP BY r.member_id, pp.product HAVING count(*) >= " +
      std::to_string(sqlite::kUsualOrderMinPurchases) +
      "), best AS (SELECT DISTINCT ON (member_id) member_id, product FROM counted "
      "  ORDER BY member_id, n DESC, last DESC, product) "
      "UPDATE members m SET usual_order = u.product FROM ("
      "  SELECT ids.id, best.product FROM unnest($1::bigint[]) AS ids(id) "
      "  LEFT JOIN best ON best.member_id = ids.id) u "
      "WHERE m.id = u.id AND m.id = ANY($1::bigint[]) AND m.erased_at IS NULL "
      "AND m.usual_order IS DISTINCT FROM u.product";
  RAPPORT_TRY_VOID(db.exec(sql, {param(id_array(members))}));
  return {};
}

}  // namespace

Result<std::vector<std::int64_t>> apply_purchases(Connection& db,
                                                  std::span<const StoredEvent> run) {
  std::vector<const StoredEvent*> purchases;
  std::vector<const StoredEvent*> take_backs;
  for (const auto& s : run) {
    if (s.event->kind == EventKind::kPurchase) purchases.push_back(&s);
    if (s.event->kind == EventKind::kRefund || s.event->kind == EventKind::kVoid) {
      take_backs.push_back(&s);
    }
  }
  std::vector<std::int64_t> changed;
  if (purchases.empty() && take_backs.empty()) return changed;
  for (const auto* s : purchases) {
    if (s->member) changed.push_back(*s->member);
  }
  // A refund's member is its purchase's; lock those known now, the rest as found.
  RAPPORT_TRY(changed, lock_members(db, std::move(changed)));

  CategorySpend spend;
  if (!purchases.empty()) {
    std::vector<Param> ids, members, tokens, stores, days, amounts, margins, times;
    std::vector<Param> product_purchases, products;  // each product once per purchase
    for (const auto* s : purchases) {
      const auto& e = *s->event;
      const auto purchase = protocol::decode_purchase(e.payload);
      if (!purchase) return purchase.error();  // checked on decode: cannot happen
      ids.push_back(e.id);
      members.push_back(param(s->member));
      tokens.push_back(e.card_token);
      stores.push_back(e.store_id);
      // The terminal's calendar day (UTC): purchase models count days with a purchase.
      days.push_back(e.occurred_at.substr(0, 10));
      amounts.push_back(param(purchase->total_cents));
      margins.push_back(param(margin_of(*purchase)));
      times.push_back(e.occurred_at);
      if (s->member) add_lines(spend, *s->member, *purchase);
      std::set<std::string_view> seen;
      for (const auto& line : purchase->lines) {
        if (!seen.insert(line.product).second) continue;
        product_purchases.push_back(e.id);
        products.push_back(line.product);
      }
    }
    RAPPORT_TRY_VOID(db.exec(
        "INSERT INTO purchases(event_id, member_id, card_token, store_id, day, amount_cents, "
        "margin_cents, occurred_at) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], "
        "$4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::text[])",
        {text_array(ids), text_array(members), text_array(tokens), text_array(stores),
         text_array(days), text_array(amounts), text_array(margins), text_array(times)}));
    RAPPORT_TRY_VOID(upsert_categories(db, spend));
    // What was bought, for the usual order.
    RAPPORT_TRY_VOID(db.exec("INSERT INTO purchase_products(event_id, product) SELECT * FROM "
                             "unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING",
                             {text_array(product_purchases), text_array(products)}));

    // Refunds and voids stored by earlier batches before their purchase arrived (this run's
    // own are applied below, once, wherever they stand in it).
    std::vector<Param> run_ids;
    for (const auto& s : run) run_ids.push_back(s.event->id);
    RAPPORT_TRY(const auto early,
                db.exec("SELECT id, kind, payload FROM events WHERE kind IN ('refund', 'void') "
                        "AND (payload::jsonb) ->> 'purchase_id' = ANY($1::text[]) "
                        "AND NOT (id = ANY($2::text[])) ORDER BY seq",
                        {text_array(ids), text_array(run_ids)}));
    for (std::size_t r = 0; r < early.size(); ++r) {
      domain::Event refund;
      refund.id = early.text(r, 0);
      refund.kind = early.text(r, 1) == "void" ? EventKind::kVoid : EventKind::kRefund;
      refund.payload = early.text(r, 2);
      RAPPORT_TRY(const auto what, taken_back(refund));
      RAPPORT_TRY(const auto member, take_back(db, refund, what.first, what.second));
      if (member) changed.push_back(*member);
    }
  }
  for (const auto* s : take_backs) {
    RAPPORT_TRY(const auto what, taken_back(*s->event));
    RAPPORT_TRY(const auto member, take_back(db, *s->event, what.first, what.second));
    if (member) changed.push_back(*member);
  }
  // Adds the refunded purchases' members.
  RAPPORT_TRY(changed, lock_members(db, std::move(changed)));
  RAPPORT_TRY_VOID(recount_totals(db, changed));
  RAPPORT_TRY_VOID(update_usual_orders(db, changed));
  return changed;
}

Result<void> recount_purchases(Connection& db, std::span<const std::int64_t> members) {
  RAPPORT_TRY_VOID(recount_totals(db, members));
  return update_usual_orders(db, members);
}

Result<void> attach_card_purchases(Connection& db, const std::string& token,
                                   std::int64_t member_id) {
  RAPPORT_TRY(const auto attached,
              db.exec("UPDATE purchases p SET member_id = $2 FROM events e "
                      "WHERE p.card_token = $1 AND p.member_id IS NULL AND e.id = p.event_id "
                      "RETURNING e.payload",
                      {param(token), param(member_id)}));
  if (attached.empty()) return {};
  CategorySpend spend;
  for (std::size_t r = 0; r < attached.size(); ++r) {
    if (const auto purchase = protocol::decode_purchase(attached.text(r, 0)); purchase) {
      add_lines(spend, member_id, *purchase);
    }
  }
  RAPPORT_TRY_VOID(upsert_categories(db, spend));
  std::vector<std::int64_t> member{member_id};
  RAPPORT_TRY(member, lock_members(db, std::move(member)));
  return recount_purchases(db, member);
}

}  // namespace rapport::server::pg
