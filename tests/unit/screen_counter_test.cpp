// tests/unit/screen_counter_test.cpp
//
// The cashier screen's counter actions (terminal/screen/counter_actions.h) on a real SQLite
// file: the sale, refund, redeem and gesture forms and their messages; a sale with two lines
// recorded through Sales::record with the cashier in the audit and kept in local_sales; a
// refund in part and of the rest, then refused as already refunded, for an unknown or another
// member's sale, or beyond what is left; an offer redeemed offline within the limit, refused
// beyond it with the reason; goodwill points within the cashier's limit; the member panel's
// points, "points to go" and refundable sales; and the handler acting only for the member on
// screen, pushing the panel with the status without recording anything.

#include <boost/json/parse.hpp>

#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"
#include "terminal/local_database.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/screen/counter_actions.h"
#include "terminal/screen/sale_forms.h"
#include "terminal/screen/screen_handler.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace rapport::terminal;

namespace {

const std::string kToken(64, 'a');
const auto kMorning = *from_iso8601("2026-11-26T09:00:00.000Z");

// Ada as the server sends her: `points`, the offers, and the chain's counter limits
// (200 points offline per member per day, 100 goodwill points per cashier per day).
protocol::ChangesPage ada_page(std::int64_t points, std::vector<domain::MemberOffer> offers) {
  domain::Member ada;
  ada.id = 1;
  ada.name = "Ada Lovelace";
  ada.home_store = "S1";
  ada.visit_count = 4;
  ada.cards = {{kToken, "7894", domain::CardStatus::kActive}};
  ada.points_balance = points;
  ada.offers = std::move(offers);
  domain::Member bob = ada;
  bob.id = 2;
  bob.name = "Bob";
  bob.cards = {{std::string(64, 'b'), "1111", domain::CardStatus::kActive}};
  bob.offers.clear();
  return {"S1", {ada, bob}, "1.1", false, {}, protocol::CounterLimits{200, 100}};
}

const domain::MemberOffer kCoffee{"free-coffee", "A free coffee", "free_item", 150};
const domain::MemberOffer kHamper{"hamper", "A hamper", "free_item", 900};

struct Till {
  testing::TempDir dir;
  storage::Database db = open_local_database(dir / "terminal.db").value();
  StaffMember ana = StaffPins(db).set_pin("ana", "4821", kMorning).value();
  CounterActions counter{db, {"T1", "S1"}, nullptr};
  ScanTarget ada{false, 1, kToken, "7894"};

  explicit Till(std::int64_t points = 300) {
    MemberCache cache(db);
    REQUIRE(cache.apply(ada_page(points, {kCoffee, kHamper})));
  }
  std::int64_t count(const std::string& sql) {
    auto stmt = db.prepare(sql).value();
    REQUIRE(stmt.step().value());
    return stmt.column_int64(0);
  }
};

SaleForm two_lines() {
  auto parsed = parse_sale_form(
      R"({"scan":1,"lines":[{"product":"Flat white","category":"coffee","quantity":"2",)"
      R"("amount":"7.00"},{"product":"Croissant","category":"bakery","quantity":1,)"
      R"("amount":"3,5"}]})");
  REQUIRE(parsed.form);
  return *parsed.form;
}

net::HttpRequest post(const std::string& target, const std::string& body,
                      const std::string& cookie) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = target;
  r.body = body;
  r.headers.push_back({"x-rapport-screen", "1"});
  if (!cookie.empty()) r.headers.push_back({"cookie", cookie});
  return r;
}

}  // namespace

TEST_CASE("the screen's sale, refund, redeem and gesture forms say what to fix", "[screen]") {
  CHECK(parse_amount_cents("7") == 700);
  CHECK(parse_amount_cents(" 7.5 ") == 750);
  CHECK(parse_amount_cents("1234,05") == 123405);
  CHECK(parse_amount_cents("0.00") == 0);
  CHECK(parse_amount_cents("1000000000.00") == protocol::kMaxAmountCents);
  for (const char* bad : {"", "-1", "1.234", "1.", ".5", "1e3", "12 50", "10000000000"}) {
    INFO(bad);
    CHECK_FALSE(parse_amount_cents(bad));
  }

  const auto sale = two_lines();
  CHECK(sale.scan == 1);
  REQUIRE(sale.lines.size() == 2);
  CHECK(sale.lines[0].quantity == 2);
  CHECK(sale.lines[0].amount_cents == 700);
  CHECK(sale.lines[1].amount_cents == 350);
  CHECK(parse_sale_form(R"({"scan":1,"lines":[]})").problem == "add at least one line");
  CHECK(parse_sale_form(R"({"lines":[{}]})").problem.find("which member") != std::string::npos);
  CHECK(parse_sale_form(R"({"scan":1,"lines":[{"product":"Tea","category":"tea","quantity":0,)"
                        R"("amount":"2"}]})")
            .problem == "line 1: the quantity is a whole number from 1 to 10000");
  CHECK(parse_sale_form(R"({"scan":1,"lines":[{"product":"Tea","category":"tea","quantity":1,)"
                        R"("amount":"-2"}]})")
            .problem.find("line 1: type the amount") != std::string::npos);
  CHECK(parse_sale_form(R"({"scan":1,"lines":[{"product":"Tea","quantity":1,"amount":"2"}]})")
            .problem == "line 1: choose the category");

  const auto refund = parse_refund_form(R"({"scan":2,"sale":"E1","amount":""})");
  REQUIRE(refund.form);
  CHECK_FALSE(refund.form->amount_cents);  // all that is left
  CHECK(parse_refund_form(R"({"scan":2,"sale":"E1","amount":"2.50"})").form->amount_cents == 250);
  CHECK(parse_refund_form(R"({"scan":2,"sale":"E1","amount":"0"})").problem.find("amount") !=
        std::string::npos);
  CHECK(parse_refund_form(R"({"scan":2})").problem == "choose the sale to refund");

  CHECK(parse_redeem_form(R"({"scan":2,"offer_id":"free-coffee"})").form->offer_id ==
        "free-coffee");
  CHECK(parse_redeem_form(R"({"scan":2,"offer_id":7})").problem ==
        "choose one of the offers shown");
  const auto gesture = parse_gesture_form(R"({"scan":2,"points":"20","reason":" cold "})");
  REQUIRE(gesture.form);
  CHECK(gesture.form->points == 20);
  CHECK(gesture.form->reason == "cold");
  CHECK(parse_gesture_form(R"({"scan":2,"points":-3,"reason":"x"})").problem ==
        "give a whole number of points above 0");
  CHECK(parse_gesture_form(R"({"scan":2,"points":3})").problem.find("say why") !=
        std::string::npos);
}

TEST_CASE("a sale from the screen is recorded with its lines and refunded at most in full",
          "[screen]") {
  Till till;
  const auto sale = till.counter.sale(two_lines(), till.ada, till.ana, kMorning);
  REQUIRE(sale);
  const auto purchase = protocol::decode_purchase(sale->payload).value();
  CHECK(purchase.lines.size() == 2);
  CHECK(purchase.total_cents == 1050);
  CHECK(till.count("SELECT count(*) FROM outbox WHERE kind = 'purchase'") == 1);
  CHECK(till.count("SELECT count(*) FROM staff_actions WHERE action = 'purchase' AND "
                   "staff_id = " +
                   std::to_string(till.ana.id)) == 1);
  auto kept = LocalSales(till.db).find(sale->event_id).value();
  REQUIRE(kept);
  CHECK(kept->summary == "2 x Flat white, Croissant");
  CHECK(kept->total_cents == 1050);

  const auto refund = [&](std::string sale_id, std::optional<std::int64_t> cents) {
    return till.counter.refund(RefundForm{1, std::move(sale_id), cents}, till.ada, till.ana,
                               kMorning);
  };
  CHECK(refund("no-such-sale", std::nullopt).error() == RefundErrc::kUnknownSale);
  CHECK(refund(sale->event_id, 1051).error() == RefundErrc::kTooMuch);
  const auto part = refund(sale->event_id, 350);
  REQUIRE(part);
  CHECK(protocol::decode_refund(part->payload).value().amount_cents == 350);
  const auto rest = refund(sale->event_id, std::nullopt);
  REQUIRE(rest);
  CHECK(protocol::decode_refund(rest->payload).value().amount_cents == 700);
  CHECK(protocol::decode_refund(rest->payload).value().purchase_id == sale->event_id);
  const auto again = refund(sale->event_id, std::nullopt);
  CHECK(again.error() == RefundErrc::kAlreadyRefunded);
  CHECK(again.error().message().find("refunded already") != std::string::npos);
  // Bob cannot be refunded Ada's sale.
  const ScanTarget bob{false, 2, std::string(64, 'b'), "1111"};
  CHECK(till.counter.refund(RefundForm{1, sale->event_id, 100}, bob, till.ana, kMorning).error() ==
        RefundErrc::kUnknownSale);
  CHECK(till.count("SELECT count(*) FROM outbox WHERE kind = 'refund'") == 2);
  CHECK(till.count("SELECT count(*) FROM staff_actions WHERE action = 'refund'") == 2);

  const auto panel = till.counter.panel(till.ada).value().value();
  const auto& sales = panel.at("sales").as_array();
  REQUIRE(sales.size() == 1);
  CHECK(sales[0].at("refundable_cents").as_int64() == 0);
  CHECK(sales[0].at("total_cents").as_int64() == 1050);
  // A card this store does not know is refused with what to do.
  const ScanTarget stranger{false, 9, std::string(64, 'f'), "0000"};
  const auto refused = till.counter.sale(two_lines(), stranger, till.ana, kMorning);
  CHECK(refused.error() == SalesErrc::kUnknownCard);
  // Ada's membership erased on the server: her sales kept here for refunds go with her.
  protocol::ChangesPage erased{"S1", {}, "1.2", false, {1}, std::nullopt};
  REQUIRE(MemberCache(till.db).apply(erased));
  CHECK(till.count("SELECT count(*) FROM local_sales") == 0);
}

TEST_CASE("a purchase rung up at another till comes with the member and is refunded here at most "
          "in full",
          "[screen]") {
  Till till;
  // The server sends Ada with two purchases of other tills (docs/protocol.md, "Recent
  // purchases"): one with all of it left, one refunded already.
  const domain::MemberPurchase latte{domain::new_event_id(), "2026-11-20T10:00:00.000Z", "S2",
                                     "2 x Latte", 800, 800};
  const domain::MemberPurchase cake{domain::new_event_id(), "2026-11-18T10:00:00.000Z", "S3",
                                    "Cake", 450, 0};
  const auto send_ada = [&](std::vector<domain::MemberPurchase> purchases) {
    auto page = ada_page(300, {});
    page.members[0].recent_purchases = std::move(purchases);
    // Through the wire form, as a pull receives it.
    REQUIRE(MemberCache(till.db).apply(
        protocol::decode_changes_page(protocol::encode(page)).value()));
  };
  send_ada({latte, cake});
  CHECK(till.count("SELECT count(*) FROM member_purchases WHERE member_id = 1") == 2);
  const auto listed = [&] {
    return till.counter.panel(till.ada).value().value().at("sales").as_array();
  };
  auto sales = listed();
  REQUIRE(sales.size() == 2);
  CHECK(sales[0].at("id").as_string() == latte.event_id);
  CHECK(sales[0].at("store").as_string() == "S2");
  CHECK(sales[0].at("summary").as_string() == "2 x Latte");
  CHECK(sales[0].at("refundable_cents").as_int64() == 800);
  CHECK(sales[1].at("refundable_cents").as_int64() == 0);

  const auto refund = [&](const std::string& sale_id, std::optional<std::int64_t> cents,
                          const ScanTarget& member) {
    return till.counter.refund(RefundForm{1, sale_id, cents}, member, till.ana, kMorning);
  };
  const auto part = refund(latte.event_id, 300, till.ada);
  REQUIRE(part);
  CHECK(protocol::decode_refund(part->payload).value().purchase_id == latte.event_id);
  CHECK(protocol::decode_refund(part->payload).value().amount_cents == 300);
  CHECK(listed()[0].at("refundable_cents").as_int64() == 500);
  // A pull before the refund reached the server: what was refunded here stays refunded.
  send_ada({latte, cake});
  CHECK(listed()[0].at("refundable_cents").as_int64() == 500);
  // The server has it, and another till refunded 300 more: 200 left.
  auto after = latte;
  after.refundable_cents = 200;
  send_ada({after, cake});
  CHECK(listed()[0].at("refundable_cents").as_int64() == 200);
  CHECK(refund(latte.event_id, 201, till.ada).error() == RefundErrc::kTooMuch);
  const auto rest = refund(latte.event_id, std::nullopt, till.ada);
  REQUIRE(rest);
  CHECK(protocol::decode_refund(rest->payload).value().amount_cents == 200);
  CHECK(refund(latte.event_id, std::nullopt, till.ada).error() == RefundErrc::kAlreadyRefunded);
  CHECK(refund(cake.event_id, std::nullopt, till.ada).error() == RefundErrc::kAlreadyRefunded);
  const ScanTarget bob{false, 2, std::string(64, 'b'), "1111"};
  CHECK(refund(latte.event_id, 100, bob).error() == RefundErrc::kUnknownSale);
  CHECK(till.count("SELECT count(*) FROM outbox WHERE kind = 'refund'") == 2);
  CHECK(till.count("SELECT count(*) FROM staff_actions WHERE action = 'refund'") == 2);

  // A sale of this till back from the server, refunded in part at another till: listed once,
  // with the smaller amount left.
  const auto sale = till.counter.sale(two_lines(), till.ada, till.ana, kMorning);
  REQUIRE(sale);
  const domain::MemberPurchase back{sale->event_id, sale->occurred_at, "S1",
                                    "2 x Flat white, Croissant", 1050, 50};
  send_ada({back, after, cake});
  sales = listed();
  REQUIRE(sales.size() == 3);
  CHECK(sales[0].at("id").as_string() == sale->event_id);
  CHECK(sales[0].at("store").as_string().empty());  // rung up here
  CHECK(sales[0].at("refundable_cents").as_int64() == 50);
  CHECK(refund(sale->event_id, 51, till.ada).error() == RefundErrc::kTooMuch);

  // Erased on the server: her purchases go with her.
  protocol::ChangesPage erased{"S1", {}, "1.2", false, {1}, std::nullopt};
  REQUIRE(MemberCache(till.db).apply(erased));
  CHECK(till.count("SELECT count(*) FROM member_purchases") == 0);
}

TEST_CASE(
    "an offer is redeemed in one touch offline within the limit, and the panel says what "
    "is still needed",
    "[screen]") {
  Till till(300);
  auto panel = till.counter.panel(till.ada).value().value();
  CHECK(panel.at("points_balance").as_int64() == 300);
  CHECK(panel.at("visit_count").as_int64() == 4);
  const auto& offers = panel.at("offers").as_array();
  REQUIRE(offers.size() == 2);
  CHECK(offers[0].at("id").as_string() == "free-coffee");
  CHECK(offers[0].at("to_go").as_int64() == 0);
  CHECK(offers[1].at("to_go").as_int64() == 600);         // "600 points to go"
  CHECK(till.count("SELECT count(*) FROM outbox") == 0);  // showing the panel records nothing

  const auto redeemed =
      till.counter.redeem(RedeemForm{1, "free-coffee"}, till.ada, till.ana, kMorning);
  REQUIRE(redeemed);
  CHECK_FALSE(redeemed->checked_online);
  CHECK(redeemed->message.find("offline") != std::string::npos);
  CHECK(till.count("SELECT count(*) FROM outbox WHERE kind = 'redemption'") == 1);
  CHECK(till.count("SELECT count(*) FROM staff_actions WHERE action = 'redeem' AND event_id = '" +
                   redeemed->event_id + "'") == 1);
  panel = till.counter.panel(till.ada).value().value();
  CHECK(panel.at("points_balance").as_int64() == 150);
  REQUIRE(panel.at("offers").as_array().size() == 1);
  CHECK(panel.at("offers").as_array()[0].at("to_go").as_int64() == 750);
  // Not one of her offers any more; the hamper is beyond her points.
  CHECK(till.counter.redeem(RedeemForm{1, "free-coffee"}, till.ada, till.ana, kMorning).error() ==
        RedemptionErrc::kNoSuchOffer);
  CHECK(till.counter.redeem(RedeemForm{1, "hamper"}, till.ada, till.ana, kMorning).error() ==
        RedemptionErrc::kNotEnoughPoints);

  const auto given =
      till.counter.gesture(GestureForm{1, 60, "coffee was cold"}, till.ada, till.ana, kMorning);
  REQUIRE(given);
  CHECK(given->message.find("by ana") != std::string::npos);
  CHECK(till.count("SELECT count(*) FROM staff_actions WHERE action = 'gesture'") == 1);
  CHECK(till.counter.gesture(GestureForm{1, 41, "again"}, till.ada, till.ana, kMorning).error() ==
        RedemptionErrc::kGestureLimit);
  CHECK(till.counter.panel(till.ada).value().value().at("points_balance").as_int64() == 210);
}

TEST_CASE("the screen acts for the member on screen only and pushes their panel with the status",
          "[screen]") {
  Till till(300);
  StaffPins staff(till.db);
  ScreenBoard board;
  ScreenHandler handler(
      board, staff, [] { return ScreenStatus{}; }, nullptr, &till.counter);
  const std::string sale_body =
      R"(,"lines":[{"product":"Tea","category":"tea","quantity":1,"amount":"2.40"}]})";
  CHECK(handler.handle(post("/api/sale", R"({"scan":1)" + sale_body, "")).status == 401);
  const auto login = handler.handle(post("/api/login", R"({"name":"ana","pin":"4821"})", ""));
  REQUIRE(login.status == 200);
  std::string cookie;
  for (const auto& h : login.headers) {
    if (h.name == "Set-Cookie") cookie = h.value.substr(0, h.value.find(';'));
  }
  board.publish(R"({"outcome":"member"})", till.ada);
  const auto seq = std::to_string(board.latest().seq);

  CHECK(handler.handle(post("/api/sale", R"({"scan":99)" + sale_body, cookie)).status == 409);
  CHECK(handler.handle(post("/api/sale", R"({"scan":)" + seq + R"(,"lines":[]})", cookie)).status ==
        400);
  const auto sold = handler.handle(post("/api/sale", R"({"scan":)" + seq + sale_body, cookie));
  REQUIRE(sold.status == 200);
  CHECK(sold.body.find("Sale of 2.40 recorded for Ada Lovelace") != std::string::npos);
  const auto sale_id =
      std::string(boost::json::parse(sold.body).as_object().at("event_id").as_string());

  // The status carries the panel of the scan on screen, with the sale to refund.
  net::HttpRequest events;
  events.method = "GET";
  events.target = "/events";
  events.headers.push_back({"cookie", cookie});
  const auto opened = handler.handle(events);
  REQUIRE(opened.stream);
  const auto stream = opened.stream->drain().bytes;
  const auto data = stream.substr(stream.rfind("data: ") + 6);
  const auto status = boost::json::parse(data.substr(0, data.find('\n'))).as_object();
  const auto& panel = status.at("panel").as_object();
  CHECK(panel.at("scan").as_int64() == std::stoll(seq));
  CHECK(panel.at("sales").as_array()[0].at("id").as_string() == sale_id);
  CHECK(panel.at("offers").as_array().size() == 2);

  const auto refund = [&] {
    return handler.handle(
        post("/api/refund", R"({"scan":)" + seq + R"(,"sale":")" + sale_id + R"("})", cookie));
  };
  CHECK(refund().status == 200);
  const auto twice = refund();
  CHECK(twice.status == 409);
  CHECK(twice.body.find("refunded already") != std::string::npos);
  const auto redeem =
      handler.handle(post("/api/redeem", R"({"scan":)" + seq + R"(,"offer_id":"hamper"})", cookie));
  CHECK(redeem.status == 409);
  CHECK(redeem.body.find("not enough points") != std::string::npos);
  CHECK(handler
            .handle(
                post("/api/redeem", R"({"scan":)" + seq + R"(,"offer_id":"free-coffee"})", cookie))
            .status == 200);
  CHECK(handler
            .handle(
                post("/api/gesture", R"({"scan":)" + seq + R"(,"points":5,"reason":"x"})", cookie))
            .status == 200);

  // The customer says no to the other offer: declined as the counter's `decline` records it,
  // and it leaves their list; an offer no longer listed cannot be declined.
  const auto declined =
      handler.handle(post("/api/decline", R"({"scan":)" + seq + R"(,"offer_id":"hamper"})", cookie));
  REQUIRE(declined.status == 200);
  const auto declined_id =
      std::string(boost::json::parse(declined.body).as_object().at("event_id").as_string());
  CHECK(till.count("SELECT count(*) FROM outbox WHERE kind = 'offer_response' AND id = '" +
                   declined_id + "' AND payload LIKE '%hamper%' AND payload LIKE '%declined%'") ==
        1);
  CHECK(handler
            .handle(post("/api/decline", R"({"scan":)" + seq + R"(,"offer_id":"hamper"})", cookie))
            .status == 409);
  CHECK(handler.handle(post("/api/decline", R"({"scan":)" + seq + R"(})", cookie)).status == 400);
  const auto after_decline = handler.handle(events);
  REQUIRE(after_decline.stream);
  CHECK(after_decline.stream->drain().bytes.find("hamper") == std::string::npos);

  // A new card read: the page's scan is out of date.
  board.publish(R"({"outcome":"unknown"})", ScanTarget{true, std::nullopt, "tok", "1902"});
  CHECK(handler
            .handle(
                post("/api/gesture", R"({"scan":)" + seq + R"(,"points":5,"reason":"x"})", cookie))
            .status == 409);
  CHECK(till.count("SELECT count(*) FROM outbox WHERE kind = 'offer_response'") == 1);
  CHECK(till.count("SELECT count(*) FROM staff_actions a JOIN staff s ON s.id = a.staff_id "
                   "WHERE s.name = 'ana'") == 5);  // purchase, refund, redeem, decline, gesture
}
