// tests/unit/cashier_screen_test.cpp
//
// The cashier screen's parts on a real SQLite file and real scrypt: PINs stored hashed and
// checked, the handler's sign-in rules (wrong PIN, lockout, the header a foreign page cannot
// send, no stream without a session), the event stream numbering, the scan JSON (notes,
// prompt, birthday hint), enrolling and noting from the screen into the outbox, and finding a
// member by the phone digest the server sent.

#include <boost/json/parse.hpp>

#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/card/phone_number.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"
#include "terminal/outbox.h"
#include "terminal/screen/screen_actions.h"
#include "terminal/local_database.h"
#include "terminal/screen/local_notes.h"
#include "terminal/member_cache.h"
#include "terminal/counter.h"
#include "terminal/screen/cashier_screen.h"
#include "tests/support/loopback_tls.h"
#include "terminal/screen/scan_view.h"
#include "terminal/screen/screen_handler.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace rapport::terminal;

namespace {

net::HttpRequest post_login(const std::string& name, const std::string& pin) {
  net::HttpRequest r;
  r.method = "POST";
  r.target = "/api/login";
  r.body = R"({"name":")" + name + R"(","pin":")" + pin + R"("})";
  r.headers.push_back({"x-rapport-screen", "1"});
  return r;
}

net::HttpRequest get(const std::string& target, const std::string& cookie = {}) {
  net::HttpRequest r;
  r.method = "GET";
  r.target = target;
  if (!cookie.empty()) r.headers.push_back({"cookie", cookie});
  return r;
}

std::string set_cookie(const net::HttpResponse& response) {
  for (const auto& h : response.headers) {
    if (h.name == "Set-Cookie") return h.value.substr(0, h.value.find(';'));
  }
  return {};
}

}  // namespace

TEST_CASE("cashier PINs are stored as scrypt hashes and checked", "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  const auto now = std::chrono::system_clock::now();
  const auto ana = staff.set_pin("ana", "4821", now).value();
  CHECK(ana.id > 0);
  CHECK(staff.verify("ana", "4821").value()->id == ana.id);
  CHECK_FALSE(staff.verify("ana", "4822").value());
  CHECK_FALSE(staff.verify("bob", "4821").value());
  // A new PIN replaces the old one for the same cashier.
  CHECK(staff.set_pin("ana", "9999", now).value().id == ana.id);
  CHECK_FALSE(staff.verify("ana", "4821").value());
  CHECK(staff.verify("ana", "9999").value());

  CHECK(is_valid_pin("0000"));
  CHECK_FALSE(is_valid_pin("123"));
  CHECK_FALSE(is_valid_pin("12a4"));
  CHECK_FALSE(is_valid_pin("1234567890123"));
  CHECK_FALSE(is_valid_staff_name(""));
  CHECK_FALSE(is_valid_staff_name("a\nb"));
}

TEST_CASE("the screen signs cashiers in with a PIN and streams scans to them", "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  REQUIRE(staff.set_pin("ana", "4821", std::chrono::system_clock::now()));
  ScreenBoard board;
  ScreenHandler handler(board, staff, [] { return ScreenStatus{false, 7}; });

  const auto page = handler.handle(get("/"));
  CHECK(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(handler.handle(get("/app.js")).status == 200);
  CHECK(handler.handle(get("/nothing.js")).status == 404);
  CHECK(handler.handle(get("/events")).status == 401);
  CHECK(handler.handle(get("/api/session")).status == 401);

  auto no_header = post_login("ana", "4821");
  no_header.headers.clear();
  CHECK(handler.handle(no_header).status == 403);
  CHECK(handler.handle(post_login("ana", "0000")).status == 401);
  CHECK_FALSE(board.cashier());

  const auto signed_in = handler.handle(post_login("ana", "4821"));
  REQUIRE(signed_in.status == 200);
  const auto cookie = set_cookie(signed_in);
  REQUIRE(cookie.starts_with("rapport_screen="));
  REQUIRE(board.cashier());
  CHECK(board.cashier()->name == "ana");
  CHECK(handler.handle(get("/api/session", cookie)).status == 200);
  CHECK(handler.handle(get("/events", "rapport_screen=" + std::string(64, 'a'))).status == 401);

  // A fresh page starts from now: no scan, the status with the latest id; the stream is held
  // open (the server writes what is pushed to it).
  auto stream = handler.handle(get("/events", "other=1; " + cookie));
  CHECK(stream.content_type == "text/event-stream");
  REQUIRE(stream.stream);
  auto body = stream.stream->drain().bytes;
  CHECK(body.starts_with("retry: 1000\n\n"));
  CHECK(body.find("event: scan") == std::string::npos);
  CHECK(body.find("\"pending\":7") != std::string::npos);
  CHECK(body.find("\"online\":false") != std::string::npos);
  CHECK(body.find("id: 0\n") != std::string::npos);
  // Its poll pushes the status only when it changed.
  const auto& poll = stream.stream->options().poll;
  REQUIRE(poll);
  poll(*stream.stream);
  CHECK(stream.stream->drain().bytes.empty());

  // A scan is pushed to the open stream at once, numbered.
  board.publish(R"({"outcome":"member"})");
  CHECK(stream.stream->drain().bytes == "id: 1\nevent: scan\ndata: {\"outcome\":\"member\"}\n\n");
  poll(*stream.stream);
  CHECK(stream.stream->drain().bytes.find("id: 1\nevent: status\n") == 0);

  // A page reconnecting with Last-Event-ID gets the scan it missed, and only that.
  auto after = get("/events", cookie);
  after.headers.push_back({"last-event-id", "0"});
  auto again = handler.handle(after);
  REQUIRE(again.stream);
  body = again.stream->drain().bytes;
  CHECK(body.find("event: scan\ndata: {\"outcome\":\"member\"}\n\n") != std::string::npos);
  CHECK(body.find("id: 1\n") != std::string::npos);
  after.headers.back().value = "1";  // seen: not sent again
  CHECK(handler.handle(after).stream->drain().bytes.find("event: scan") == std::string::npos);

  const auto logout = [&] {
    auto r = post_login("", "");
    r.target = "/api/logout";
    r.headers.push_back({"cookie", cookie});
    return r;
  }();
  CHECK(handler.handle(logout).status == 200);
  CHECK_FALSE(board.cashier());
  CHECK(handler.handle(get("/events", cookie)).status == 401);
  // The page's open stream ends at its next poll (its reconnect then gets the 401).
  CHECK_FALSE(stream.stream->closed());
  poll(*stream.stream);
  CHECK(stream.stream->closed());
}

TEST_CASE("five wrong PINs lock a name for a minute", "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  REQUIRE(staff.set_pin("ana", "4821", std::chrono::system_clock::now()));
  ScreenBoard board;
  ScreenHandler handler(board, staff, [] { return ScreenStatus{}; });
  for (int i = 0; i < 5; ++i) CHECK(handler.handle(post_login("ana", "1111")).status == 401);
  CHECK(handler.handle(post_login("ana", "4821")).status == 429);
  CHECK_FALSE(board.cashier());
  CHECK(handler.handle(post_login("ana", "not json")).status == 429);
  CHECK(handler.handle(get("/", "")).status == 200);
}

TEST_CASE("the screen's cookie reader finds one cookie among others", "[screen]") {
  CHECK(screen_cookie_value("a=1; rapport_screen=xyz; b=2", "rapport_screen") == "xyz");
  CHECK(screen_cookie_value("rapport_screenx=1", "rapport_screen").empty());
  CHECK(screen_cookie_value("", "rapport_screen").empty());
  CHECK(screen_cookie_value("rapport_screen=", "rapport_screen").empty());
}

TEST_CASE("a scan becomes the page's JSON with true empty states", "[screen]") {
  const auto now = std::chrono::system_clock::now();
  ScanResult result;
  result.outcome = ScanOutcome::kMember;
  result.message = "welcome back";
  result.event_id = "e1";
  result.visit_number = 4;
  result.last_visit = to_iso8601(now - std::chrono::hours(24 * 21));
  domain::Member member;
  member.name = "Ada <b>";
  member.value_tier = "MVC";
  member.at_risk = true;
  member.rhythm_days = 6.6;
  member.reward_tier = "Silver";
  member.points_balance = 120;
  result.holder = CardHolder{member, domain::Card{"tok", "7894", domain::CardStatus::kActive}};
  const auto json = boost::json::parse(scan_json(result, now)).as_object();
  CHECK(json.at("outcome").as_string() == "member");
  CHECK(json.at("name").as_string() == "Ada <b>");  // escaped by the page (textContent)
  CHECK(json.at("visit_number").as_int64() == 4);
  CHECK(json.at("last_visit_ago").as_string() == "3 weeks ago");
  CHECK(json.at("reward_tier").as_string() == "Silver");
  CHECK(json.at("points_balance").as_int64() == 120);
  CHECK(json.at("staff_hint").as_string() ==
        "Value tier MVC - at risk (usually every 7 days): make them feel welcome");
  CHECK(json.at("offers").as_array().empty());
  CHECK(json.at("notes").as_array().empty());

  ScanResult unknown;
  unknown.outcome = ScanOutcome::kUnknownCard;
  unknown.message = "unknown card ending 1902 - visit recorded; offer to enroll the customer";
  const auto u = boost::json::parse(scan_json(unknown, now)).as_object();
  CHECK(u.at("headline").as_string() == "Unknown card");
  CHECK_FALSE(u.contains("name"));
}

TEST_CASE("the scan JSON turns the last note into a prompt and hints a birthday", "[screen]") {
  const auto now = from_iso8601("2026-11-26T10:00:00.000Z").value();
  CHECK(birthday_hint(std::string("1990-11-26"), now) == "Birthday today");
  CHECK(birthday_hint(std::string("1990-11-28"), now) == "Birthday in 2 days");
  CHECK(birthday_hint(std::string("1990-11-25"), now) == "Birthday 1 day ago");
  CHECK_FALSE(birthday_hint(std::string("1990-11-30"), now));
  CHECK_FALSE(birthday_hint(std::nullopt, now));
  CHECK_FALSE(birthday_hint(std::string("not a date"), now));
  // Across the new year, and 29 February in a year without one (1 March).
  const auto new_year = from_iso8601("2026-12-30T10:00:00.000Z").value();
  CHECK(birthday_hint(std::string("2000-01-01"), new_year) == "Birthday in 2 days");
  const auto march = from_iso8601("2027-03-01T10:00:00.000Z").value();
  CHECK(birthday_hint(std::string("2004-02-29"), march) == "Birthday today");

  ScanResult result;
  result.outcome = ScanOutcome::kMember;
  result.visit_number = 2;
  domain::Member member;
  member.name = "Grace";
  member.birth_date = "1906-11-27";
  result.holder = CardHolder{member, domain::Card{"tok", "1902", domain::CardStatus::kActive}};
  result.holder->member.usual_order = "Flat white";
  const std::vector<domain::MemberNote> notes{
      {"e1", "preference", "oat milk, too sweet", "2026-11-20T09:00:00Z", "S2"},
      {"e2", "feedback", "older", "2026-11-01T09:00:00Z", ""}};
  const auto json = boost::json::parse(scan_json(result, now, notes)).as_object();
  CHECK(json.at("prompt").as_string() == "Last time: oat milk, too sweet - ask how it was");
  CHECK(json.at("notes").as_array().size() == 2);
  // Where each was taken (empty: here), and the usual order.
  CHECK(json.at("notes").as_array()[0].as_object().at("store").as_string() == "S2");
  CHECK(json.at("notes").as_array()[1].as_object().at("store").as_string() == "");
  CHECK(json.at("usual_order").as_string() == "Flat white");
  CHECK(json.at("birthday_hint").as_string() == "Birthday in 1 day");
  const auto none = boost::json::parse(scan_json(result, now)).as_object();
  CHECK_FALSE(none.contains("prompt"));
}

TEST_CASE("the enrollment and note forms are checked with messages for the cashier",
          "[screen]") {
  const auto ok = parse_enrollment_form(
      R"({"scan":3,"name":" Grace ","phone":"","email":"g@example.org","birth_date":"1906-12-09",)"
      R"("marketing":true,"personalisation":false,"channel":"Friend","referred_by":"",)"
      R"("needs":["coffee",""]})");
  REQUIRE(ok.form);
  CHECK(ok.form->scan == 3);
  CHECK(ok.form->payload.name == "Grace");
  CHECK_FALSE(ok.form->payload.phone);
  CHECK(ok.form->payload.marketing_consent == true);
  CHECK(ok.form->payload.personalisation_consent == false);
  CHECK_FALSE(ok.form->referred_by_card);
  CHECK(ok.form->needs == std::vector<std::string>{"coffee"});

  const std::string consents = R"(,"marketing":false,"personalisation":true)";
  CHECK(parse_enrollment_form(R"({"scan":3,"name":""})" ).problem.find("name") !=
        std::string::npos);
  CHECK(parse_enrollment_form(R"({"scan":3,"name":"G","email":"nope")" + consents + "}")
            .problem.find("@") != std::string::npos);
  CHECK(parse_enrollment_form(R"({"scan":3,"name":"G","birth_date":"9/12/1906")" + consents +
                              "}")
            .problem.find("YYYY-MM-DD") != std::string::npos);
  CHECK(parse_enrollment_form(R"({"scan":3,"name":"G"})").problem.find("consent") !=
        std::string::npos);
  CHECK_FALSE(parse_enrollment_form(R"({"name":"G")" + consents + "}").form);
  CHECK_FALSE(parse_enrollment_form("[1]").form);

  const auto note = parse_note_form(R"({"scan":9,"topic":"complaint","text":"too slow"})");
  REQUIRE(note.form);
  CHECK(note.form->topic == protocol::NoteTopic::kComplaint);
  CHECK(parse_note_form(R"({"scan":9,"topic":"rant","text":"x"})").problem.find("kind") !=
        std::string::npos);
  CHECK(parse_note_form(R"({"scan":9,"topic":"feedback","text":"  "})").problem ==
        "type the note first");
}

TEST_CASE("enrolling and noting from the screen write events, notes and the audit at once",
          "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  const auto now = std::chrono::system_clock::now();
  const auto ana = staff.set_pin("ana", "4821", now).value();
  const std::string prefix = "627599";
  ScreenActions actions(db, card::CardKey::generate(), {"T1", "S1", prefix});
  const auto referrer = card::CardNumber::generate(prefix);
  const auto referrer_token = actions.card_token(referrer.digits());
  REQUIRE(referrer_token);
  CHECK_FALSE(actions.card_token("1234"));

  auto form = parse_enrollment_form(
      R"({"scan":1,"name":"Grace","phone":"555 0100","marketing":true,"personalisation":true,)"
      R"("needs":["Usually comes in for: tea","Could do better: music too loud"]})");
  REQUIRE(form.form);
  ScanTarget card{true, std::nullopt, "tok-grace", "1902"};
  const auto enrolled = actions.enroll(*form.form, card, referrer_token, ana, now);
  REQUIRE(enrolled);

  Outbox outbox(db);
  const auto events = outbox.oldest(10).value();
  REQUIRE(events.size() == 3);
  CHECK(events[0].id == *enrolled);
  CHECK(events[0].kind == domain::EventKind::kEnrollment);
  CHECK(events[0].card_token == "tok-grace");
  const auto payload = protocol::decode_enrollment(events[0].payload).value();
  CHECK(payload.last4 == "1902");
  CHECK(payload.phone == "555 0100");
  CHECK(payload.referred_by_token == *referrer_token);
  CHECK(payload.marketing_consent == true);
  CHECK(events[1].kind == domain::EventKind::kNote);
  CHECK(protocol::decode_note(events[2].payload).value().text == "Could do better: music too loud");

  LocalNotes notes(db);
  const auto kept = notes.recent(std::nullopt, "tok-grace", 5).value();
  REQUIRE(kept.size() == 2);
  CHECK(kept[0].text == "Could do better: music too loud");  // newest first

  // Once the server has sent her member id, notes are found by it and by the card.
  ScanTarget member{false, 42, "tok-grace", "1902"};
  NoteForm complaint{1, protocol::NoteTopic::kComplaint, "cold tea"};
  REQUIRE(actions.note(complaint, member, ana, now + std::chrono::seconds(1)));
  CHECK(notes.recent(42, "tok-other", 5).value().size() == 1);
  CHECK(notes.recent(42, "tok-grace", 5).value().front().text == "cold tea");

  auto audit = db.prepare("SELECT action, count(*) FROM staff_actions WHERE staff_id = ?1 "
                          "GROUP BY action ORDER BY action")
                   .value();
  audit.bind(1, ana.id);
  REQUIRE(audit.step().value());
  CHECK(audit.column_text(0) == "enroll");
  CHECK(audit.column_int64(1) == 1);
  REQUIRE(audit.step().value());
  CHECK(audit.column_text(0) == "note");
  CHECK(audit.column_int64(1) == 3);
}

TEST_CASE("the screen enrolls only the unknown card on screen, once", "[screen]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  REQUIRE(staff.set_pin("ana", "4821", std::chrono::system_clock::now()));
  ScreenActions actions(db, card::CardKey::generate(), {"T1", "S1", "627599"});
  ScreenBoard board;
  ScreenHandler handler(board, staff, [] { return ScreenStatus{}; }, &actions);
  const auto cookie = set_cookie(handler.handle(post_login("ana", "4821")));
  REQUIRE_FALSE(cookie.empty());
  board.publish("{}", ScanTarget{true, std::nullopt, "tok-new", "1902"});
  const auto seq = board.latest().seq;
  const auto enroll = [&](const std::string& body) {
    net::HttpRequest r;
    r.method = "POST";
    r.target = "/api/enroll";
    r.body = body;
    r.headers.push_back({"x-rapport-screen", "1"});
    r.headers.push_back({"cookie", cookie});
    return handler.handle(r);
  };
  const std::string form = R"(,"name":"Grace","marketing":false,"personalisation":true})";
  CHECK(enroll(R"({"scan":)" + std::to_string(seq + 1) + form).status == 409);
  CHECK(enroll(R"({"scan":)" + std::to_string(seq) + R"(,"referred_by":"1234")" + form).status ==
        400);
  const auto done = enroll(R"({"scan":)" + std::to_string(seq) + form);
  CHECK(done.status == 200);
  CHECK(done.body.find("Grace") != std::string::npos);
  CHECK(enroll(R"({"scan":)" + std::to_string(seq) + form).status == 409);  // not twice
  Outbox outbox(db);
  CHECK(outbox.size().value() == 1);
}

TEST_CASE("phone numbers normalise to one international form, or to none", "[screen][phone]") {
  for (const char* typed : {"07700 900123", "+44 7700 900123", "0044-7700-900123",
                            "(0)7700.900.123", "7700900123", " +447700900123 ",
                            "+44 (0)7700 900123"}) {
    INFO(typed);
    CHECK(card::normalise_phone(typed, "44") == "+447700900123");
  }
  CHECK(card::normalise_phone("06 12 34 56 78", "33") == "+33612345678");
  CHECK(card::normalise_phone("+1 (212) 555-0100", "44") == "+12125550100");
  for (const char* typed : {"", "12", "0", "+", "++44 7700 900123", "07700 9001x3",
                            "44+7700900123", "+0 7700 900123", "+1234567890123456"}) {
    INFO(typed);
    CHECK_FALSE(card::normalise_phone(typed, "44"));
  }
  CHECK(card::is_valid_country_code("1"));
  CHECK(card::is_valid_country_code("353"));
  CHECK_FALSE(card::is_valid_country_code("044"));
  CHECK_FALSE(card::is_valid_country_code("1234"));
  CHECK_FALSE(card::is_valid_country_code("4a"));
  // The digest is keyed: another chain's key gives another digest; never a card token.
  const auto key = card::CardKey::generate();
  CHECK(key.phone_digest("+447700900123").size() == 64);
  CHECK(key.phone_digest("+447700900123") == key.phone_digest("+447700900123"));
  CHECK(key.phone_digest("+447700900123") != card::CardKey::generate().phone_digest("+447700900123"));
  CHECK(key.phone_digest("+447700900123") != key.phone_digest("+447700900124"));
}

TEST_CASE("the screen finds a member by the phone the server sent as a digest, until erased",
          "[screen][phone]") {
  testing::TempDir dir;
  auto db = open_local_database(dir / "t.db").value();
  StaffPins staff(db);
  REQUIRE(staff.set_pin("ana", "4821", std::chrono::system_clock::now()));
  const auto key = card::CardKey::generate();
  // Grace's entry as the server sends it (server/sync_handler.cpp digests her phone).
  domain::Member grace;
  grace.id = 7;
  grace.name = "Grace Hopper";
  grace.home_store = "S1";
  grace.cards.push_back({std::string(64, 'c'), "1902", domain::CardStatus::kActive});
  grace.phone_digest = key.phone_digest(card::normalise_phone("07700 900123", "44").value());
  domain::Member ada;
  ada.id = 8;
  ada.name = "Ada Lovelace";
  ada.home_store = "S1";
  ada.cards.push_back({std::string(64, 'a'), "7894", domain::CardStatus::kActive});
  const auto page =
      protocol::decode_changes_page(protocol::encode(protocol::ChangesPage{"S1", {grace, ada}, "1.8", false}))
          .value();
  MemberCache cache(db);
  REQUIRE(cache.apply(page));

  ScreenActions actions(db, key, {"T1", "S1", "627599"}, "44");
  ScreenBoard board;
  ScreenHandler handler(board, staff, [] { return ScreenStatus{}; }, &actions);
  const auto cookie = set_cookie(handler.handle(post_login("ana", "4821")));
  REQUIRE_FALSE(cookie.empty());
  const auto find = [&](const std::string& query) {
    net::HttpRequest r;
    r.method = "POST";
    r.target = "/api/find";
    r.body = R"({"query":")" + query + R"("})";
    r.headers.push_back({"x-rapport-screen", "1"});
    r.headers.push_back({"cookie", cookie});
    return handler.handle(r);
  };
  const auto names = [&](const std::string& query) {
    const auto response = find(query);
    INFO(query << ": " << response.body);
    REQUIRE(response.status == 200);
    std::vector<std::string> found;
    const auto answer = boost::json::parse(response.body).as_object();
    for (const auto& m : answer.at("members").as_array()) {
      found.emplace_back(m.at("name").as_string());
    }
    return found;
  };
  // However the cashier types it.
  for (const char* typed : {"07700 900123", "+44 7700 900123", "0044 7700 900-123"}) {
    CHECK(names(typed) == std::vector<std::string>{"Grace Hopper"});
  }
  CHECK_THAT(find("07700 900123").body, Catch::Contains(R"("by":"phone")"));
  CHECK_THAT(find("07700 900123").body, Catch::Contains("1902"));
  CHECK(names("07700 900124").empty());
  CHECK(names("+33 7700 900123").empty());
  CHECK(names("Hopper") == std::vector<std::string>{"Grace Hopper"});  // by name still
  const auto not_a_phone = find("12");
  CHECK(not_a_phone.status == 400);
  CHECK_THAT(not_a_phone.body, Catch::Contains("phone number"));
  const auto digests = [&] {
    auto count = db.prepare("SELECT count(*) FROM members WHERE phone_digest IS NOT NULL").value();
    REQUIRE(count.step().value());
    return count.column_int64(0);
  };
  CHECK(digests() == 1);  // the file holds the digest, never the number

  // Erased on the server: the member, and the digest with them, leave the terminal.
  protocol::ChangesPage erased{"S1", {}, "1.9", false};
  erased.removed = {7};
  REQUIRE(cache.apply(erased));
  CHECK(names("07700 900123").empty());
  CHECK(digests() == 0);
}

TEST_CASE("a scan's visit and the screen's audit line commit in one transaction",
          "[screen][audit]") {
  testing::TempDir dir;
  const auto key = card::CardKey::generate();
  key.save(dir / "card.key");
  TerminalConfig config;
  config.terminal_id = "T1";
  config.store_id = "S1";
  config.database = dir / "t.db";
  config.card_key = dir / "card.key";
  config.issuer_prefix = "627599";
  config.tls = testing::write_loopback_tls(dir.path(), "T1");
  config.screen_host = "127.0.0.1";
  auto db = open_local_database(config.database).value();
  MemberCache cache(db);
  Outbox outbox(db);
  Counter counter({"T1", "S1", "627599"}, key, db, cache, outbox);
  CashierScreen screen(config, db, [] { return true; });
  const auto audit = screen.audit_in_scan();
  const auto now = std::chrono::system_clock::now();
  const auto lines = [&] {
    auto count = db.prepare("SELECT count(*) FROM staff_actions WHERE action = 'visit'").value();
    REQUIRE(count.step().value());
    return count.column_int64(0);
  };

  const auto card = card::CardNumber::generate("627599");
  const auto scanned = counter.scan(card.digits(), now, audit);
  REQUIRE(scanned.event_id);
  screen.show(scanned, now, /*audited=*/true);
  CHECK(lines() == 1);  // written once, inside the visit's transaction
  // A scan that records nothing writes no line; show() alone still audits (other callers).
  screen.show(counter.scan("1234", now, audit), now, true);
  CHECK(lines() == 1);
  const auto other = counter.scan(card.digits(), now);
  screen.show(other, now);
  CHECK(lines() == 2);
  CHECK(outbox.size().value() == 2);
}
