// server/storage/sqlite_purchases.cpp
#include "server/storage/sqlite_purchases.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

#include "server/storage/sqlite_usual_order.h"
#include "shared/protocol/event_payloads.h"

namespace rapport::server::sqlite {
namespace {

using storage::Statement;

// Revenue and margin are net of refunds; a refund takes back margin in proportion.
constexpr std::string_view kRecountTotals =
    "UPDATE members SET "
    "purchase_days = (SELECT count(DISTINCT day) FROM purchases WHERE member_id = ?1), "
    "first_purchase_day = (SELECT min(day) FROM purchases WHERE member_id = ?1), "
    "last_purchase_day = (SELECT max(day) FROM purchases WHERE member_id = ?1), "
    "revenue_cents = (SELECT coalesce(sum(amount_cents - refunded_cents), 0) FROM purchases "
    "  WHERE member_id = ?1), "
    "margin_cents = (SELECT coalesce(sum(margin_cents - margin_cents * refunded_cents / "
    "  max(amount_cents, 1)), 0) FROM purchases WHERE member_id = ?1 AND margin_cents IS NOT NULL) "
    "WHERE id = ?1";

Result<void> add_categories(storage::Database& db, std::int64_t member_id,
                            const protocol::PurchasePayload& purchase,
                            std::optional<Statement>& statement) {
  if (!statement) {
    RAPPORT_TRY(statement, db.prepare("INSERT INTO member_categories(member_id, category, "
                                      "spend_cents, lines) VALUES (?1, ?2, ?3, 1) "
                                      "ON CONFLICT(member_id, category) DO UPDATE SET "
                                      "spend_cents = spend_cents + excluded.spend_cents, "
                                      "lines = lines + 1"));
  }
  for (const auto& line : purchase.lines) {
    RAPPORT_TRY_VOID(
        statement->bind(1, member_id).bind(2, line.category).bind(3, line.amount_cents).run());
  }
  return {};
}

std::optional<std::int64_t> margin_of(const protocol::PurchasePayload& purchase) {
  std::optional<std::int64_t> margin;
  for (const auto& line : purchase.lines) {
    if (line.margin_cents) margin = margin.value_or(0) + *line.margin_cents;
  }
  return margin;
}

}  // namespace

Result<void> recount_totals(storage::Database& db, std::int64_t member_id) {
  RAPPORT_TRY(auto recount, db.prepare(kRecountTotals));
  return recount.bind(1, member_id).run();
}

Result<void> PurchaseBook::record_purchase(const domain::Event& e,
                                           std::optional<std::int64_t> member) {
  const auto purchase = protocol::decode_purchase(e.payload);
  if (!purchase) return purchase.error();  // checked on decode: cannot happen
  // The terminal's calendar day (UTC): purchase models count days with a purchase.
  const std::string day = e.occurred_at.substr(0, 10);
  if (!insert_) {
    RAPPORT_TRY(insert_, db_.prepare("INSERT INTO purchases(event_id, member_id, card_token, "
                                     "store_id, day, amount_cents, margin_cents, occurred_at) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  }
  insert_->bind(1, e.id)
      .bind_optional(2, member)
      .bind(3, e.card_token)
      .bind(4, e.store_id)
      .bind(5, day)
      .bind(6, purchase->total_cents)
      .bind_optional(7, margin_of(*purchase))
      .bind(8, e.occurred_at);
  RAPPORT_TRY_VOID(insert_->run());
  // What was bought, for the usual order (sqlite_usual_order.h).
  RAPPORT_TRY_VOID(add_purchase_products(db_, e.id, *purchase));

  // A refund or void that arrived first (from another terminal) applies now.
  if (!taken_back_) {
    RAPPORT_TRY(taken_back_, db_.prepare("SELECT id, kind, payload FROM events WHERE kind IN "
                                         "('refund', 'void') AND json_extract(payload, "
                                         "'$.purchase_id') = ?1"));
  }
  Statement& early = *taken_back_;
  early.bind(1, e.id);
  std::vector<domain::Event> early_refunds;
  for (;;) {
    auto row = early.step();
    if (!row) return row.error();
    if (!*row) break;
    domain::Event refund;
    refund.id = early.column_text(0);
    refund.kind = early.column_text(1) == "void" ? domain::EventKind::kVoid
                                                  : domain::EventKind::kRefund;
    refund.payload = early.column_text(2);
    early_refunds.push_back(std::move(refund));
  }
  early.reset();
  const bool taken_back = !early_refunds.empty();
  for (const auto& refund : early_refunds) {
    RAPPORT_TRY_VOID(refund.kind == domain::EventKind::kVoid ? record_void(refund)
                                                               : record_refund(refund));
  }
  if (!member) return {};
  RAPPORT_TRY_VOID(add_categories(db_, *member, *purchase, category_));
  if (taken_back) return {};  // record_refund recounted the member already

  if (!same_day_) {
    RAPPORT_TRY(same_day_, db_.prepare("SELECT count(*) FROM purchases WHERE member_id = ?1 "
                                       "AND day = ?2"));
    RAPPORT_TRY(member_totals_,
                db_.prepare("UPDATE members SET purchase_days = purchase_days + ?3, "
                            "first_purchase_day = CASE WHEN first_purchase_day IS NULL OR "
                            "  first_purchase_day > ?2 THEN ?2 ELSE first_purchase_day END, "
                            "last_purchase_day = CASE WHEN last_purchase_day IS NULL OR "
                            "  last_purchase_day < ?2 THEN ?2 ELSE last_purchase_day END, "
                            "revenue_cents = revenue_cents + ?4, "
                            "margin_cents = margin_cents + ?5 WHERE id = ?1"));
  }
  same_day_->bind(1, *member).bind(2, day);
  auto counted = same_day_->step();
  if (!counted) return counted.error();
  const bool first_that_day = *counted && same_day_->column_int64(0) == 1;
  same_day_->reset();
  return member_totals_->bind(1, *member)
      .bind(2, day)
      .bind(3, std::int64_t{first_that_day ? 1 : 0})
      .bind(4, purchase->total_cents)
      .bind(5, margin_of(*purchase).value_or(0))
      .run();
}

Result<void> PurchaseBook::record_refund(const domain::Event& e) {
  RAPPORT_TRY(const auto refund, protocol::decode_refund(e.payload));
  return take_back(e, refund.purchase_id, refund.amount_cents);
}

Result<void> PurchaseBook::record_void(const domain::Event& e) {
  RAPPORT_TRY(const auto cancelled, protocol::decode_void(e.payload));
  return take_back(e, cancelled.purchase_id, std::nullopt);
}

Result<void> PurchaseBook::take_back(const domain::Event& e, const std::string& purchase_id,
                                     std::optional<std::int64_t> cents) {
  RAPPORT_TRY(auto find, db_.prepare("SELECT member_id, amount_cents - refunded_cents FROM "
                                     "purchases WHERE event_id = ?1"));
  find.bind(1, purchase_id);
  RAPPORT_TRY(const bool row, find.step());
  if (!row) {
    // Kept in events; applied when the purchase arrives (record_purchase looks for it).
    spdlog::info("event {}: {} of purchase {} that has not arrived yet; applied when it does",
                 e.id, domain::to_string(e.kind), purchase_id);
    return {};
  }
  // A plain id and flag: GCC 12 at -O2 warns (wrongly) about an optional built here.
  const bool has_member = !find.column_is_null(0);
  const std::int64_t member_id = has_member ? find.column_int64(0) : 0;
  const std::int64_t left = find.column_int64(1);
  const std::int64_t give = std::min(left, cents.value_or(left));
  if (cents && *cents > left) {
    spdlog::warn("event {}: refund of {} cents exceeds the {} left on purchase {}; took back {}",
                 e.id, *cents, left, purchase_id, give);
  }
  RAPPORT_TRY(auto update, db_.prepare("UPDATE purchases SET refunded_cents = refunded_cents + "
                                       "?2 WHERE event_id = ?1"));
  RAPPORT_TRY_VOID(update.bind(1, purchase_id).bind(2, give).run());
  if (has_member) return recount_totals(db_, member_id);
  return {};
}

Result<void> attach_card_purchases(storage::Database& db, const std::string& token,
                                   std::int64_t member_id) {
  RAPPORT_TRY(auto unattached, db.prepare("SELECT e.payload FROM purchases p JOIN events e ON "
                                          "e.id = p.event_id WHERE p.card_token = ?1 AND "
                                          "p.member_id IS NULL"));
  unattached.bind(1, token);
  std::optional<Statement> category;
  bool any = false;
  for (;;) {
    RAPPORT_TRY(const bool row, unattached.step());
    if (!row) break;
    any = true;
    if (const auto purchase = protocol::decode_purchase(unattached.column_text(0)); purchase) {
      RAPPORT_TRY_VOID(add_categories(db, member_id, *purchase, category));
    }
  }
  if (!any) return {};
  RAPPORT_TRY(auto attach, db.prepare("UPDATE purchases SET member_id = ?2 WHERE card_token = ?1 "
                                      "AND member_id IS NULL"));
  RAPPORT_TRY_VOID(attach.bind(1, token).bind(2, member_id).run());
  RAPPORT_TRY_VOID(recount_totals(db, member_id));
  // The callers mark the member changed (a card enrolled or linked) whatever this says.
  RAPPORT_TRY(const bool changed, update_usual_order(db, member_id));
  static_cast<void>(changed);
  return {};
}

}  // namespace rapport::server::sqlite
