// server/dashboard/dashboard_handler.h
//
// The store manager's dashboard as a pure request -> response function over StaffStore
// (like the sync handler): static pages and assets built into the binary, login and logout
// with session cookies, and the JSON/CSV/HTML reads. Every request is checked here, on the
// server: a live session, a role that may use the dashboard, the store scope of whatever it
// reads, and the session's CSRF token on every state-changing request
// (docs/dashboard.md, "Access").
//
// Threading: called on the dashboard listener's one I/O thread only; it owns its sessions
// and login throttle without locks. Login hashes a password (~0.3 s) on that thread.

#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "server/dashboard/login_throttle.h"
#include "server/dashboard/sessions.h"
#include "server/reports/report.h"
#include "server/storage/staff_store.h"
#include "shared/crypto/password_hash.h"
#include "shared/net/https.h"

namespace rapport::server {

struct Target;  // request_parts.h
class MemberRightsStore;  // server/storage/member_rights_store.h

struct DashboardOptions {
  SessionLimits sessions;
  ThrottleLimits throttle;
  std::size_t table_rows = 500;  // rows of the regulars and visitors tables (and their CSV)
  std::size_t history_rows = 200;  // lines of a member's history on their page
  std::size_t report_page_rows = 1000;  // rows of a report's page (its CSV has them all)
  reports::ReportSettings reports;  // from config/rewards.toml (the liability's value)
  // The cost passwords are kept at: a stored hash below it is replaced at the next login.
  crypto::ScryptParams password_cost = crypto::kDefaultScrypt;
};

// The session cookie's name: __Host- makes browsers insist on Secure, Path=/, no Domain.
inline constexpr std::string_view kSessionCookie = "__Host-rapport-session";
inline constexpr std::string_view kCsrfHeader = "x-csrf-token";

class DashboardHandler {
 public:
  using Clock = std::function<TimePoint()>;

  // `store` must outlive the handler. `clock` defaults to the system clock (tests pass theirs).
  DashboardHandler(StaffStore& store, DashboardOptions options, Clock clock = {});

  [[nodiscard]] net::HttpResponse handle(const net::HttpRequest& request);

  // The members' rights store behind the member page's "Export data" and "Erase member"
  // (docs/members-rights.md, "From the dashboard"); it must outlive the handler and is used
  // on the handler's thread only. Unset (null): those endpoints answer 503.
  void set_member_rights(MemberRightsStore* rights) { rights_ = rights; }

 private:
  struct Caller;  // the request's session and user, once authenticated
  struct Routed;

  net::HttpResponse route(const net::HttpRequest& request);
  net::HttpResponse login(const net::HttpRequest& request);
  net::HttpResponse logout(const net::HttpRequest& request, const Caller& caller);
  net::HttpResponse session_info(const Caller& caller);
  net::HttpResponse regulars(const net::HttpRequest& request, const Caller& caller,
                             const std::string& store_id, bool csv);
  net::HttpResponse visitors(const net::HttpRequest& request, const Caller& caller,
                             const std::string& store_id);
  net::HttpResponse member(const net::HttpRequest& request, const Caller& caller,
                           const std::string& id_text, bool page);
  net::HttpResponse charts(const net::HttpRequest& request, const Caller& caller,
                           const std::string& store_id);
  // GET /api/stores/S/TABLE.csv for the page's other tables (regulars has its own route).
  net::HttpResponse table_csv(const net::HttpRequest& request, const Caller& caller,
                              const std::string& store_id, std::string_view table);
  net::HttpResponse owners(const net::HttpRequest& request, const Caller& caller,
                           const std::string& store_id);
  net::HttpResponse overview(const net::HttpRequest& request, const Caller& caller,
                             const std::string& store_id);
  net::HttpResponse follow_ups(const net::HttpRequest& request, const Caller& caller,
                               const std::string& store_id);
  // POST /api/members/ID/owner?user=STAFF_ID
  net::HttpResponse assign_owner(const net::HttpRequest& request, const Caller& caller,
                                 const std::string& id_text, const std::string& owner_text);
  // POST /api/follow-ups/ID/close
  net::HttpResponse close_follow_up(const net::HttpRequest& request, const Caller& caller,
                                    const std::string& id_text);
  // POST /api/members/ID/home-store?store=S
  net::HttpResponse move_member(const net::HttpRequest& request, const Caller& caller,
                                const std::string& id_text, const std::string& store_id);
  // POST /api/members/KEEP/merge?from=MERGED
  net::HttpResponse merge_members(const net::HttpRequest& request, const Caller& caller,
                                  const std::string& keep_text, const std::string& merge_text);
  // GET /api/members/ID/export.json and POST /api/members/ID/erase?confirm=ID&reason=R:
  // head office and administrators only, audited before they happen.
  net::HttpResponse export_member(const net::HttpRequest& request, const Caller& caller,
                                  const std::string& id_text);
  net::HttpResponse erase_member(const net::HttpRequest& request, const Caller& caller,
                                 const std::string& id_text, const Target& target);
  // Head-office reports (report_routes.cpp; docs/dashboard.md, "Reports"): GET /reports,
  // /reports/NAME and /api/reports/NAME.csv (streamed), for head office and administrators.
  net::HttpResponse reports_route(const net::HttpRequest& request, const Caller& caller,
                                  const Target& target);
  net::HttpResponse report_csv(const net::HttpRequest& request, const Caller& caller,
                               const Target& target);
  // nullopt when the request carries no live session of an existing, enabled user.
  std::optional<Caller> authenticate(const net::HttpRequest& request);
  std::vector<std::string> readable_stores(const StaffUser& user);
  // False when the audit log could not be written (the read is then refused).
  bool audit(const net::HttpRequest& request, const StaffUser* user, std::string_view name,
             std::string_view action, std::string_view object, std::string_view outcome);

  StaffStore& store_;
  DashboardOptions options_;
  Clock clock_;
  SessionTable sessions_;
  LoginThrottle throttle_;
  MemberRightsStore* rights_ = nullptr;  // not owned; null: no export or erasure here
  std::string dummy_hash_;  // verified for unknown names, so timing does not tell them apart
};

}  // namespace rapport::server
