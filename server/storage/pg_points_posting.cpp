// server/storage/pg_points_posting.cpp
#include "server/storage/pg_points_posting.h"

#include <algorithm>
#include <set>

namespace rapport::server::pg {

Result<Written> write_postings(Connection& db, const std::vector<Posting>& postings) {
  Written written;
  if (postings.empty()) return written;
  std::vector<Param> kinds, causes, events, purchases, reasons, staff, times;
  std::vector<Param> leg_causes, accounts, members, points;
  for (const auto& p : postings) {
    kinds.push_back(p.kind);
    causes.push_back(p.cause);
    events.push_back(p.event_id);
    purchases.push_back(p.purchase_id);
    reasons.push_back(p.reason);
    staff.push_back(p.staff_user);
    times.push_back(p.occurred_at);
    for (const auto& leg : p.legs) {
      leg_causes.push_back(p.cause);
      accounts.push_back(leg.account);
      members.push_back(param(leg.member));
      points.push_back(param(leg.points));
    }
  }
  RAPPORT_TRY(
      const auto rows,
      db.exec(
          "WITH p AS (INSERT INTO points_postings(kind, cause, event_id, purchase_id, "
          "reason, staff_user, occurred_at, posted_at) SELECT u.kind, u.cause, u.event_id, "
          "u.purchase_id, u.reason, u.staff_user, u.occurred_at, $8::text FROM "
          "unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], "
          "$7::text[]) WITH ORDINALITY AS u(kind, cause, event_id, purchase_id, reason, "
          "staff_user, occurred_at, ord) ORDER BY u.ord "
          "ON CONFLICT (cause) DO NOTHING RETURNING id, cause) "
          "INSERT INTO points_entries(posting_id, account, member_id, points) "
          "SELECT p.id, l.account, l.member_id, l.points FROM unnest($9::text[], "
          "$10::text[], $11::bigint[], $12::bigint[]) AS l(cause, account, member_id, "
          "points) JOIN p ON p.cause = l.cause RETURNING posting_id, member_id",
          {text_array(kinds), text_array(causes), text_array(events), text_array(purchases),
           text_array(reasons), text_array(staff), text_array(times), now_iso8601(),
           text_array(leg_causes), text_array(accounts), text_array(members), text_array(points)}));
  std::set<std::int64_t> ids;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    ids.insert(rows.int64(r, 0));
    if (const auto m = rows.optional_int64(r, 1)) written.members.push_back(*m);
  }
  written.postings = ids.size();
  std::sort(written.members.begin(), written.members.end());
  written.members.erase(std::unique(written.members.begin(), written.members.end()),
                        written.members.end());
  return written;
}

}  // namespace rapport::server::pg
