// tests/unit/staff_store_contract_test.cpp
//
// The staff dashboard's store (server/storage/staff_store.h) on both backends: one script of
// every StaffStore call (users, audit, regulars, visitors, a member's overview and page,
// owners, follow-ups, charts, this week, owners' results, moving and merging members) runs
// on a SQLite file and on a PostgreSQL database of the shared throwaway cluster
// (tests/support/pg_cluster.h), over the same chain built through the Store interface with
// the same events. Each answer is written down as text; the two backends' answers must be
// the same, line for line, and a few of them are also checked against what they must be.

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "server/reports/report.h"
#include "server/reports/reports_errc.h"
#include "server/storage/pg_errc.h"
#include "server/storage/staff_store.h"
#include "server/storage/store_url.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/rewards_test_support.h"
#include "tests/unit/store_rows.h"

using namespace rapport;
using domain::EventKind;

namespace {

enum class Backend { kSqlite, kPostgresql };

std::string token(char c) { return std::string(64, c); }

domain::Event at_store(domain::Event e, const std::string& store, const std::string& at) {
  e.store_id = store;
  e.terminal_id = store == "S1" ? "T1" : "T2";
  e.occurred_at = at;
  return e;
}

domain::Event visit(char who, const std::string& store, const std::string& day) {
  return at_store(testing::make_event(EventKind::kVisit, token(who), "{}"), store,
                  day + "T10:00:00.000Z");
}

// The chain's events, made once so both backends store the same ids.
const std::vector<domain::Event>& chain_events() {
  static const std::vector<domain::Event> events = [] {
    std::vector<domain::Event> e{
        visit('a', "S1", "2026-09-01"), visit('a', "S1", "2026-10-20"),
        visit('a', "S1", "2026-11-15"), visit('b', "S1", "2026-11-02"),
        visit('b', "S1", "2026-11-09"), visit('b', "S2", "2026-11-10"),
        visit('c', "S2", "2026-11-11"), visit('e', "S1", "2026-07-01"),
        visit('e', "S1", "2026-11-20"), visit('e', "S2", "2026-11-21"),
    };
    e.push_back(at_store(testing::sale(token('a'), 2'500, "coffee"), "S1",
                         "2026-10-20T10:05:00.000Z"));
    e.push_back(at_store(testing::sale(token('a'), 1'200, "cake"), "S1",
                         "2026-07-20T10:05:00.000Z"));
    e.push_back(at_store(testing::sale(token('e'), 4'000, "coffee"), "S1",
                         "2026-11-20T10:05:00.000Z"));
    e.push_back(at_store(testing::refund(token('e'), e.back().id, 1'000), "S1",
                         "2026-11-21T09:00:00.000Z"));
    protocol::NotePayload complaint{protocol::NoteTopic::kComplaint, "cold coffee"};
    e.push_back(at_store(testing::make_event(EventKind::kNote, token('e'),
                                             protocol::encode_payload(complaint)),
                         "S1", "2026-11-20T10:06:00.000Z"));
    protocol::NotePayload likes{protocol::NoteTopic::kPreference, "oat milk"};
    e.push_back(at_store(testing::make_event(EventKind::kNote, token('a'),
                                             protocol::encode_payload(likes)),
                         "S1", "2026-11-15T10:01:00.000Z"));
    return e;
  }();
  return events;
}

value::ValueSnapshot snapshot(std::int64_t id, std::int64_t cents, value::ValueTier tier,
                              double p_alive, bool at_risk) {
  value::ValueSnapshot s;
  s.member_id = id;
  s.total_value_cents = cents;
  s.historic_value_cents = cents;
  s.tier = tier;
  s.p_alive = p_alive;
  s.rfm = "R5F5M5";
  s.segment = at_risk ? "at risk" : "champions";
  s.rhythm_days = 7.5;
  s.at_risk = at_risk;
  return s;
}

// The answers' text: one line per fact, errors by their StorageErrc where they have one.
class Answers {
 public:
  template <typename T>
  Answers& operator<<(const T& value) {
    line_ << value;
    return *this;
  }
  void end() {
    lines.push_back(line_.str());
    line_.str({});
  }
  template <typename T>
  void error_or(const std::string& what, const Result<T>& result) {
    line_ << what << ": ";
    if (result) {
      line_ << "ok";
    } else if (result.error() == make_error_code(storage::StorageErrc::kConstraint)) {
      line_ << "constraint";
    } else {
      line_ << "error " << result.error().message();
    }
    end();
  }
  std::vector<std::string> lines;

 private:
  std::ostringstream line_;
};

std::string opt(const std::optional<std::string>& s) { return s.value_or("-"); }
template <typename T>
std::string opt_num(const std::optional<T>& v) {
  return v ? std::to_string(*v) : "-";
}

void write_follow_ups(Answers& a, const std::vector<server::FollowUp>& rows) {
  for (const auto& f : rows) {
    a << "  follow-up " << f.id << " " << f.member_id << " " << f.member_name << " "
      << f.home_store << " " << f.reason << " [" << f.detail << "] " << f.created_at << " "
      << f.due_at << " " << opt(f.closed_at) << " " << opt(f.owner);
    a.end();
  }
}

void write_regulars(Answers& a, server::StaffStore& staff, const std::string& store) {
  for (const auto& r : staff.regulars(store, 10).value()) {
    a << "  regular " << r.member_id << " " << r.name << " " << r.visit_count << " "
      << opt(r.last_visit) << " " << opt(r.tier) << " " << opt_num(r.total_value_cents) << " "
      << opt_num(r.p_alive) << " " << opt_num(r.rhythm_days) << " " << r.at_risk << " "
      << opt(r.segment) << " " << opt(r.owner) << " " << r.owner_disabled;
    a.end();
  }
}

void write_member(Answers& a, server::StaffStore& staff, std::int64_t id) {
  const auto m = staff.member(id).value();
  if (!m) {
    a << "member " << id << ": none";
    a.end();
    return;
  }
  a << "member " << m->id << " " << m->name << " " << m->home_store << " " << m->visit_count
    << " " << opt(m->last_visit) << " " << opt(m->tier) << " " << opt_num(m->total_value_cents)
    << " " << opt_num(m->p_alive) << " " << m->at_risk << " " << opt_num(m->merged_into);
  a.end();
}

void write_detail(Answers& a, server::StaffStore& staff, std::int64_t id) {
  const auto d = staff.member_detail(id, 5).value();
  a << "detail " << id << " balance " << d.points_balance << " owner " << opt(d.owner);
  a.end();
  for (const auto& h : d.history) {
    a << "  history " << h.at << " " << h.kind << " " << h.store_id << " "
      << opt_num(h.amount_cents);
    a.end();
  }
  for (const auto& n : d.notes) {
    a << "  note " << n.noted_at << " " << n.store_id << " " << n.topic << " " << n.text;
    a.end();
  }
  if (d.value) {
    a << "  value " << d.value->snapshot.total_value_cents << " "
      << value::to_string(d.value->snapshot.tier) << " " << d.value->computed_at << " "
      << opt(d.value->model) << " " << opt_num(d.value->customers);
    a.end();
  }
  for (const auto& l : d.ledger) {
    a << "  ledger " << l.kind << " " << l.points;
    a.end();
  }
  for (const auto& o : d.offers) {
    a << "  offer " << o.at << " " << o.offer_id << " " << o.outcome << " " << opt(o.store_id);
    a.end();
  }
  write_follow_ups(a, d.open_follow_ups);
}

struct Chain {
  explicit Chain(Backend backend)
      : url(backend == Backend::kSqlite ? "sqlite://" + (dir / "rapport.db").string()
                                        : testing::PgCluster::shared().fresh_database()) {}
  testing::TempDir dir;
  std::string url;
};

// Runs the script on `backend` and returns its answers. `computed_at` (the value refresh's
// time, which differs between runs) is written as <computed>.
std::vector<std::string> run_script(Backend backend) {
  Chain chain(backend);
  auto store = server::open_store(chain.url).value();
  REQUIRE(store->add_store("S1", "High Street"));
  REQUIRE(store->add_store("S2", "Station Road"));
  REQUIRE(store->add_store("S3", "Harbour"));
  REQUIRE(store->register_terminal({"T1", "S1", "01", false}));
  REQUIRE(store->register_terminal({"T2", "S2", "02", false}));
  const auto member = [&](const std::string& name, const std::string& home,
                          std::optional<std::string> born, char card) {
    const auto id = store->add_member({name, home, std::move(born)}).value();
    REQUIRE(store->add_card(id, {token(card), std::string("000") + card,
                                 domain::CardStatus::kActive}));
    return id;
  };
  const auto today_day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::string today = to_iso8601_day(today_day);
  // Birthdays a few days from today, whatever today is (one on 29 February as well).
  const auto soon = to_iso8601_day(today_day + std::chrono::days(3));
  const auto ada = member("Ada Lovelace", "S1", "1815" + soon.substr(4), 'a');
  const auto bob = member("Bob Kahn", "S2", "1990-12-01", 'b');
  const auto cy = member("Cy Young", "S2", "2000-02-29", 'c');
  const auto dee = member("Dee Hopper", "S1", std::nullopt, 'd');
  const auto eve = member("Eve Ada Lovelace", "S1", "1816" + soon.substr(4), 'e');
  REQUIRE(store->record_events(chain_events()).value() == chain_events().size());
  const auto t0 = std::vector<server::PointsAdjustment>{
      {ada, 120, "welcome", "maria", "test:ada"}, {eve, 80, "welcome", "maria", "test:eve"}};
  REQUIRE(store->adjust_points(t0));
  // Offers shown and accepted at S1 (the reward engine writes these; here directly).
  for (const auto& [who, outcome, day] : {std::tuple{ada, "shown", "2026-11-15"},
                                           std::tuple{eve, "accepted", "2026-11-20"},
                                           std::tuple{eve, "declined", "2026-09-20"}}) {
    (void)testing::store_rows(chain.url, "INSERT INTO offer_events(member_id, offer_id, outcome, "
                                         "at, store_id) VALUES (" + std::to_string(who) +
                                             ", 'latte', '" + outcome + "', '" + day +
                                             "T10:00:00.000Z', 'S1')");
  }
  value::ValueRefresh refresh;
  refresh.snapshots = {snapshot(ada, 90'000, value::ValueTier::kMvc, 0.9, false),
                       snapshot(bob, 50'000, value::ValueTier::kMgc, 0.3, true),
                       snapshot(cy, 10'000, value::ValueTier::kLmc, 0.4, false),
                       snapshot(eve, 60'000, value::ValueTier::kMvc, 0.2, true)};
  REQUIRE(store->save_value_refresh(refresh, "2026-11-26", {.full = true, .events_seq = 0,
                                                            .fit_id = {}}));

  auto staff = server::open_staff_store(chain.url).value();
  Answers a;
  const std::string at = "2026-11-26T08:00:00.000Z";
  const auto add = [&](const std::string& name, server::StaffRole role,
                       std::vector<std::string> stores) {
    const auto id = staff->add_user({name, role, std::move(stores), "hash-" + name}, at);
    a << "add_user " << name << " -> " << opt_num(id ? std::optional(*id) : std::nullopt);
    a.end();
    return id ? *id : std::int64_t{0};
  };
  const auto maria = add("maria", server::StaffRole::kStoreManager, {"S1"});
  const auto carl = add("carl", server::StaffRole::kCashier, {"S1", "S2"});
  const auto sam = add("sam", server::StaffRole::kStoreManager, {"S2"});
  add("hq", server::StaffRole::kHeadOffice, {});
  const auto nina = add("nina", server::StaffRole::kCashier, {"S1"});
  // Refusals last: a refused insert may use up an id on PostgreSQL (never reused).
  a.error_or("add a taken name", staff->add_user({"maria", server::StaffRole::kCashier, {}, "x"}, at));
  a.error_or("add with an unknown store",
             staff->add_user({"zed", server::StaffRole::kCashier, {"S9"}, "x"}, at));
  for (const auto& u : staff->list_users().value()) {
    a << "user " << u.id << " " << u.name << " " << server::to_string(u.role);
    for (const auto& s : u.stores) a << " " << s;
    a.end();
  }
  REQUIRE(staff->set_password_hash(carl, "new-hash"));
  const auto found = staff->find_user_by_name("carl").value();
  REQUIRE(found);
  a << "find carl " << found->user.id << " " << found->password_hash << " " << found->disabled;
  a.end();
  a << "find 999 " << staff->find_user(999).value().has_value();
  a.end();
  a << "disable nina " << staff->disable_user(nina, "2026-11-25T12:00:00.000Z").value()
    << " again " << staff->disable_user(nina, at).value() << " find "
    << staff->find_user(nina).value()->disabled;
  a.end();

  REQUIRE(staff->record_audit({at, maria, "maria", "login", "", "ok", "10.0.0.1"}));
  REQUIRE(staff->record_audit({at, std::nullopt, "mallory", "login-refused", "", "refused",
                               "10.0.0.9"}));
  REQUIRE(staff->record_audit({at, maria, "maria", "read-member", "member:1", "ok", "10.0.0.1"}));
  for (const auto& e : staff->list_audit(2).value()) {
    a << "audit " << e.at << " " << opt_num(e.user_id) << " " << e.user_name << " " << e.action
      << " " << e.object << " " << e.outcome << " " << e.remote;
    a.end();
  }

  a << "stores " << staff->store_exists("S1").value() << staff->store_exists("S9").value();
  for (const auto& s : staff->all_stores().value()) a << " " << s;
  a.end();
  a << "has snapshots " << staff->has_value_snapshots().value();
  a.end();

  // Owners: nina (disabled) owned Dee; Carl owns Ada and Eve.
  for (const auto& c : staff->owner_candidates("S1").value()) {
    a << "candidate " << c.id << " " << c.name;
    a.end();
  }
  REQUIRE(staff->set_owner(ada, carl, maria, at));
  REQUIRE(staff->set_owner(eve, maria, maria, at));
  REQUIRE(staff->set_owner(eve, carl, maria, at));  // replaces
  REQUIRE(staff->set_owner(dee, nina, maria, "2026-11-01T08:00:00.000Z"));
  a << "raise " << staff->raise_follow_ups("2026-11-26T09:30:00.250Z").value() << " again "
    << staff->raise_follow_ups("2026-11-26T10:00:00.000Z").value();
  a.end();
  write_regulars(a, *staff, "S1");
  write_regulars(a, *staff, "S2");
  for (const auto& v : staff->visitors("S1", 10).value()) {
    a << "visitor " << v.member_id << " " << v.name << " " << v.home_store << " " << v.visits
      << " " << v.last_visit;
    a.end();
  }
  for (const auto id : {ada, bob, cy, dee, eve, std::int64_t{999}}) write_member(a, *staff, id);
  a << "open follow-ups S1";
  a.end();
  const auto open = staff->open_follow_ups("S1").value();
  write_follow_ups(a, open);
  a << "open follow-ups S2";
  a.end();
  write_follow_ups(a, staff->open_follow_ups("S2").value());
  REQUIRE_FALSE(open.empty());
  a << "close " << staff->close_follow_up(open.front().id, maria, at).value() << " again "
    << staff->close_follow_up(open.front().id, maria, at).value();
  a.end();
  write_follow_ups(a, {*staff->follow_up(open.front().id).value()});
  a << "follow-up 999 " << staff->follow_up(999).value().has_value();
  a.end();
  write_detail(a, *staff, ada);
  write_detail(a, *staff, eve);
  for (const auto& v : staff->member_visits_at(eve, {"S2", "S3", "S1"}).value()) {
    a << "visits at " << v.store_id << " " << v.visits << " " << v.last_visit;
    a.end();
  }

  for (const auto& s : {"S1", "S2", "S3"}) {
    const auto c = staff->store_charts(s).value();
    a << "charts " << s << " last " << opt(c.last_visit_day) << " bin " << c.value_bin_cents;
    for (const auto& [tier, n] : c.tiers) a << " " << tier << "=" << n;
    a << " weeks";
    for (const auto n : c.visits_per_week) a << " " << n;
    a << " values";
    for (const auto n : c.value_bins) a << " " << n;
    a.end();
  }
  for (const auto& s : {"S1", "S2"}) {
    const auto o = staff->store_overview(s, today).value();
    for (const auto& m : o.new_members) {
      a << "new " << s << " " << m.id << " " << m.name << " " << m.when.substr(0, 10);
      a.end();
    }
    for (const auto& m : o.birthdays) {
      a << "birthday " << s << " " << m.id << " " << m.name << " " << m.when;
      a.end();
    }
    const auto old = staff->store_overview(s, "2026-11-25").value();
    for (const auto& offer : old.offers) {
      a << "offer " << s << " " << offer.offer_id << " " << offer.shown << " " << offer.accepted
        << " " << offer.declined;
      a.end();
    }
    for (const auto& m : staff->store_overview(s, "2028-02-20").value().birthdays) {
      a << "birthday 2028 " << s << " " << m.id << " " << m.when;
      a.end();
    }
    for (const auto& m : staff->store_overview(s, "2027-02-20").value().birthdays) {
      a << "birthday 2027 " << s << " " << m.id << " " << m.when;
      a.end();
    }
  }
  for (const auto& r : staff->owner_results("S1", "2026-11-26").value()) {
    a << "owner " << r.owner << " " << r.disabled << " " << r.customers << " "
      << r.active_before << " " << r.retained << " " << r.revenue_recent_cents << " "
      << r.revenue_before_cents;
    a.end();
  }

  // Moving: Bob to S1; his owner Sam works at S2 only and lets him go.
  REQUIRE(staff->set_owner(bob, sam, maria, at));
  a.error_or("move to an unknown store", staff->move_member(bob, "S9"));
  a.error_or("move an unknown member", staff->move_member(999, "S1"));
  a << "move bob " << staff->move_member(bob, "S1").value() << " again "
    << staff->move_member(bob, "S1").value();
  a.end();
  write_member(a, *staff, bob);
  write_regulars(a, *staff, "S1");

  // Merging: Eve into Ada, by Maria.
  server::StaffUser by{maria, "maria", server::StaffRole::kStoreManager, {"S1"}};
  a.error_or("merge into oneself", staff->merge_members(ada, ada, by, at));
  a.error_or("merge an unknown member", staff->merge_members(ada, 999, by, at));
  const auto merged = staff->merge_members(ada, eve, by, "2026-11-26T08:30:00.000Z");
  REQUIRE(merged.has_value());
  a << "merge " << merged->points_moved << " " << merged->cards_moved << " "
    << merged->events_moved;
  a.end();
  a.error_or("merge again", staff->merge_members(ada, eve, by, at));
  a.error_or("move a merged member", staff->move_member(eve, "S2"));
  for (const auto id : {ada, eve}) write_member(a, *staff, id);
  write_detail(a, *staff, ada);
  write_detail(a, *staff, eve);
  write_regulars(a, *staff, "S1");
  for (const auto& row : testing::store_rows(
           chain.url,
           "SELECT id, visit_count, coalesce(last_visit, '-'), purchase_days, "
           "coalesce(first_purchase_day, '-'), revenue_cents, coalesce(merged_into, 0), "
           "coalesce(merged_at, '-'), home_store FROM members ORDER BY id")) {
    a << "row " << row;
    a.end();
  }
  for (const auto& row : testing::store_rows(
           chain.url, "SELECT member_id, category, spend_cents, lines FROM member_categories "
                      "ORDER BY member_id, category")) {
    a << "category " << row;
    a.end();
  }
  for (const auto& row : testing::store_rows(
           chain.url, "SELECT token, member_id FROM cards ORDER BY token")) {
    a << "card " << row.substr(60);
    a.end();
  }
  // rewards_days (SQLite migration 26, PostgreSQL 11) after the ledger, offers, the refresh,
  // the moves and the merge: the rows with a figure (a row of zeros may stay on either).
  for (const auto& row : testing::store_rows(
           chain.url,
           "SELECT place, day, tier, members, net, issued, redeemed, expired, gestures, shown, "
           "held_out, accepted, cost_cents FROM rewards_days WHERE members <> 0 OR net <> 0 OR "
           "issued <> 0 OR redeemed <> 0 OR gestures <> 0 OR shown <> 0 OR accepted <> 0 "
           "ORDER BY place, day, tier")) {
    a << "rewards_days " << row;
    a.end();
  }
  a << "balances " << opt_num(store->points_balance(ada).value()) << " "
    << opt_num(store->points_balance(eve).value());
  a.end();

  // The refresh's time differs from run to run: written as <computed>.
  const auto computed = staff->member_detail(cy, 1).value().value->computed_at;
  for (auto& line : a.lines) {
    for (auto pos = line.find(computed); pos != std::string::npos; pos = line.find(computed)) {
      line.replace(pos, computed.size(), "<computed>");
    }
  }
  return a.lines;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("staff store contract: SQLite and PostgreSQL give the same answers to every call",
          "[staff][postgresql]") {
  const auto sqlite = run_script(Backend::kSqlite);
  const auto postgresql = run_script(Backend::kPostgresql);
  // Line by line, so a difference shows where it is.
  const auto n = std::max(sqlite.size(), postgresql.size());
  for (std::size_t i = 0; i < n; ++i) {
    INFO("line " << i);
    CHECK((i < sqlite.size() ? sqlite[i] : "<none>") ==
          (i < postgresql.size() ? postgresql[i] : "<none>"));
  }
  // And what some of them must be, whatever the backend.
  for (const auto* answers : {&sqlite, &postgresql}) {
    const auto& lines = *answers;
    CHECK(has_line(lines, "add a taken name: constraint"));
    CHECK(has_line(lines, "add with an unknown store: constraint"));
    CHECK(has_line(lines, "user 2 carl cashier S1 S2"));
    CHECK(has_line(lines, "disable nina 1 again 0 find 1"));
    // Bob and Eve are valuable and at risk; Dee's owner Nina is disabled; Eve complained.
    CHECK(has_line(lines, "raise 4 again 0"));
    CHECK(has_line(lines, "move bob 1 again 0"));
    CHECK(has_line(lines, "move to an unknown store: constraint"));
    CHECK(has_line(lines, "merge 80 1 6"));
    CHECK(has_line(lines, "merge again: constraint"));
    CHECK(has_line(lines, "move a merged member: constraint"));
    CHECK(has_line(lines, "balances 200 0"));
    CHECK(std::count_if(lines.begin(), lines.end(), [](const std::string& line) {
            return line.starts_with("rewards_days s:S1\t");
          }) >= 3);
    CHECK(has_line(lines, "card aaaa\t1"));
    CHECK(has_line(lines, "card eeee\t1"));
  }
}

TEST_CASE("staff store on postgresql: the dashboard's reports run there, unported ones refuse",
          "[staff][postgresql]") {
  auto staff = server::open_staff_store(testing::PgCluster::shared().fresh_database()).value();
  struct Counting final : server::reports::RowSink {
    int begun = 0, rows = 0, ended = 0;
    void begin(std::span<const server::reports::Column>) override { ++begun; }
    void row(std::span<const server::reports::Cell>) override { ++rows; }
    void end() override { ++ended; }
  };
  // Ported (docs/reports.md, "On PostgreSQL"), every one of them: nothing valued or earned
  // yet, so a header and no rows.
  for (const auto& report : server::reports::all_reports()) {
    INFO(report->name());
    Counting ran;
    const auto done = staff->run_report(*report, {}, ran);
    if (!done) {  // forecast accuracy: no forecast kept yet
      CHECK(done.error() != make_error_code(server::reports::ReportsErrc::kNotOnPostgresql));
      continue;
    }
    CHECK((ran.begun == 1 && ran.rows == 0 && ran.ended == 1));
  }
  // A report without a PostgreSQL run (Report::run_pg's default): refused in words, and
  // nothing reaches the page.
  struct SqliteOnly final : server::reports::Report {
    std::string_view name() const override { return "sqlite-only"; }
    std::string_view description() const override { return "runs on SQLite only"; }
    std::span<const server::reports::Column> columns() const override { return {}; }
    Result<void> run(storage::Database&, const server::reports::Filter&,
                     server::reports::RowSink&) const override {
      return {};
    }
  };
  Counting ran_sqlite_only;
  const auto refused = staff->run_report(SqliteOnly{}, {}, ran_sqlite_only);
  REQUIRE_FALSE(refused);
  CHECK(refused.error() ==
        make_error_code(server::reports::ReportsErrc::kNotOnPostgresql));
  CHECK(ran_sqlite_only.begun == 0);
}
