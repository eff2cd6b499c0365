// terminal/screen/member_panel.cpp
#include "terminal/screen/member_panel.h"

#include <algorithm>
#include <boost/json/array.hpp>

namespace rapport::terminal {

Result<std::optional<boost::json::object>> MemberPanel::of(const std::string& card_token) {
  RAPPORT_TRY(const auto holder, cache_.find_by_token(card_token));
  if (!holder) return std::optional<boost::json::object>{};
  const auto& member = holder->member;
  RAPPORT_TRY(const auto owed, outbox_.pending_points(member.id));
  RAPPORT_TRY(const auto visits, outbox_.pending_visits(member.id));
  RAPPORT_TRY(const auto offers, cache_.offers_of(member.id));
  RAPPORT_TRY(const auto sales, sales_.recent(member.id, kSalesShown));

  boost::json::object panel;
  const std::int64_t points = member.points_balance.value_or(0) + owed;
  if (member.points_balance || owed != 0) panel["points_balance"] = points;
  panel["visit_count"] = member.visit_count + visits.count;
  boost::json::array listed;
  for (const auto& offer : offers) {
    listed.push_back(
        boost::json::object{{"id", offer.id},
                            {"name", offer.name},
                            {"kind", offer.kind},
                            {"points", offer.points},
                            {"to_go", std::max<std::int64_t>(0, offer.points - points)}});
  }
  panel["offers"] = std::move(listed);
  boost::json::array refundable;
  for (const auto& sale : sales) {
    refundable.push_back(boost::json::object{
        {"id", sale.event_id},
        {"at", sale.occurred_at},
        {"summary", sale.summary},
        {"total_cents", sale.total_cents},
        {"refundable_cents", std::max<std::int64_t>(0, sale.total_cents - sale.refunded_cents)},
        {"store", sale.store_id}});
  }
  panel["sales"] = std::move(refundable);
  return std::optional<boost::json::object>{std::move(panel)};
}

}  // namespace rapport::terminal
