// tests/unit/pos_api_test.cpp
//
// The sales entry point (terminal/sales.h) and the POS integration API (terminal/pos_api/,
// docs/pos-api.md) over real HTTPS on a loopback port, with a real SQLite file and
// certificates made by the same code rapportctl uses: identify, purchase, refund, void,
// redemptions of offers and points (offline rules), retries that never record twice, a key
// reused for another body, malformed, oversized and unauthenticated requests; and every route the server answers is in the OpenAPI document.

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/net/https_client.h"
#include "shared/protocol/protocol_errc.h"
#include "shared/storage/storage_errc.h"
#include "terminal/counter.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "terminal/local_database.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/pos_api/pos_api.h"
#include "terminal/pos_api/pos_request.h"
#include "terminal/pos_api/pos_routes.h"
#include "terminal/sales.h"
#include "terminal/screen/local_sales.h"
#include "terminal/screen/staff_pins.h"
#include "tests/support/catch_result.h"
#include "tests/support/loopback_tls.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

constexpr const char* kPrefix = "627599";
constexpr const char* kAdaCard = "6275991234567894";
constexpr const char* kGraceCard = "6275997654321902";  // blocked
constexpr const char* kUnknownCard = "6275990000000007";
const std::string kApiKey = "0123456789abcdef0123456789abcdef0123456789abcdef";

// The terminal's file with Ada (member 1, active card) and Grace (member 2, blocked card).
struct Store {
  testing::TempDir dir;
  card::CardKey key = card::CardKey::generate();

  Store() {
    auto db = terminal::open_local_database(dir / "terminal.db").value();
    terminal::MemberCache cache(db);
    domain::Member ada;
    ada.id = 1;
    ada.name = "Ada Lovelace";
    ada.home_store = "S1";
    ada.visit_count = 3;
    ada.cards.push_back({token(kAdaCard), "7894", domain::CardStatus::kActive});
    domain::Member grace;
    grace.id = 2;
    grace.name = "Grace Hopper";
    grace.home_store = "S1";
    grace.cards.push_back({token(kGraceCard), "1902", domain::CardStatus::kBlocked});
    REQUIRE(cache.apply({"S1", {ada, grace}, "1.1", false}));
  }

  std::string token(const char* number) const {
    return key.token_for(card::CardNumber::parse(number, kPrefix).value());
  }

  std::vector<domain::Event> outbox() const {
    auto db = terminal::open_local_database(dir / "terminal.db").value();
    terminal::Outbox o(db);
    return o.oldest(1000).value();
  }
};

// Store plus the POS API on a free loopback port, and a client that trusts the chain's CA.
struct Api : Store {
  std::unique_ptr<terminal::PosApi> api;
  std::unique_ptr<net::HttpsClient> client;
  int woken = 0;

  Api() {
    write_file_atomically(dir / "pos_api.key", kApiKey + "\n", true);

    terminal::TerminalConfig config;
    config.terminal_id = "T1";
    config.store_id = "S1";
    config.database = dir / "terminal.db";
    config.tls = testing::write_loopback_tls(dir.path(), "T1");
    config.issuer_prefix = kPrefix;
    config.card_lookup_timeout = 0ms;  // no server in these tests
    config.balance_check_timeout = 0ms;  // redemptions follow the offline rules
    config.pos_api_host = "127.0.0.1";
    config.pos_api_port = 0;
    config.pos_api_key_file = dir / "pos_api.key";
    api = std::make_unique<terminal::PosApi>(config, key,
                                             std::make_shared<const terminal::LiveKeyring>(),
                                             [this] { ++woken; });
    net::ClientOptions options;
    options.host = "127.0.0.1";
    options.port = api->port();
    options.tls.ca_certificates = config.tls.ca_certificates;
    client = net::HttpsClient::create(options);
  }

  net::HttpResponse call(std::string_view method, std::string_view target, std::string_view body,
                         std::string_view idempotency_key = {},
                         std::string_view bearer = kApiKey) {
    std::vector<net::HttpHeader> headers;
    if (!bearer.empty()) headers.push_back({"Authorization", "Bearer " + std::string(bearer)});
    if (!idempotency_key.empty()) headers.push_back({"Idempotency-Key", std::string(idempotency_key)});
    auto r = client->request(method, target, body, 5s, headers);
    REQUIRE(r);
    return *r;
  }
};

json::object object_of(const net::HttpResponse& r) {
  INFO(r.body);
  auto v = json::parse(r.body);
  REQUIRE(v.is_object());
  return v.get_object();
}

std::string error_of(const net::HttpResponse& r) {
  const auto o = object_of(r);
  // Every refusal says what is wrong and what to do next.
  CHECK_FALSE(std::string(o.at("message").as_string()).empty());
  CHECK_FALSE(std::string(o.at("what_to_do").as_string()).empty());
  return std::string(o.at("error").as_string());
}

std::string header_of(const net::HttpResponse& r, std::string_view name) {
  for (const auto& h : r.headers) {
    if (h.name == name) return h.value;
  }
  return {};
}

const std::string kPurchase =
    R"({"member_id":1,"receipt":"R-100","lines":[)"
    R"({"product":"Flat white","category":"coffee","quantity":2,"amount_cents":780,"margin_cents":500},)"
    R"({"product":"Croissant","category":"bakery","amount_cents":320}]})";

// Ada gets 500 points, two offers (one of 300 points, a gift of 0) and the chain's limits:
// 400 points redeemed offline per member per day.
void give_ada_rewards(Store& store) {
  auto db = terminal::open_local_database(store.dir / "terminal.db").value();
  terminal::MemberCache cache(db);
  domain::Member ada;
  ada.id = 1;
  ada.name = "Ada Lovelace";
  ada.home_store = "S1";
  ada.visit_count = 3;
  ada.points_balance = 500;
  ada.cards.push_back({store.token(kAdaCard), "7894", domain::CardStatus::kActive});
  ada.offers.push_back({"free-coffee", "Free coffee", "free_item", 300});
  ada.offers.push_back({"birthday-cake", "Birthday cake", "gesture", 0});
  protocol::ChangesPage page{"S1", {ada}, "1.2", false};
  page.limits = protocol::CounterLimits{400, 0};
  REQUIRE(cache.apply(page));
}

}  // namespace

TEST_CASE("sales are checked, recorded in the outbox with the cashier, and refused for "
          "unknown or blocked cards",
          "[pos]") {
  Store store;
  auto db = terminal::open_local_database(store.dir / "terminal.db").value();
  terminal::MemberCache cache(db);
  terminal::Outbox outbox(db);
  terminal::Sales sales({"T1", "S1"}, db, cache, outbox);
  terminal::StaffPins staff(db);
  const auto ana = staff.set_pin("ana", "4821", std::chrono::system_clock::now()).value();
  const auto now = from_iso8601("2026-11-26T10:00:00.000Z").value();

  protocol::PurchasePayload purchase;
  purchase.lines.push_back({"Flat white", "coffee", 2, 780, 500});
  purchase.lines.push_back({"Croissant", "bakery", 1, 320, std::nullopt});
  const auto sale = sales.record({store.token(kAdaCard), std::nullopt}, purchase, ana.id, now);
  REQUIRE(sale);
  CHECK(sale->holder.member.id == 1);
  CHECK_THAT(sale->payload, Catch::Contains(R"("total_cents":1100)"));

  const auto refund = sales.record({std::nullopt, 1}, protocol::RefundPayload{sale->event_id, 320},
                                   std::nullopt, now);
  REQUIRE(refund);
  const auto events = outbox.oldest(10).value();
  REQUIRE(events.size() == 2);
  CHECK(events[0].kind == domain::EventKind::kPurchase);
  CHECK(events[0].card_token == store.token(kAdaCard));
  CHECK(events[0].member_id == 1);
  CHECK(events[1].kind == domain::EventKind::kRefund);

  // The cashier is noted with the event; a sale without one notes nobody.
  auto audit = db.prepare("SELECT staff_id, action, event_id FROM staff_actions").value();
  REQUIRE(audit.step().value());
  CHECK(audit.column_int64(0) == ana.id);
  CHECK(audit.column_text(1) == "purchase");
  CHECK(audit.column_text(2) == sale->event_id);
  CHECK_FALSE(audit.step().value());

  CHECK(sales.record({store.token(kGraceCard), std::nullopt}, purchase, std::nullopt, now)
            .error() == terminal::SalesErrc::kBlockedCard);
  CHECK(sales.record({store.token(kUnknownCard), std::nullopt}, purchase, std::nullopt, now)
            .error() == terminal::SalesErrc::kUnknownCard);
  CHECK(sales.record({std::nullopt, 99}, purchase, std::nullopt, now).error() ==
        terminal::SalesErrc::kUnknownMember);
  CHECK(sales.record({std::nullopt, 2}, purchase, std::nullopt, now).error() ==
        terminal::SalesErrc::kNoActiveCard);
  CHECK(sales.record({}, purchase, std::nullopt, now).error() ==
        terminal::SalesErrc::kNoCustomer);
  // The protocol's own check: a zero quantity, a refund of nothing, a malformed purchase id.
  auto zero = purchase;
  zero.lines[0].quantity = 0;
  CHECK_FALSE(sales.record({std::nullopt, 1}, zero, std::nullopt, now));
  CHECK_FALSE(sales.record({std::nullopt, 1}, protocol::RefundPayload{sale->event_id, 0},
                           std::nullopt, now));
  CHECK_FALSE(sales.record({std::nullopt, 1}, protocol::VoidPayload{"not-an-id"}, std::nullopt, now));
  CHECK(outbox.size().value() == 2);

  // What the caller adds commits with the event or not at all (the POS API's key record).
  const auto failing = [](const auto&) -> Result<void> {
    return make_error_code(storage::StorageErrc::kMisuse);
  };
  CHECK_FALSE(sales.record({std::nullopt, 1}, purchase, ana.id, now, failing));
  terminal::Counter counter({"T1", "S1", kPrefix}, store.key, db, cache, outbox);
  const auto scan = counter.scan(kAdaCard, now, failing);
  CHECK(scan.outcome == terminal::ScanOutcome::kNotRecorded);
  CHECK_FALSE(scan.event_id);
  CHECK(outbox.size().value() == 2);
  auto audit_rows = db.prepare("SELECT count(*) FROM staff_actions").value();
  REQUIRE(audit_rows.step().value());
  CHECK(audit_rows.column_int64(0) == 1);
}

TEST_CASE("the POS API identifies a card read and records the visit once per key", "[pos]") {
  Api t;
  const auto first = t.call("POST", "/pos/v1/identify", R"({"card_read":"6275 9912 3456 7894"})",
                            "scan-1");
  REQUIRE(first.status == 200);
  const auto o = object_of(first);
  CHECK(o.at("outcome").as_string() == "member");
  CHECK(o.at("member").at("id").as_int64() == 1);
  CHECK(o.at("member").at("name").as_string() == "Ada Lovelace");
  CHECK(o.at("visit_number").as_int64() == 4);
  CHECK(t.woken == 1);

  const auto again = t.call("POST", "/pos/v1/identify", R"({"card_read":"6275 9912 3456 7894"})",
                            "scan-1");
  CHECK(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(header_of(again, "idempotent-replayed") == "true");
  REQUIRE(t.outbox().size() == 1);
  CHECK(t.outbox()[0].kind == domain::EventKind::kVisit);

  const auto unknown = t.call("POST", "/pos/v1/identify",
                              std::string(R"({"card_read":")") + kUnknownCard + "\"}", "scan-2");
  CHECK(unknown.status == 200);
  CHECK(object_of(unknown).at("outcome").as_string() == "unknown_card");
  CHECK(object_of(unknown).at("member").is_null());

  const auto blocked = t.call("POST", "/pos/v1/identify",
                              std::string(R"({"card_read":")") + kGraceCard + "\"}", "scan-3");
  CHECK(blocked.status == 409);
  CHECK(error_of(blocked) == "card_blocked");
  const auto bad = t.call("POST", "/pos/v1/identify", R"({"card_read":"6275991234567895"})",
                          "scan-4");
  CHECK(bad.status == 422);
  CHECK(error_of(bad) == "bad_card_read");
  CHECK(t.outbox().size() == 2);  // Ada's visit and the unknown card's

  const auto member = t.call("GET", "/pos/v1/members/1", "");
  REQUIRE(member.status == 200);
  CHECK(object_of(member).at("member").at("card_last4").as_string() == "7894");
  CHECK(t.call("GET", "/pos/v1/members/77", "").status == 404);
  CHECK(error_of(t.call("GET", "/pos/v1/members/x1", "")) == "bad_field");
}

TEST_CASE("the POS API records a purchase, a refund and a void once, whatever the retries",
          "[pos]") {
  Api t;
  const auto bought = t.call("POST", "/pos/v1/purchases", kPurchase, "sale-1");
  REQUIRE(bought.status == 201);
  const auto sale = object_of(bought);
  const std::string purchase_id(sale.at("event_id").as_string());
  CHECK(sale.at("kind").as_string() == "purchase");
  CHECK(sale.at("member_id").as_int64() == 1);
  CHECK(sale.at("payload").at("total_cents").as_int64() == 1100);
  CHECK(sale.at("payload").at("receipt").as_string() == "R-100");

  // The POS did not get the answer and retries, three times: one purchase.
  for (int i = 0; i < 3; ++i) {
    const auto retry = t.call("POST", "/pos/v1/purchases", kPurchase, "sale-1");
    CHECK(retry.status == 201);
    CHECK(retry.body == bought.body);
  }
  CHECK(t.outbox().size() == 1);

  // The same key with another body (or on another endpoint) records nothing.
  auto other = kPurchase;
  other.replace(other.find("780"), 3, "790");
  const auto reused = t.call("POST", "/pos/v1/purchases", other, "sale-1");
  CHECK(reused.status == 422);
  CHECK(error_of(reused) == "idempotency_key_reused");
  CHECK(t.call("POST", "/pos/v1/voids",
               R"({"member_id":1,"purchase_id":")" + purchase_id + "\"}", "sale-1")
            .status == 422);

  // A sale by card read goes on that card.
  const auto by_card = t.call(
      "POST", "/pos/v1/purchases",
      std::string(R"({"card_read":")") + kAdaCard +
          R"(","lines":[{"product":"Tea","category":"tea","amount_cents":300}]})",
      "sale-2");
  CHECK(by_card.status == 201);

  const std::string refund_body =
      R"({"member_id":1,"purchase_id":")" + purchase_id + R"(","amount_cents":320})";
  REQUIRE(t.call("POST", "/pos/v1/refunds", refund_body, "refund-1").status == 201);
  CHECK(t.call("POST", "/pos/v1/refunds", refund_body, "refund-1").status == 201);
  {
    auto db = terminal::open_local_database(t.dir / "terminal.db").value();
    const auto kept = terminal::LocalSales(db).find(purchase_id).value();
    REQUIRE(kept.has_value());
    CHECK(kept->refunded_cents == 320);
  }
  const std::string void_body = R"({"member_id":1,"purchase_id":")" + purchase_id + "\"}";
  REQUIRE(t.call("POST", "/pos/v1/voids", void_body, "void-1").status == 201);
  CHECK(t.call("POST", "/pos/v1/voids", void_body, "void-1").status == 201);

  // The screen's refund list (local_sales) holds the POS's sale and what was refunded of it:
  // the retried refund once, then the void all of it.
  {
    auto db = terminal::open_local_database(t.dir / "terminal.db").value();
    const auto kept = terminal::LocalSales(db).find(purchase_id).value();
    REQUIRE(kept.has_value());
    CHECK(kept->member_id == 1);
    CHECK(kept->total_cents == 1100);
    CHECK(kept->refunded_cents == 1100);
    CHECK(kept->summary.find("Flat white") != std::string::npos);
  }

  const auto events = t.outbox();
  REQUIRE(events.size() == 4);
  CHECK(events[0].kind == domain::EventKind::kPurchase);
  CHECK(events[1].kind == domain::EventKind::kPurchase);
  CHECK(events[1].card_token == t.token(kAdaCard));
  CHECK(events[2].kind == domain::EventKind::kRefund);
  CHECK_THAT(events[2].payload, Catch::Contains(purchase_id));
  CHECK(events[3].kind == domain::EventKind::kVoid);
  CHECK(t.woken == 4);
}

TEST_CASE("the POS API refuses bad requests with a clear error and records nothing", "[pos]") {
  Api t;
  SECTION("unauthenticated") {
    const auto none = t.call("POST", "/pos/v1/purchases", kPurchase, "k1", "");
    CHECK(none.status == 401);
    CHECK(error_of(none) == "unauthorised");
    CHECK(header_of(none, "www-authenticate") == "Bearer");
    CHECK(t.call("POST", "/pos/v1/purchases", kPurchase, "k1", kApiKey + "x").status == 401);
    CHECK(t.call("GET", "/pos/v1/members/1", "", {}, "wrong").status == 401);
  }
  SECTION("no idempotency key") {
    const auto r = t.call("POST", "/pos/v1/purchases", kPurchase);
    CHECK(r.status == 400);
    CHECK(error_of(r) == "missing_idempotency_key");
    CHECK(error_of(t.call("POST", "/pos/v1/purchases", kPurchase, std::string(129, 'k'))) ==
          "bad_idempotency_key");
  }
  SECTION("malformed JSON, missing and unknown fields") {
    CHECK(error_of(t.call("POST", "/pos/v1/purchases", "{\"member_id\":1,", "k2")) == "bad_json");
    CHECK(error_of(t.call("POST", "/pos/v1/purchases", "[1]", "k3")) == "bad_json");
    const auto no_lines = t.call("POST", "/pos/v1/purchases", R"({"member_id":1})", "k4");
    CHECK(no_lines.status == 400);
    CHECK(error_of(no_lines) == "missing_field");
    CHECK_THAT(no_lines.body, Catch::Contains("'lines'"));
    const auto no_amount = t.call("POST", "/pos/v1/purchases",
                                  R"({"member_id":1,"lines":[{"product":"a","category":"b"}]})",
                                  "k5");
    CHECK_THAT(no_amount.body, Catch::Contains("lines[0].amount_cents"));
    CHECK(error_of(t.call("POST", "/pos/v1/purchases",
                          R"({"member_id":"1","lines":[]})", "k6")) == "wrong_type");
    CHECK(error_of(t.call("POST", "/pos/v1/refunds",
                          R"({"member_id":1,"purchase_id":"x","amount_cents":1,"tip":1})",
                          "k7")) == "unknown_field");
    CHECK(error_of(t.call("POST", "/pos/v1/voids", R"({"purchase_id":"x"})", "k8")) ==
          "missing_customer");
    const auto invalid = t.call(
        "POST", "/pos/v1/purchases",
        R"({"member_id":1,"lines":[{"product":"a","category":"b","amount_cents":-5}]})", "k9");
    CHECK(invalid.status == 422);
    CHECK(error_of(invalid) == "invalid_sale");
  }
  SECTION("unknown and blocked cards, unknown members") {
    const auto lines = std::string(R"(,"lines":[{"product":"a","category":"b","amount_cents":5}]})");
    const auto unknown =
        t.call("POST", "/pos/v1/purchases",
               std::string(R"({"card_read":")") + kUnknownCard + "\"" + lines, "k10");
    CHECK(unknown.status == 404);
    CHECK(error_of(unknown) == "unknown_card");
    const auto blocked =
        t.call("POST", "/pos/v1/purchases",
               std::string(R"({"card_read":")") + kGraceCard + "\"" + lines, "k11");
    CHECK(blocked.status == 409);
    CHECK(error_of(blocked) == "card_blocked");
    const auto nobody = t.call("POST", "/pos/v1/purchases", R"({"member_id":99)" + lines, "k12");
    CHECK(nobody.status == 404);
    CHECK(error_of(nobody) == "unknown_member");
  }
  SECTION("oversized body, unknown path, wrong method") {
    const auto big = t.call("POST", "/pos/v1/purchases",
                            R"({"member_id":1,"receipt":")" + std::string(70'000, 'x') + "\"}",
                            "k13");
    CHECK(big.status == 413);
    CHECK(error_of(big) == "body_too_large");
    CHECK(t.call("GET", "/pos/v1/nothing", "").status == 404);
    CHECK(t.call("GET", "/pos/v1/purchases", "").status == 405);
  }
  // A refusal keeps nothing: not an event, not the key (a corrected request may reuse it).
  CHECK(t.outbox().empty());
  CHECK(t.call("POST", "/pos/v1/purchases", kPurchase, "k9").status == 201);
}

TEST_CASE("every route the POS API answers is in its OpenAPI document, and no other",
          "[pos]") {
  std::ifstream in(std::filesystem::path(RAPPORT_SOURCE_DIR) / "docs/pos-api.openapi.yaml");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  REQUIRE(doc.starts_with("openapi: 3."));
  // Minimal reading: under `paths:`, a path is a two-space key starting with '/', its
  // operations are four-space keys.
  std::map<std::string, std::set<std::string>> documented;
  std::map<std::string, std::string> section;  // each path's lines, for its request's fields
  std::string current;
  bool in_paths = false;
  std::istringstream lines(doc);
  for (std::string line; std::getline(lines, line);) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (!line.empty() && line[0] != ' ' && line[0] != '#') break;  // the next top-level key
    if (!current.empty()) section[current] += line + "\n";
    if (line.starts_with("  /") && line.ends_with(":")) {
      current = line.substr(2, line.size() - 3);
      documented[current];
    } else if (!current.empty() && line.starts_with("    ") && line[4] != ' ' &&
               line.ends_with(":")) {
      documented[current].insert(line.substr(4, line.size() - 5));
    }
  }
  std::size_t operations = 0;
  for (const auto& route : terminal::pos::kRoutes) {
    std::string method(route.method);
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    INFO(route.method << " " << route.path);
    REQUIRE(documented.count(std::string(route.path)) == 1);
    CHECK(documented[std::string(route.path)].count(method) == 1);
  }
  for (const auto& [path, methods] : documented) {
    for (const auto& m : methods) {
      if (m == "parameters") continue;
      ++operations;
    }
  }
  CHECK(operations == terminal::pos::kRoutes.size());
  // Every request that records a sale, refund, void or redemption takes the POS's operator.
  for (const char* path :
       {"/pos/v1/purchases", "/pos/v1/refunds", "/pos/v1/voids", "/pos/v1/redemptions"}) {
    INFO(path);
    CHECK(section[path].find("$ref: \"#/components/schemas/Staff\"") != std::string::npos);
  }
  CHECK(doc.find("    Staff:\n") != std::string::npos);
}

// Gap 3 of docs/issue9-audit.md: the POS names its operator (`staff`) and the terminal keeps
// it with the audit line of the event, as the screen keeps its signed-in cashier.
TEST_CASE("the POS API records the POS's operator with each event and refuses a bad one",
          "[pos]") {
  Api t;
  give_ada_rewards(t);
  const auto with_staff = [](std::string body, const std::string& staff) {
    body.insert(1, R"("staff":")" + staff + "\",");
    return body;
  };
  const auto bought = t.call("POST", "/pos/v1/purchases", with_staff(kPurchase, "till-7 Jo"), "s1");
  REQUIRE(bought.status == 201);
  const std::string purchase_id(object_of(bought).at("event_id").as_string());
  REQUIRE(t.call("POST", "/pos/v1/refunds",
                 with_staff(R"({"member_id":1,"purchase_id":")" + purchase_id +
                                R"(","amount_cents":100})",
                            "Zoë"),
                 "s2")
              .status == 201);
  REQUIRE(t.call("POST", "/pos/v1/voids",
                 with_staff(R"({"member_id":1,"purchase_id":")" + purchase_id + "\"}", "42"),
                 "s3")
              .status == 201);
  REQUIRE(t.call("POST", "/pos/v1/redemptions",
                 with_staff(R"({"member_id":1,"offer_id":"free-coffee"})", "till-7 Jo"), "s4")
              .status == 201);
  // Without `staff`: recorded, with no audit line (as before).
  REQUIRE(t.call("POST", "/pos/v1/purchases", kPurchase, "s5").status == 201);

  SECTION("each event with its operator, in the audit") {
    auto db = terminal::open_local_database(t.dir / "terminal.db").value();
    auto rows = db.prepare("SELECT a.action, a.pos_staff, a.staff_id IS NULL, o.kind FROM "
                           "staff_actions a JOIN outbox o ON o.id = a.event_id ORDER BY a.seq")
                    .value();
    std::vector<std::string> seen;
    while (rows.step().value()) {
      CHECK(rows.column_int64(2) == 1);  // no cashier of the screen
      seen.push_back(rows.column_text(0) + "/" + rows.column_text(3) + " by " +
                     rows.column_text(1));
    }
    CHECK(seen == std::vector<std::string>{"purchase/purchase by till-7 Jo",
                                           "refund/refund by Zoë", "void/void by 42",
                                           "redeem/redemption by till-7 Jo"});
  }
  SECTION("a bad operator is refused with what to send, and nothing is recorded") {
    const auto before = t.outbox().size();
    for (const auto& bad : {std::string(R"({"staff":"","member_id":1,"purchase_id":"x"})"),
                            R"({"staff":")" + std::string(65, 'x') +
                                R"(","member_id":1,"purchase_id":"x"})",
                            std::string(R"({"staff":"a\u0007b","member_id":1,"purchase_id":"x"})"),
                            std::string(R"({"staff":"a\nb","member_id":1,"purchase_id":"x"})")}) {
      INFO(bad);
      const auto refused = t.call("POST", "/pos/v1/voids", bad, "bad-staff");
      CHECK(refused.status == 400);
      CHECK(error_of(refused) == "bad_field");
      CHECK_THAT(refused.body, Catch::Contains("'staff'"));
    }
    const auto typed = t.call("POST", "/pos/v1/purchases",
                              with_staff(kPurchase, "x").replace(9, 3, "7"), "bad-staff-2");
    CHECK(typed.status == 400);
    CHECK(error_of(typed) == "wrong_type");
    CHECK(error_of(t.call("POST", "/pos/v1/redemptions",
                          R"({"staff":"","member_id":1,"offer_id":"free-coffee"})", "bad-3")) ==
          "bad_field");
    // 64 bytes of UTF-8 are fine.
    CHECK(t.call("POST", "/pos/v1/purchases", with_staff(kPurchase, std::string(64, 'y')), "ok-64")
              .status == 201);
    CHECK(t.outbox().size() == before + 1);
  }
}

TEST_CASE("the POS API is configured by [pos_api] and its key file must be private and long",
          "[pos]") {
  testing::TempDir dir;
  const std::string base =
      "[terminal]\nid = \"T1\"\nstore = \"S1\"\ndatabase = \"t.db\"\n"
      "[server]\naddress = \"127.0.0.1:8443\"\n"
      "[tls]\ncertificate = \"c\"\nprivate_key = \"k\"\nca_certificates = \"ca\"\n"
      "[cards]\ncard_key = \"card.key\"\nissuer_prefix = \"627599\"\n";
  write_file_atomically(dir / "off.toml", base, false);
  CHECK_FALSE(terminal::load_terminal_config(dir / "off.toml").pos_api_host);
  write_file_atomically(dir / "on.toml",
                        base + "[pos_api]\nlisten = \"127.0.0.1:8471\"\napi_key_file = \"pos.key\"\n",
                        false);
  const auto config = terminal::load_terminal_config(dir / "on.toml");
  CHECK(config.pos_api_host == "127.0.0.1");
  CHECK(config.pos_api_port == 8471);
  CHECK(config.pos_api_key_file == dir / "pos.key");
  write_file_atomically(dir / "nokey.toml", base + "[pos_api]\nlisten = \"127.0.0.1:8471\"\n",
                        false);
  CHECK_THROWS_WITH(terminal::load_terminal_config(dir / "nokey.toml"),
                    Catch::Contains("pos_api.api_key_file"));

  CHECK_THROWS_WITH(terminal::load_pos_api_key(dir / "pos.key"), Catch::Contains("openssl rand"));
  write_file_atomically(dir / "pos.key", "short\n", true);
  CHECK_THROWS_WITH(terminal::load_pos_api_key(dir / "pos.key"), Catch::Contains("32"));
  write_file_atomically(dir / "pos.key", "  " + kApiKey + "\n", true);
  CHECK(terminal::load_pos_api_key(dir / "pos.key") == kApiKey);
  write_file_atomically(dir / "pos.key", kApiKey, false);
  std::filesystem::permissions(dir / "pos.key", std::filesystem::perms::group_read,
                               std::filesystem::perm_options::add);
  CHECK_THROWS_WITH(terminal::load_pos_api_key(dir / "pos.key"), Catch::Contains("chmod 600"));
}

TEST_CASE("the POS API redeems an offer or points once per key, within the balance and the "
          "offline limit",
          "[pos][redemption]") {
  Api t;
  give_ada_rewards(t);
  const auto member = object_of(t.call("GET", "/pos/v1/members/1", ""));
  REQUIRE(member.at("offers").as_array().size() == 2);
  CHECK(member.at("offers").as_array()[0].at("id").as_string() == "free-coffee");

  const std::string coffee = R"({"member_id":1,"offer_id":"free-coffee"})";
  const auto redeemed = t.call("POST", "/pos/v1/redemptions", coffee, "redeem-1");
  REQUIRE(redeemed.status == 201);
  const auto receipt = object_of(redeemed);
  CHECK(receipt.at("kind").as_string() == "redemption");
  CHECK(receipt.at("member_id").as_int64() == 1);
  CHECK(receipt.at("card_last4").as_string() == "7894");
  CHECK(receipt.at("offer_id").as_string() == "free-coffee");
  CHECK(receipt.at("points").as_int64() == 300);
  CHECK(receipt.at("balance_after").as_int64() == 200);
  CHECK_FALSE(receipt.at("checked_online").as_bool());

  // The answer was lost; the POS retries: the same answer, one redemption.
  for (int i = 0; i < 2; ++i) {
    const auto retry = t.call("POST", "/pos/v1/redemptions", coffee, "redeem-1");
    CHECK(retry.status == 201);
    CHECK(retry.body == redeemed.body);
    CHECK(header_of(retry, "idempotent-replayed") == "true");
  }
  CHECK(t.outbox().size() == 1);

  // The offer is used: a new request for it is refused.
  const auto again = t.call("POST", "/pos/v1/redemptions", coffee, "redeem-2");
  CHECK(again.status == 404);
  CHECK(error_of(again) == "unknown_offer");
  // 200 points left, 300 of today's 400 offline points spent.
  const auto over_limit = t.call("POST", "/pos/v1/redemptions",
                                 std::string(R"({"card_read":")") + kAdaCard + R"(","points":150})",
                                 "redeem-3");
  CHECK(over_limit.status == 409);
  CHECK(error_of(over_limit) == "offline_limit");
  const auto too_many = t.call("POST", "/pos/v1/redemptions", R"({"member_id":1,"points":1000})",
                               "redeem-4");
  CHECK(too_many.status == 409);
  CHECK(error_of(too_many) == "not_enough_points");
  const auto within = t.call("POST", "/pos/v1/redemptions",
                             R"({"member_id":1,"points":100,"reward":"tote bag"})", "redeem-5");
  REQUIRE(within.status == 201);
  CHECK(object_of(within).at("balance_after").as_int64() == 100);
  // A gift of 0 points is accepted, not debited.
  const auto gift = t.call("POST", "/pos/v1/redemptions",
                           R"({"member_id":1,"offer_id":"birthday-cake"})", "redeem-6");
  REQUIRE(gift.status == 201);
  CHECK(object_of(gift).at("kind").as_string() == "offer_accepted");
  CHECK(object_of(t.call("GET", "/pos/v1/members/1", "")).at("offers").as_array().empty());

  const auto events = t.outbox();
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == domain::EventKind::kRedemption);
  CHECK(events[0].member_id == 1);
  CHECK_THAT(events[0].payload, Catch::Contains("free-coffee"));
  CHECK(events[1].kind == domain::EventKind::kRedemption);
  CHECK_THAT(events[1].payload, Catch::Contains("tote bag"));
  CHECK(events[2].kind == domain::EventKind::kOfferResponse);
  CHECK(t.woken == 3);
}

TEST_CASE("the POS API refuses malformed redemptions and unknown members and records nothing",
          "[pos][redemption]") {
  Api t;
  give_ada_rewards(t);
  const auto refused = [&](const std::string& body, unsigned status, const std::string& error) {
    INFO(body);
    const auto r = t.call("POST", "/pos/v1/redemptions", body, "bad-1");
    CHECK(r.status == status);
    CHECK(error_of(r) == error);
  };
  refused("{", 400, "bad_json");
  refused(R"({"member_id":1})", 400, "missing_reward");
  refused(R"({"member_id":1,"offer_id":"free-coffee","points":5})", 400, "missing_reward");
  refused(R"({"points":5})", 400, "missing_customer");
  refused(R"({"member_id":1,"points":0})", 400, "bad_field");
  refused(R"({"member_id":1,"points":"5"})", 400, "wrong_type");
  refused(R"({"member_id":1,"offer_id":""})", 400, "bad_field");
  refused(R"({"member_id":1,"offer_id":"free-coffee","reward":"x"})", 400, "bad_field");
  refused(R"({"member_id":1,"points":5,"discount":1})", 400, "unknown_field");
  refused(R"({"member_id":99,"points":5})", 404, "unknown_member");
  refused(R"({"member_id":1,"offer_id":"no-such-offer"})", 404, "unknown_offer");
  refused(std::string(R"({"card_read":")") + kUnknownCard + R"(","points":5})", 404,
          "unknown_card");
  refused(std::string(R"({"card_read":")") + kGraceCard + R"(","points":5})", 409,
          "card_blocked");
  refused(R"({"card_read":"1234","points":5})", 422, "bad_card_read");
  const auto no_key = t.call("POST", "/pos/v1/redemptions", R"({"member_id":1,"points":5})");
  CHECK(no_key.status == 400);
  CHECK(error_of(no_key) == "missing_idempotency_key");
  CHECK(t.outbox().empty());
  CHECK(t.woken == 0);
  // Refusals keep nothing: the corrected request may use the same key.
  CHECK(t.call("POST", "/pos/v1/redemptions", R"({"member_id":1,"points":5})", "bad-1").status ==
        201);
  CHECK(t.outbox().size() == 1);
}
