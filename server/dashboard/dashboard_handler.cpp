// server/dashboard/dashboard_handler.cpp
//
// Routing and access control of the dashboard. Every route below the public ones (the
// login page, its assets, POST /api/login) passes authenticate(); every POST passes the CSRF
// check; every read of members passes the store-scope check and is written to the audit log.
#include "server/dashboard/dashboard_handler.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "server/dashboard/assets.h"
#include "server/dashboard/report_views.h"
#include "server/dashboard/request_parts.h"
#include "server/dashboard/views.h"
#include "shared/crypto/password_hash.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"
#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/storage/member_rights_store.h"

namespace rapport::server {
namespace {

// No inline script or style anywhere, nothing from another origin, no framing.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void add_security_headers(net::HttpResponse& response, bool cacheable) {
  response.headers.push_back({"Content-Security-Policy", std::string(kContentSecurityPolicy)});
  response.headers.push_back({"X-Content-Type-Options", "nosniff"});
  response.headers.push_back({"X-Frame-Options", "DENY"});
  response.headers.push_back({"Referrer-Policy", "no-referrer"});
  response.headers.push_back({"Cross-Origin-Opener-Policy", "same-origin"});
  response.headers.push_back({"Strict-Transport-Security", "max-age=31536000"});
  response.headers.push_back({"Cache-Control", cacheable ? "no-cache" : "no-store"});
}

net::HttpResponse json_response(unsigned status, std::string body) {
  return {status, "application/json; charset=utf-8", std::move(body)};
}

net::HttpResponse json_error(unsigned status, std::string_view message) {
  std::string body = R"({"error":")";
  for (const char c : message) {
    if (c == '"' || c == '\\') body += '\\';
    body += c;
  }
  return json_response(status, body + "\"}");
}

net::HttpResponse html_response(unsigned status, std::string body) {
  return {status, "text/html; charset=utf-8", std::move(body)};
}

net::HttpResponse redirect(std::string_view location) {
  net::HttpResponse response{303, "text/plain; charset=utf-8", "see " + std::string(location)};
  response.headers.push_back({"Location", std::string(location)});
  return response;
}

net::HttpResponse asset_response(std::string_view name) {
  const auto asset = find_asset(name);
  if (!asset) return json_error(404, "no such asset");
  return {200, std::string(asset->content_type), std::string(asset->bytes)};
}

std::string cookie_header(std::string_view token, std::chrono::seconds max_age) {
  return std::string(kSessionCookie) + "=" + std::string(token) +
         "; Path=/; Max-Age=" + std::to_string(max_age.count()) +
         "; HttpOnly; Secure; SameSite=Strict";
}

std::optional<std::int64_t> parse_id(std::string_view text) {
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc{} || end != text.data() + text.size() || id <= 0) return std::nullopt;
  return id;
}

bool is_json(std::string_view content_type) {
  return content_type.substr(0, 16) == "application/json";
}

// A browser names the page's origin on every POST; one that is not this server is another
// site's request (defence in depth beside SameSite cookies and the CSRF token). Requests
// without Origin (not from a browser) pass on to the token check.
bool foreign_origin(const net::HttpRequest& request) {
  const std::string_view origin = request.header("origin");
  if (origin.empty()) return false;
  return origin != "https://" + std::string(request.header("host"));
}

}  // namespace

struct DashboardHandler::Caller {
  std::string cookie;
  Session session;
  StaffUser user;
};

DashboardHandler::DashboardHandler(StaffStore& store, DashboardOptions options, Clock clock)
    : store_(store),
      options_(options),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      sessions_(options.sessions, store.sessions()),
      throttle_(options.throttle, store.sessions()),
      dummy_hash_(crypto::hash_password("no such user", options.password_cost).value()) {}

net::HttpResponse DashboardHandler::handle(const net::HttpRequest& request) {
  net::HttpResponse response = route(request);
  const bool cacheable = request.target.rfind("/assets/", 0) == 0 && response.status == 200;
  add_security_headers(response, cacheable);
  return response;
}

std::optional<DashboardHandler::Caller> DashboardHandler::authenticate(
    const net::HttpRequest& request) {
  auto cookie = cookie_value(request.header("cookie"), kSessionCookie);
  if (!cookie) return std::nullopt;
  auto session = sessions_.touch(*cookie, clock_());
  if (!session) return std::nullopt;
  auto account = store_.find_user(session->user_id);
  if (!account) {
    spdlog::error("dashboard: cannot read staff user {}: {}", session->user_id,
                  account.error().message());
    return std::nullopt;
  }
  // A disabled account, or a password changed since this session's login, ends it.
  if (!*account || (*account)->disabled ||
      (!session->credential.empty() && session->credential != (*account)->password_hash)) {
    sessions_.close(*cookie);
    return std::nullopt;
  }
  return Caller{std::move(*cookie), std::move(*session), std::move((*account)->user)};
}

std::vector<std::string> DashboardHandler::readable_stores(const StaffUser& user) {
  if (is_store_scoped(user.role)) return user.stores;
  auto all = store_.all_stores();
  return all ? std::move(*all) : std::vector<std::string>{};
}

bool DashboardHandler::audit(const net::HttpRequest& request, const StaffUser* user,
                             std::string_view name, std::string_view action,
                             std::string_view object, std::string_view outcome) {
  AuditEntry entry;
  entry.at = to_iso8601(clock_());
  if (user != nullptr) entry.user_id = user->id;
  entry.user_name = std::string(user != nullptr ? std::string_view(user->name) : name);
  entry.action = std::string(action);
  entry.object = std::string(object);
  entry.outcome = std::string(outcome);
  entry.remote = std::string(address_without_port(request.remote_address));
  if (auto written = store_.record_audit(entry); !written) {
    spdlog::error("dashboard: cannot write the audit log ({} {} {}): {}", entry.user_name, action,
                  object, written.error().message());
    return false;
  }
  return true;
}

net::HttpResponse DashboardHandler::route(const net::HttpRequest& request) {
  const auto target = parse_target(request.target);
  if (!target) return json_error(400, "malformed request target");
  const auto& path = target->segments;
  const bool get = request.method == "GET";
  const bool post = request.method == "POST";
  if (!get && !post) return json_error(405, "only GET and POST are used here");
  const bool api = !path.empty() && path[0] == "api";
  if (post && foreign_origin(request)) {
    (void)audit(request, nullptr, {}, "post", request.target, "foreign-origin");
    return json_error(403, "cross-site request refused");
  }

  // Public: the login page and the files it needs, and logging in.
  if (get && path.size() == 1 && path[0] == "login") return html_response(200, std::string(find_asset("login.html")->bytes));
  if (get && path.size() == 2 && path[0] == "assets") return asset_response(path[1]);
  if (post && path.size() == 2 && api && path[1] == "login") return login(request);

  auto caller = authenticate(request);
  if (!caller) {
    if (api) return json_error(401, "not logged in, or the session expired: log in again");
    return redirect("/login");
  }
  // Every state change carries the session's CSRF token, which only our own page can read.
  if (post && !tokens_equal(request.header(kCsrfHeader), caller->session.csrf_token)) {
    (void)audit(request, &caller->user, {}, "post", request.target, "csrf-refused");
    return json_error(403, "missing or wrong CSRF token: reload the page");
  }
  if (post && path.size() == 2 && api && path[1] == "logout") return logout(request, *caller);
  if (get && path.size() == 2 && api && path[1] == "session") return session_info(*caller);
  if (!may_use_dashboard(caller->user)) {
    (void)audit(request, &caller->user, {}, "open-dashboard", request.target, "denied");
    if (api) return json_error(403, "your role has no dashboard pages");
    return html_response(403, message_page("Not for your role",
                                           "Cashiers work at the counter; the dashboard is for "
                                           "store managers and head office."));
  }
  if (get && path.empty()) return html_response(200, std::string(find_asset("index.html")->bytes));
  if (get && !api && !path.empty() && path[0] == "reports" && path.size() <= 2) {
    return reports_route(request, *caller, *target);
  }
  if (get && api && path.size() == 3 && path[1] == "reports") {
    return report_csv(request, *caller, *target);
  }
  if (get && api && path.size() == 4 && path[1] == "stores") {
    if (path[3] == "regulars") return regulars(request, *caller, path[2], false);
    if (path[3] == "regulars.csv") return regulars(request, *caller, path[2], true);
    if (path[3] == "visitors") return visitors(request, *caller, path[2]);
    if (path[3] == "charts") return charts(request, *caller, path[2]);
    if (path[3] == "overview") return overview(request, *caller, path[2]);
    if (path[3] == "owners") return owners(request, *caller, path[2]);
    for (const std::string_view table :
         {"follow-ups", "visitors", "new-members", "birthdays", "offers", "owners"}) {
      if (path[3] == std::string(table) + ".csv") {
        return table_csv(request, *caller, path[2], table);
      }
    }
  }
  if (get && api && path.size() == 4 && path[1] == "stores" && path[3] == "follow-ups") {
    return follow_ups(request, *caller, path[2]);
  }
  if (post && api && path.size() == 4 && path[1] == "members" && path[3] == "owner") {
    const auto user = target->query.find("user");
    return assign_owner(request, *caller, path[2],
                        user == target->query.end() ? std::string() : user->second);
  }
  if (post && api && path.size() == 4 && path[1] == "members" && path[3] == "merge") {
    const auto from = target->query.find("from");
    return merge_members(request, *caller, path[2],
                         from == target->query.end() ? std::string() : from->second);
  }
  if (post && api && path.size() == 4 && path[1] == "members" && path[3] == "home-store") {
    const auto store = target->query.find("store");
    return move_member(request, *caller, path[2],
                       store == target->query.end() ? std::string() : store->second);
  }
  if (post && api && path.size() == 4 && path[1] == "follow-ups" && path[3] == "close") {
    return close_follow_up(request, *caller, path[2]);
  }
  if (get && api && path.size() == 4 && path[1] == "members" && path[3] == "export.json") {
    return export_member(request, *caller, path[2]);
  }
  if (post && api && path.size() == 4 && path[1] == "members" && path[3] == "erase") {
    return erase_member(request, *caller, path[2], *target);
  }
  if (get && api && path.size() == 3 && path[1] == "members") {
    return member(request, *caller, path[2], false);
  }
  if (get && path.size() == 2 && path[0] == "members") return member(request, *caller, path[1], true);
  if (api) return json_error(404, "no such API");
  return html_response(404, message_page("Not found", "There is no such page."));
}

net::HttpResponse DashboardHandler::login(const net::HttpRequest& request) {
  // A cross-site form cannot send JSON without the browser asking first (CORS), so insisting
  // on it keeps other sites from logging a browser in (login CSRF).
  if (!is_json(request.content_type)) return json_error(415, "send the login as application/json");
  const auto form = parse_login_form(request.body);
  if (!form) return json_error(400, "send {\"name\": ..., \"password\": ...}");
  const auto now = clock_();
  const std::string_view address = address_without_port(request.remote_address);
  if (throttle_.blocked(form->name, address, now)) {
    (void)audit(request, nullptr, form->name, "login", "", "throttled");
    auto refused = json_error(429, "too many failed logins: wait a few minutes and try again");
    refused.headers.push_back(
        {"Retry-After", std::to_string(options_.throttle.window.count())});
    return refused;
  }
  auto account = store_.find_user_by_name(form->name);
  if (!account) return json_error(503, "cannot read staff users now: try again");
  const bool known = *account && !(*account)->disabled;
  const auto verified =
      crypto::verify_password(form->password, known ? (*account)->password_hash : dummy_hash_);
  if (!known || !verified || !*verified) {
    throttle_.record_failure(form->name, address, now);
    (void)audit(request, nullptr, form->name, "login", "", "wrong-password");
    return json_error(401, "wrong name or password");
  }
  const StaffAccount& user = **account;
  throttle_.record_success(form->name);
  if (!may_use_dashboard(user.user)) {
    (void)audit(request, &user.user, {}, "login", "", "denied-role");
    return json_error(403, "your role has no dashboard pages");
  }
  std::string credential = user.password_hash;
  if (crypto::needs_rehash(user.password_hash, options_.password_cost)) {
    // The stored cost is below today's: store the password again at the new cost.
    if (auto rehashed = crypto::hash_password(form->password, options_.password_cost); rehashed) {
      if (store_.set_password_hash(user.user.id, *rehashed)) credential = *rehashed;
    }
  }
  // A new session on every login: a session id planted before login is worth nothing after.
  if (const auto previous = cookie_value(request.header("cookie"), kSessionCookie)) {
    sessions_.close(*previous);
  }
  const auto opened = sessions_.open(user.user.id, now, std::move(credential));
  if (!opened) {
    spdlog::error("dashboard: cannot store a new session: {}", opened.error().message());
    return json_error(503, "cannot store the session now: try again");
  }
  const NewSession& session = *opened;
  if (!audit(request, &user.user, {}, "login", "", "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  auto response = json_response(200, user_json(user.user, readable_stores(user.user),
                                               session.csrf_token));
  response.headers.push_back(
      {"Set-Cookie", cookie_header(session.cookie_token, options_.sessions.lifetime)});
  return response;
}

net::HttpResponse DashboardHandler::logout(const net::HttpRequest& request, const Caller& caller) {
  sessions_.close(caller.cookie);
  (void)audit(request, &caller.user, {}, "logout", "", "ok");
  auto response = json_response(200, R"({"ok":true})");
  response.headers.push_back({"Set-Cookie", cookie_header("", std::chrono::seconds(0))});
  return response;
}

net::HttpResponse DashboardHandler::session_info(const Caller& caller) {
  return json_response(200, user_json(caller.user, readable_stores(caller.user),
                                      caller.session.csrf_token));
}

net::HttpResponse DashboardHandler::regulars(const net::HttpRequest& request,
                                             const Caller& caller, const std::string& store_id,
                                             bool csv) {
  const std::string object = "store:" + store_id;
  const std::string_view action = csv ? "export-regulars" : "read-regulars";
  if (!may_read_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, action, object, "denied");
    return json_error(403, "not one of your stores");
  }
  const auto exists = store_.store_exists(store_id);
  if (!exists) return json_error(503, "cannot read the database now: try again");
  if (!*exists) return json_error(404, "no such store");
  const auto rows = store_.regulars(store_id, options_.table_rows);
  const auto computed = store_.has_value_snapshots();
  const auto owners = store_.owner_candidates(store_id);
  if (!rows || !computed || !owners) {
    return json_error(503, "cannot read the database now: try again");
  }
  if (!audit(request, &caller.user, {}, action, object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  if (!csv) return json_response(200, regulars_json(store_id, *rows, *computed, *owners));
  net::HttpResponse response{200, "text/csv; charset=utf-8", regulars_csv(*rows)};
  response.headers.push_back(
      {"Content-Disposition", "attachment; filename=\"regulars-" + store_id + ".csv\""});
  return response;
}

net::HttpResponse DashboardHandler::visitors(const net::HttpRequest& request,
                                             const Caller& caller, const std::string& store_id) {
  const std::string object = "store:" + store_id;
  if (!may_read_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, "read-visitors", object, "denied");
    return json_error(403, "not one of your stores");
  }
  const auto rows = store_.visitors(store_id, options_.table_rows);
  if (!rows) return json_error(503, "cannot read the database now: try again");
  if (!audit(request, &caller.user, {}, "read-visitors", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  return json_response(200, visitors_json(store_id, *rows));
}

net::HttpResponse DashboardHandler::member(const net::HttpRequest& request, const Caller& caller,
                                           const std::string& id_text, bool page) {
  const std::string object = "member:" + id_text;
  const auto denied = [&] {
    (void)audit(request, &caller.user, {}, "read-member", object, "denied");
    if (!page) return json_error(403, "this member is not one of your stores' members");
    return html_response(403, message_page("Not one of your members",
                                           "This member belongs to another store and has not "
                                           "visited yours."));
  };
  const auto id = parse_id(id_text);
  if (!id) return denied();
  const auto found = store_.member(*id);
  if (!found) return json_error(503, "cannot read the database now: try again");
  // An unknown id is refused like another store's member: ids cannot be probed.
  if (!*found) return denied();
  MemberView view{**found, may_read_store(caller.user, (*found)->home_store), {}, {},
                  may_exercise_member_rights(caller.user)};
  auto visits = store_.member_visits_at(*id, readable_stores(caller.user));
  if (!visits) return json_error(503, "cannot read the database now: try again");
  view.visits = std::move(*visits);
  if (!view.full && view.visits.empty()) return denied();
  if (view.full) {
    auto detail = store_.member_detail(*id, options_.history_rows);
    if (!detail) return json_error(503, "cannot read the database now: try again");
    view.detail = std::move(*detail);
  }
  if (!audit(request, &caller.user, {}, "read-member", object,
             view.full ? "ok" : "ok-visits-only")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  return page ? html_response(200, member_page(view)) : json_response(200, member_json(view));
}

net::HttpResponse DashboardHandler::charts(const net::HttpRequest& request, const Caller& caller,
                                           const std::string& store_id) {
  const std::string object = "store:" + store_id;
  if (!may_read_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, "read-charts", object, "denied");
    return json_error(403, "not one of your stores");
  }
  const auto figures = store_.store_charts(store_id);
  if (!figures) return json_error(503, "cannot read the database now: try again");
  if (!audit(request, &caller.user, {}, "read-charts", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  return json_response(200, charts_json(store_id, *figures));
}

net::HttpResponse DashboardHandler::table_csv(const net::HttpRequest& request,
                                              const Caller& caller, const std::string& store_id,
                                              std::string_view table) {
  const std::string object = "store:" + store_id;
  const std::string action = "export-" + std::string(table);
  if (!may_read_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, action, object, "denied");
    return json_error(403, "not one of your stores");
  }
  std::optional<std::string> body;
  if (table == "follow-ups") {
    if (auto rows = store_.open_follow_ups(store_id)) body = follow_ups_csv(*rows);
  } else if (table == "visitors") {
    if (auto rows = store_.visitors(store_id, options_.table_rows)) body = visitors_csv(*rows);
  } else if (table == "owners") {
    if (auto rows = store_.owner_results(store_id, to_iso8601(clock_()).substr(0, 10))) {
      body = owners_csv(*rows);
    }
  } else if (auto overview = store_.store_overview(store_id, to_iso8601(clock_()).substr(0, 10))) {
    if (table == "new-members") body = members_csv(overview->new_members, "joined_at");
    if (table == "birthdays") body = members_csv(overview->birthdays, "birthday");
    if (table == "offers") body = offers_csv(overview->offers);
  }
  if (!body) return json_error(503, "cannot read the database now: try again");
  if (!audit(request, &caller.user, {}, action, object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  net::HttpResponse response{200, "text/csv; charset=utf-8", std::move(*body)};
  response.headers.push_back({"Content-Disposition", "attachment; filename=\"" +
                                                         std::string(table) + "-" + store_id +
                                                         ".csv\""});
  return response;
}

net::HttpResponse DashboardHandler::owners(const net::HttpRequest& request, const Caller& caller,
                                           const std::string& store_id) {
  const std::string object = "store:" + store_id;
  if (!may_read_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, "read-owners", object, "denied");
    return json_error(403, "not one of your stores");
  }
  const std::string today = to_iso8601(clock_()).substr(0, 10);
  const auto rows = store_.owner_results(store_id, today);
  if (!rows) return json_error(503, "cannot read the database now: try again");
  if (!audit(request, &caller.user, {}, "read-owners", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  return json_response(200, owners_json(store_id, today, *rows));
}

net::HttpResponse DashboardHandler::overview(const net::HttpRequest& request,
                                             const Caller& caller, const std::string& store_id) {
  const std::string object = "store:" + store_id;
  if (!may_read_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, "read-overview", object, "denied");
    return json_error(403, "not one of your stores");
  }
  const std::string today = to_iso8601(clock_()).substr(0, 10);
  const auto figures = store_.store_overview(store_id, today);
  if (!figures) return json_error(503, "cannot read the database now: try again");
  if (!audit(request, &caller.user, {}, "read-overview", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  return json_response(200, overview_json(store_id, today, *figures));
}

net::HttpResponse DashboardHandler::follow_ups(const net::HttpRequest& request,
                                               const Caller& caller, const std::string& store_id) {
  const std::string object = "store:" + store_id;
  if (!may_read_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, "read-follow-ups", object, "denied");
    return json_error(403, "not one of your stores");
  }
  const auto rows = store_.open_follow_ups(store_id);
  if (!rows) return json_error(503, "cannot read the database now: try again");
  if (!audit(request, &caller.user, {}, "read-follow-ups", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  return json_response(200, follow_ups_json(store_id, *rows, caller.user.name));
}

net::HttpResponse DashboardHandler::assign_owner(const net::HttpRequest& request,
                                                 const Caller& caller, const std::string& id_text,
                                                 const std::string& owner_text) {
  const std::string object = "member:" + id_text;
  const auto id = parse_id(id_text);
  const auto found = id ? store_.member(*id) : Result<std::optional<MemberOverview>>(
                                                   std::optional<MemberOverview>{});
  if (!found) return json_error(503, "cannot read the database now: try again");
  // Another store's member and an unknown id are refused alike: ids cannot be probed.
  if (!*found || !may_manage_store(caller.user, (*found)->home_store)) {
    (void)audit(request, &caller.user, {}, "assign-owner", object, "denied");
    return json_error(403, "you may not change this member's owner");
  }
  const auto owner_id = parse_id(owner_text);
  const auto owner = owner_id ? store_.find_user(*owner_id)
                              : Result<std::optional<StaffAccount>>(std::optional<StaffAccount>{});
  if (!owner) return json_error(503, "cannot read staff users now: try again");
  if (!*owner || !may_own_members_of((*owner)->user, !(*owner)->disabled, (*found)->home_store)) {
    (void)audit(request, &caller.user, {}, "assign-owner", object, "refused-owner");
    return json_error(422, "the owner must be an enabled staff user of the member's home store");
  }
  if (!audit(request, &caller.user, {}, "assign-owner",
             object + " owner:" + (*owner)->user.name, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  if (auto saved = store_.set_owner(*id, (*owner)->user.id, caller.user.id, to_iso8601(clock_()));
      !saved) {
    spdlog::error("dashboard: cannot save the owner of member {}: {}", *id,
                  saved.error().message());
    return json_error(503, "cannot save the owner now: try again");
  }
  return json_response(200, R"({"ok":true})");
}

net::HttpResponse DashboardHandler::close_follow_up(const net::HttpRequest& request,
                                                    const Caller& caller,
                                                    const std::string& id_text) {
  const std::string object = "follow-up:" + id_text;
  const auto id = parse_id(id_text);
  const auto found =
      id ? store_.follow_up(*id) : Result<std::optional<FollowUp>>(std::optional<FollowUp>{});
  if (!found) return json_error(503, "cannot read the database now: try again");
  // The member's owner closes their own follow-ups; the store's managers close any.
  const bool allowed = *found && (may_manage_store(caller.user, (*found)->home_store) ||
                                  ((*found)->owner && *(*found)->owner == caller.user.name &&
                                   may_read_store(caller.user, (*found)->home_store)));
  if (!allowed) {
    (void)audit(request, &caller.user, {}, "close-follow-up", object, "denied");
    return json_error(403, "you may not close this follow-up");
  }
  if (!audit(request, &caller.user, {}, "close-follow-up", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  const auto closed = store_.close_follow_up(*id, caller.user.id, to_iso8601(clock_()));
  if (!closed) return json_error(503, "cannot save now: try again");
  if (!*closed) return json_error(409, "this follow-up was already closed");
  return json_response(200, R"({"ok":true})");
}

net::HttpResponse DashboardHandler::merge_members(const net::HttpRequest& request,
                                                  const Caller& caller,
                                                  const std::string& keep_text,
                                                  const std::string& merge_text) {
  const std::string object = "member:" + keep_text + " merged:" + merge_text;
  const auto keep_id = parse_id(keep_text);
  const auto merge_id = parse_id(merge_text);
  // An id that does not parse reads as no member (refused below like another store's).
  const auto read = [this](const auto& id) -> Result<std::optional<MemberOverview>> {
    if (!id) return std::optional<MemberOverview>{};
    return store_.member(*id);
  };
  const auto keep = read(keep_id);
  const auto merge = read(merge_id);
  if (!keep || !merge) return json_error(503, "cannot read the database now: try again");
  // Both members must be the caller's to manage; another store's member and an unknown id
  // are refused alike, so ids cannot be probed.
  if (!*keep || !*merge || !may_manage_store(caller.user, (*keep)->home_store) ||
      !may_manage_store(caller.user, (*merge)->home_store)) {
    (void)audit(request, &caller.user, {}, "merge-members", object, "denied");
    return json_error(403, "you may not merge these members");
  }
  if (*keep_id == *merge_id || (*keep)->merged_into || (*merge)->merged_into) {
    (void)audit(request, &caller.user, {}, "merge-members", object, "refused-merged");
    return json_error(409, "a member cannot be merged into itself, nor a merged member again");
  }
  if (!audit(request, &caller.user, {}, "merge-members", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  const auto merged = store_.merge_members(*keep_id, *merge_id, caller.user, to_iso8601(clock_()));
  if (!merged) {
    spdlog::error("dashboard: cannot merge member {} into {}: {}", *merge_id, *keep_id,
                  merged.error().message());
    return json_error(503, "cannot merge now: nothing was changed, try again");
  }
  return json_response(200, merge_json(*keep_id, *merge_id, *merged));
}

net::HttpResponse DashboardHandler::move_member(const net::HttpRequest& request,
                                                const Caller& caller, const std::string& id_text,
                                                const std::string& store_id) {
  const std::string object = "member:" + id_text + " store:" + store_id;
  const auto id = parse_id(id_text);
  std::optional<MemberOverview> member;
  if (id) {
    auto read = store_.member(*id);
    if (!read) return json_error(503, "cannot read the database now: try again");
    member = std::move(*read);
  }
  // The caller must manage both the member's home store and the new one; an unknown id and
  // another store's member are refused alike, so ids cannot be probed.
  if (!member || store_id.empty() || !may_manage_store(caller.user, member->home_store) ||
      !may_manage_store(caller.user, store_id)) {
    (void)audit(request, &caller.user, {}, "move-member", object, "denied");
    return json_error(403, "you may not move this member to that store");
  }
  if (member->merged_into) {
    (void)audit(request, &caller.user, {}, "move-member", object, "refused-merged");
    return json_error(409, "this membership was merged into another: move that one");
  }
  // Audited before it happens, like a merge: no change without its entry.
  if (!audit(request, &caller.user, {}, "move-member", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  const auto moved = store_.move_member(*id, store_id);
  if (!moved) {
    const bool refused = moved.error() == storage::StorageErrc::kConstraint;
    (void)audit(request, &caller.user, {}, "move-member", object, refused ? "refused" : "failed");
    if (refused) return json_error(409, "there is no such store, or this member cannot move");
    spdlog::error("dashboard: cannot move member {} to {}: {}", *id, store_id, moved.error().message());
    return json_error(503, "cannot move now: nothing was changed, try again");
  }
  return json_response(200, move_json(*id, store_id, *moved));
}

// The head-office report pages: the index, and each report's page, both server-rendered.
// Store managers (and any role but head office and administrators) are refused here, on the
// server, like the CSV URLs below.
net::HttpResponse DashboardHandler::reports_route(const net::HttpRequest& request,
                                                  const Caller& caller, const Target& target) {
  const std::string name = target.segments.size() == 2 ? target.segments[1] : std::string();
  const std::string object = "report:" + (name.empty() ? std::string("index") : name);
  if (!may_read_reports(caller.user)) {
    (void)audit(request, &caller.user, {}, "read-report", object, "denied");
    return html_response(403, message_page("Head office only",
                                           "Reports cover the whole chain: they are for head "
                                           "office and administrators."));
  }
  if (name.empty()) {
    return html_response(200, reports_index_page(reports::all_reports(options_.reports)));
  }
  const auto report = reports::find_report(name, options_.reports);
  if (!report) {
    return html_response(404, message_page("No such report", "See the list at /reports."));
  }
  const auto filter = report_filter_from_query(target.query);
  if (!filter) {
    return html_response(400, message_page("Wrong dates", "Days are YYYY-MM-DD."));
  }
  ReportPageSink page(*report, options_.report_page_rows);
  if (const auto ran = store_.run_report(*report, *filter, page); !ran) {
    spdlog::error("dashboard: report {} failed: {}", name, ran.error().message());
    if (ran.error() == make_error_code(reports::ReportsErrc::kNotOnPostgresql)) {
      return html_response(501, message_page("Not yet on PostgreSQL",
                                             "This report runs on SQLite only so far "
                                             "(docs/reports.md, \"On PostgreSQL\")."));
    }
    return html_response(503, message_page("Cannot read the database now", "Try again."));
  }
  const auto stores = store_.all_stores();
  if (!stores) return html_response(503, message_page("Cannot read the database now", "Try again."));
  const std::string query = report_filter_query(*filter);
  if (!audit(request, &caller.user, {}, "read-report", object + (query.empty() ? "" : " " + query),
             "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  return html_response(200, page.page(*filter, *stores));
}

// GET /api/reports/NAME.csv?store=&from=&to=: the report's rows streamed as CSV straight
// from the query to the connection (never held whole), after the same checks as its page.
net::HttpResponse DashboardHandler::report_csv(const net::HttpRequest& request,
                                               const Caller& caller, const Target& target) {
  const std::string& file = target.segments[2];
  const bool csv = file.size() > 4 && file.ends_with(".csv");
  const std::string name = csv ? file.substr(0, file.size() - 4) : file;
  const std::string object = "report:" + name;
  if (!may_read_reports(caller.user)) {
    (void)audit(request, &caller.user, {}, "export-report", object, "denied");
    return json_error(403, "reports are for head office and administrators");
  }
  auto report = csv ? reports::find_report(name, options_.reports) : nullptr;
  if (!report) return json_error(404, "no such report: see /reports");
  const auto filter = report_filter_from_query(target.query);
  if (!filter) return json_error(400, "days are YYYY-MM-DD");
  const std::string query = report_filter_query(*filter);
  if (!audit(request, &caller.user, {}, "export-report",
             object + (query.empty() ? "" : " " + query), "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  net::HttpResponse response{200, "text/csv; charset=utf-8", {}};
  response.headers.push_back(
      {"Content-Disposition", "attachment; filename=\"" + name + ".csv\""});
  // Runs after this returns, on the same I/O thread, while the connection takes the rows.
  response.stream_body = [this, shared = std::shared_ptr<const reports::Report>(std::move(report)),
                          chosen = *filter](const net::HttpResponse::BodyWriter& write) {
    CsvLineSink sink(write);
    const auto ran = store_.run_report(*shared, chosen, sink);
    if (!ran) {
      spdlog::error("dashboard: CSV of report {} failed: {}", shared->name(),
                    ran.error().message());
    }
    return ran.has_value() && !sink.peer_gone();
  };
  return response;
}

// GET /api/members/ID/export.json: the member's data as `rapportctl member export` prints it
// (the same MemberRightsStore::export_member), as a download. Head office and administrators
// only; written to the audit log before the data is read, and refused if it cannot be.
net::HttpResponse DashboardHandler::export_member(const net::HttpRequest& request,
                                                  const Caller& caller,
                                                  const std::string& id_text) {
  const std::string object = "member:" + id_text;
  if (!may_exercise_member_rights(caller.user)) {
    (void)audit(request, &caller.user, {}, "export-member", object, "denied");
    return json_error(403, "exporting a member's data is for head office and administrators");
  }
  const auto id = parse_id(id_text);
  if (!id) return json_error(404, "no such member");
  if (rights_ == nullptr) return json_error(503, "members' rights are not available here");
  if (!audit(request, &caller.user, {}, "export-member", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  const auto exported = rights_->export_member(*id);
  if (!exported) {
    spdlog::error("dashboard: export of member {} failed: {}", *id, exported.error().message());
    return json_error(503, "cannot read the database now: try again");
  }
  if (!*exported) return json_error(404, "no such member");
  auto response = json_response(200, **exported + "\n");
  response.headers.push_back({"Content-Disposition",
                              "attachment; filename=\"member-" + std::to_string(*id) + ".json\""});
  return response;
}

// POST /api/members/ID/erase?confirm=ID&reason=R: erases the member through the same
// MemberRightsStore::erase_member as `rapportctl member erase`, the caller's name as the
// staff. The confirmation (the id typed again) is checked here, not only on the page. Head
// office and administrators only; audited before the erasure runs, and refused if the audit
// log cannot be written.
net::HttpResponse DashboardHandler::erase_member(const net::HttpRequest& request,
                                                 const Caller& caller,
                                                 const std::string& id_text,
                                                 const Target& target) {
  const std::string object = "member:" + id_text;
  if (!may_exercise_member_rights(caller.user)) {
    (void)audit(request, &caller.user, {}, "erase-member", object, "denied");
    return json_error(403, "erasing a member is for head office and administrators");
  }
  const auto id = parse_id(id_text);
  if (!id) return json_error(404, "no such member");
  const auto confirm = target.query.find("confirm");
  if (confirm == target.query.end() || confirm->second != id_text) {
    return json_error(400, "confirm by typing the member's id again (confirm=" + id_text + ")");
  }
  const auto reason = target.query.find("reason");
  if (reason == target.query.end() || reason->second.empty() || reason->second.size() > 200) {
    return json_error(400, "say why, in up to 200 characters and without personal data "
                           "(reason=...)");
  }
  if (rights_ == nullptr) return json_error(503, "members' rights are not available here");
  if (!audit(request, &caller.user, {}, "erase-member", object, "ok")) {
    return json_error(503, "cannot write the audit log: try again");
  }
  Erasure erasure;
  erasure.member_id = *id;
  erasure.staff = caller.user.name;
  erasure.reason = reason->second;
  erasure.at = to_iso8601(clock_());
  const auto outcome = rights_->erase_member(erasure);
  if (!outcome) {
    spdlog::error("dashboard: erasure of member {} failed: {}", *id, outcome.error().message());
    (void)audit(request, &caller.user, {}, "erase-member", object, "failed");
    if (outcome.error() == storage::StorageErrc::kBusy) {
      return json_error(503, "the erasure is recorded but old copies may remain in the -wal "
                             "file: erase again in a moment");
    }
    return json_error(503, "cannot erase now: try again");
  }
  if (!*outcome) return json_error(404, "no such member");
  const auto& done = **outcome;
  return json_response(200, std::string("{\"member_id\":") + std::to_string(*id) +
                                ",\"already_erased\":" + (done.already_erased ? "true" : "false") +
                                ",\"cards_removed\":" + std::to_string(done.cards_removed) +
                                ",\"notes_removed\":" + std::to_string(done.notes_removed) + "}");
}

}  // namespace rapport::server
