// server/dashboard/views.h
//
// How the dashboard shows what StaffStore read: JSON for the page's script, CSV for
// exports, and the small server-rendered HTML pages. Pure functions of their rows; every
// text from the database is escaped for where it goes (HTML, CSV with formula guard, JSON).

#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "server/dashboard/staff.h"
#include "server/storage/staff_store.h"

namespace rapport::server {

[[nodiscard]] std::string html_escape(std::string_view text);
// One CSV field: quoted when needed; a leading = + - @ (a spreadsheet formula) gets a '.
[[nodiscard]] std::string csv_field(std::string_view text);
// The one CSV writer of every table export: a header line and one line per row, CRLF, each
// field through csv_field except plain numbers ("-12.50" stays a number, not a formula).
using CsvRow = std::vector<std::string>;
[[nodiscard]] std::string csv_table(const CsvRow& header, const std::vector<CsvRow>& rows);
// The dashboard's other tables as CSV, the same columns as on the page.
[[nodiscard]] std::string follow_ups_csv(const std::vector<FollowUp>& rows);
[[nodiscard]] std::string visitors_csv(const std::vector<VisitorRow>& rows);
[[nodiscard]] std::string members_csv(const std::vector<NamedMember>& rows, std::string_view when);
[[nodiscard]] std::string offers_csv(const std::vector<OfferResult>& rows);
[[nodiscard]] std::string owners_csv(const std::vector<OwnerResult>& rows);
// Owners' results; `retention` is null when none of their customers was active before.
[[nodiscard]] std::string owners_json(std::string_view store_id, std::string_view today,
                                      const std::vector<OwnerResult>& rows);

[[nodiscard]] std::string user_json(const StaffUser& user, const std::vector<std::string>& stores,
                                    std::string_view csrf_token);
// `values_computed`: false before the first value refresh (the page says so instead of
// showing empty value columns as if they were data).
// `owners`: who may be made a relationship owner of the store's members (the page's choice).
// A most valuable customer (MVC) without an owner, or whose owner is disabled, is flagged
// `needs_owner`.
[[nodiscard]] std::string regulars_json(std::string_view store_id,
                                        const std::vector<RegularRow>& rows,
                                        bool values_computed,
                                        const std::vector<OwnerCandidate>& owners);
[[nodiscard]] bool needs_owner(const RegularRow& row);
// Open follow-ups; `mine` is set on those whose member `caller` owns.
[[nodiscard]] std::string follow_ups_json(std::string_view store_id,
                                          const std::vector<FollowUp>& rows,
                                          std::string_view caller);
[[nodiscard]] std::string regulars_csv(const std::vector<RegularRow>& rows);
[[nodiscard]] std::string visitors_json(std::string_view store_id,
                                        const std::vector<VisitorRow>& rows);

// A member as the caller may see them: everything here with `full`, otherwise only the
// visits at the caller's stores.
struct MemberView {
  MemberOverview member;
  bool full = false;
  std::vector<StoreVisits> visits;  // at the caller's stores
  std::optional<MemberDetail> detail;  // with `full` only
  bool rights = false;  // the caller may export and erase the member (may_exercise_member_rights)
};
[[nodiscard]] std::string member_json(const MemberView& view);
// The regulars page's charts: labels and one dataset each (docs/dashboard.md, "Charts").
[[nodiscard]] std::string charts_json(std::string_view store_id, const StoreCharts& charts);
// New members, upcoming birthdays and offers; each list empty (never invented) when so.
[[nodiscard]] std::string overview_json(std::string_view store_id, std::string_view today,
                                        const StoreOverview& overview);
// The answer to a merge: who survived, who was merged, and what moved.
[[nodiscard]] std::string merge_json(std::int64_t keep, std::int64_t merged,
                                     const MergeOutcome& outcome);
// The answer to moving a member to another home store: `moved` false when it was home already.
[[nodiscard]] std::string move_json(std::int64_t member, std::string_view home_store, bool moved);
[[nodiscard]] std::string member_page(const MemberView& view);
// A whole page saying why (403, 404), with a link home.
[[nodiscard]] std::string message_page(std::string_view title, std::string_view message);

}  // namespace rapport::server
