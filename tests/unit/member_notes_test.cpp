// tests/unit/member_notes_test.cpp
//
// Notes and the usual order at every counter (docs/offers.md), each side on real SQLite
// files: the server derives a member's usual order from their recent purchases (ties, the
// window of 10, refunds and voids; migration 17's backfill agrees), sends each member with
// their latest notes and usual order, re-sends a member when a note is taken anywhere, and
// sends no notes of an erased member; the terminal replaces them with each update, shows
// its own notes and the server's once, forgets them with an erased member, and greets with
// the usual order and the last note. The counter shows offers the member cannot afford yet
// as "points to go".

#include <boost/json/parse.hpp>

#include "server/storage/member_rights_store.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_usual_order.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/protocol/event_payloads.h"
#include "shared/util/clock.h"
#include "terminal/counter.h"
#include "terminal/local_database.h"
#include "terminal/redemption.h"
#include "terminal/rewards_prompt.h"
#include "terminal/screen/local_notes.h"
#include "terminal/screen/scan_view.h"
#include "tests/unit/server_fixture.h"

namespace {

using namespace rapport;
using rapport::testing::ServerFixture;

struct NotesServer : ServerFixture {
  int minute = 0;  // each event a minute after the last, by the terminal's clock

  NotesServer() { REQUIRE(store->register_terminal({"T2", "S2", "01", false})); }

  std::string next_time() {
    ++minute;
    char at[64];
    std::snprintf(at, sizeof at, "2026-11-%02dT%02d:%02d:00.000Z", 1 + minute / 1440,
                  (minute / 60) % 24, minute % 60);
    return at;
  }
  domain::Event stamped(domain::EventKind kind, std::string payload,
                        std::string store_id = "S1") {
    auto e = event(kind, ada_token, std::move(payload), std::move(store_id));
    e.occurred_at = next_time();
    return e;
  }
  // A purchase of one line per product (100 cents each); returns its event id.
  std::string buy(const std::vector<std::string>& products) {
    protocol::PurchasePayload p;
    for (const auto& product : products) p.lines.push_back({product, "food", 1, 100, std::nullopt});
    p.total_cents = 100 * static_cast<std::int64_t>(products.size());
    const auto e = stamped(domain::EventKind::kPurchase, protocol::encode_payload(p));
    REQUIRE(post({e}).status == 200);
    return e.id;
  }
  void void_sale(const std::string& purchase_id) {
    REQUIRE(post({stamped(domain::EventKind::kVoid,
                          protocol::encode_payload(protocol::VoidPayload{purchase_id}))})
                .status == 200);
  }
  void refund(const std::string& purchase_id, std::int64_t cents) {
    REQUIRE(post({stamped(domain::EventKind::kRefund,
                          protocol::encode_payload(protocol::RefundPayload{purchase_id, cents}))})
                .status == 200);
  }
  domain::Event note(std::string text, std::string store_id = "S1") {
    return stamped(domain::EventKind::kNote,
                   protocol::encode_payload(
                       protocol::NotePayload{protocol::NoteTopic::kPreference, std::move(text)}),
                   std::move(store_id));
  }
  storage::Database open_db() {
    return storage::Database::open(dir / "rapport.db", server::kSqliteMigrations).value();
  }
  std::optional<std::string> usual() {
    auto db = open_db();
    auto stmt = db.prepare("SELECT usual_order FROM members WHERE id = ?1").value();
    stmt.bind(1, ada);
    REQUIRE(stmt.step().value());
    return stmt.column_optional_text(0);
  }
  std::int64_t changed_seq() {
    auto db = open_db();
    auto stmt = db.prepare("SELECT changed_seq FROM members WHERE id = ?1").value();
    stmt.bind(1, ada);
    REQUIRE(stmt.step().value());
    return stmt.column_int64(0);
  }
  protocol::ChangesPage pull(const std::string& since = "", std::string cn = "T1") {
    const auto response = get(std::string(protocol::kChangesPath) + "?since=" + since, cn);
    REQUIRE(response.status == 200);
    return protocol::decode_changes_page(response.body).value();
  }
};

constexpr const char* kPrefix = "627599";
constexpr const char* kAdaCard = "6275991234567894";

// A terminal's own SQLite file, with Ada's card known to its key.
struct TerminalSide {
  rapport::testing::TempDir dir;
  storage::Database db = terminal::open_local_database(dir / "terminal.db").value();
  terminal::MemberCache cache{db};
  terminal::Outbox outbox{db};
  card::CardKey key = card::CardKey::generate();
  std::string token = key.token_for(card::CardNumber::parse(kAdaCard, kPrefix).value());

  domain::Member ada(std::vector<domain::MemberNote> notes, std::optional<std::string> usual) {
    domain::Member m;
    m.id = 1;
    m.name = "Ada Lovelace";
    m.home_store = "S1";
    m.cards = {{token, "7894", domain::CardStatus::kActive}};
    m.notes = std::move(notes);
    m.usual_order = std::move(usual);
    return m;
  }
  void receive(std::vector<domain::Member> members, std::vector<std::int64_t> removed = {}) {
    protocol::ChangesPage page{"S1", std::move(members), "1.1", false, std::move(removed), {}};
    REQUIRE(cache.apply(page));
  }
  std::int64_t count(const std::string& sql) {
    auto stmt = db.prepare(sql).value();
    REQUIRE(stmt.step().value());
    return stmt.column_int64(0);
  }
};

std::vector<std::string> texts_of(const std::vector<domain::MemberNote>& notes) {
  std::vector<std::string> texts;
  for (const auto& n : notes) texts.push_back(n.text);
  return texts;
}

const domain::MemberNote kOat{"01a21505-25d7-7748-9c06-a6dea75f5e37", "preference",
                              "prefers oat milk", "2026-11-20T09:00:00.000Z", "S2"};
const domain::MemberNote kMusic{"01a21505-25d7-7748-9c06-a6dea75f5e38", "feedback",
                                "music too loud", "2026-11-10T09:00:00.000Z", "S1"};

}  // namespace

TEST_CASE("the usual order is the product in most of the last 10 purchases", "[notes][server]") {
  NotesServer chain;
  CHECK_FALSE(chain.usual());
  chain.buy({"Flat white", "Croissant"});
  CHECK_FALSE(chain.usual());  // once is not a habit
  const auto before = chain.changed_seq();
  chain.buy({"Flat white"});
  CHECK(chain.usual() == "Flat white");
  CHECK(chain.changed_seq() > before);  // terminals pull the member again

  // A tie goes to the product bought most recently; a product twice on one receipt counts once.
  chain.buy({"Tea", "Tea"});
  chain.buy({"Tea"});
  CHECK(chain.usual() == "Tea");
  chain.buy({"Flat white"});
  CHECK(chain.usual() == "Flat white");

  // Only the last 10 purchases count: seven different things push the old ones out.
  for (int i = 0; i < 7; ++i) chain.buy({"Item " + std::to_string(i)});
  CHECK(chain.usual() == "Tea");  // Tea x2 and Flat white x1 are left in the window
  chain.buy({"Item 7"});
  CHECK_FALSE(chain.usual());  // one Tea, one Flat white: no habit left
  chain.buy({"Tea"});
  CHECK_FALSE(chain.usual());
  const auto last_tea = chain.buy({"Tea"});
  CHECK(chain.usual() == "Tea");
  // Voided, a purchase no longer counts: the refunded product is not left as the usual.
  chain.void_sale(last_tea);
  CHECK_FALSE(chain.usual());
  const auto a = chain.buy({"Scone"});
  const auto b = chain.buy({"Scone"});
  CHECK(chain.usual() == "Scone");
  chain.refund(b, 100);  // refunded in full
  CHECK_FALSE(chain.usual() == "Scone");
  chain.refund(a, 50);  // a part refund keeps the purchase (which line went back is unknown)
  const auto c = chain.buy({"Scone"});
  CHECK(chain.usual() == "Scone");
  chain.void_sale(c);
  chain.void_sale(a);
  CHECK(chain.usual() != std::optional<std::string>("Scone"));
}

TEST_CASE("migration 17 fills usual orders as ingest derives them", "[notes][server]") {
  NotesServer chain;
  chain.buy({"Flat white"});
  chain.buy({"Flat white", "Tea"});
  chain.buy({"Tea"});
  const auto derived = chain.usual();
  REQUIRE(derived == "Tea");
  auto db = chain.open_db();
  REQUIRE(db.execute("UPDATE members SET usual_order = NULL"));
  // The migration's backfill statement, run again on the same rows.
  const std::string_view sql = server::kSqliteMigrations[16].sql;
  REQUIRE(server::kSqliteMigrations[16].version == 17);
  const auto from = sql.find("UPDATE members SET usual_order");
  REQUIRE(from != std::string_view::npos);
  const std::string backfill(sql.substr(from, sql.find(';', from) - from));
  CHECK(backfill.find(server::sqlite::usual_order_sql("members.id")) != std::string::npos);
  REQUIRE(db.execute(backfill));
  CHECK(chain.usual() == derived);
}

TEST_CASE("members are sent with their latest notes and usual order; a note re-sends them",
          "[notes][server]") {
  NotesServer chain;
  chain.buy({"Flat white"});
  chain.buy({"Flat white"});
  REQUIRE(chain.post({chain.note("likes the window seat"), chain.note("prefers oat milk")})
              .status == 200);
  auto page = chain.pull();
  REQUIRE(page.members.size() == 1);
  CHECK(page.members[0].usual_order == "Flat white");
  CHECK(texts_of(page.members[0].notes) ==
        std::vector<std::string>{"prefers oat milk", "likes the window seat"});
  CHECK(page.members[0].notes[0].store_id == "S1");
  CHECK(page.members[0].notes[0].topic == "preference");

  // A note taken at another store's terminal moves Ada after the cursor: terminals of S1
  // pull her again with it first, and only the latest three.
  const auto cursor = page.cursor;
  CHECK(chain.pull(cursor).members.empty());
  const auto here = chain.note("no sugar");
  const auto elsewhere = chain.note("birthday next week", "S2");
  REQUIRE(chain.post({here}, "T1").status == 200);
  REQUIRE(chain.post({elsewhere}, "T2").status == 200);
  page = chain.pull(cursor);
  REQUIRE(page.members.size() == 1);
  CHECK(texts_of(page.members[0].notes) ==
        std::vector<std::string>{"birthday next week", "no sugar", "prefers oat milk"});
  CHECK(page.members[0].notes[0].event_id == elsewhere.id);
  CHECK(page.members[0].notes[0].store_id == "S2");
  // A card lookup carries them too.
  const auto card = chain.get(std::string(protocol::kCardsPath) + chain.ada_token);
  REQUIRE(card.status == 200);
  const auto looked_up = protocol::decode_member(card.body).value();
  CHECK(looked_up.notes.size() == 3);
  CHECK(looked_up.usual_order == "Flat white");

  // Erased: no notes anywhere, and she comes as removed.
  auto rights = server::MemberRightsStore::open(chain.dir / "rapport.db").value();
  REQUIRE(rights->erase_member({chain.ada, "j.smith", "customer request", now_iso8601()}).value());
  page = chain.pull(cursor);
  CHECK(page.members.empty());
  CHECK(page.removed == std::vector<std::int64_t>{chain.ada});
  auto db = chain.open_db();
  auto left = db.prepare("SELECT count(*) FROM notes").value();
  REQUIRE(left.step().value());
  CHECK(left.column_int64(0) == 0);
  CHECK_FALSE(chain.usual());
}

TEST_CASE("an old page without notes still decodes; malformed notes are refused",
          "[notes][protocol]") {
  domain::Member ada;
  ada.id = 1;
  ada.name = "Ada";
  ada.home_store = "S1";
  auto json = protocol::encode(ada);
  const auto with = protocol::decode_member(json).value();
  CHECK(with.notes.empty());
  CHECK_FALSE(with.usual_order);
  ada.notes = {kOat};
  ada.usual_order = "Flat white";
  const auto back = protocol::decode_member(protocol::encode(ada)).value();
  REQUIRE(back.notes.size() == 1);
  CHECK(back.notes[0].event_id == kOat.event_id);
  CHECK(back.notes[0].store_id == "S2");
  CHECK(back.usual_order == "Flat white");
  // Without the fields at all (a server before them).
  const auto start = json.find(",\"notes\"");
  REQUIRE(start != std::string::npos);
  json.erase(start, json.find("}", start) - start);
  CHECK(protocol::decode_member(json).value().notes.empty());
  auto bad = protocol::encode(ada);
  bad.replace(bad.find(kOat.event_id), kOat.event_id.size(), "not-an-id");
  CHECK_FALSE(protocol::decode_member(bad));
}

TEST_CASE("the terminal replaces notes with each update and shows its own and the server's once",
          "[notes][terminal]") {
  TerminalSide t;
  t.receive({t.ada({kOat, kMusic}, "Flat white")});
  const auto holder = t.cache.find_by_token(t.token).value();
  REQUIRE(holder);
  CHECK(holder->member.usual_order == "Flat white");
  // A note written here, not synced yet, and one written here that came back from the server.
  terminal::LocalNotes local(t.db);
  REQUIRE(local.add("01a21505-25d7-7748-9c06-a6dea75f5e40", 1, t.token, "other", "cold tea",
                    "2026-11-25T09:00:00.000Z"));
  REQUIRE(local.add(kMusic.event_id, 1, t.token, kMusic.topic, kMusic.text, kMusic.noted_at));
  auto shown = t.cache.notes_to_show(1, t.token, 5).value();
  CHECK(texts_of(shown) ==
        std::vector<std::string>{"cold tea", "prefers oat milk", "music too loud"});
  CHECK(shown[0].store_id.empty());  // written here
  CHECK(shown[2].store_id == "S1");  // the server's copy
  CHECK(t.cache.notes_to_show(1, t.token, 1).value().size() == 1);

  // The next update replaces the server's notes and usual order.
  t.receive({t.ada({kMusic}, std::nullopt)});
  CHECK(t.count("SELECT count(*) FROM member_notes") == 1);
  CHECK_FALSE(t.cache.find_by_token(t.token).value()->member.usual_order);
  shown = t.cache.notes_to_show(1, t.token, 5).value();
  CHECK(texts_of(shown) == std::vector<std::string>{"cold tea", "music too loud"});

  // Erased: nothing about her is left.
  t.receive({}, {1});
  CHECK(t.count("SELECT count(*) FROM member_notes") == 0);
  CHECK(t.count("SELECT count(*) FROM local_notes") == 0);
  CHECK(t.cache.notes_to_show(1, t.token, 5).value().empty());
}

TEST_CASE("the counter and the screen greet with the usual order and the last note",
          "[notes][terminal]") {
  TerminalSide t;
  t.receive({t.ada({kOat, kMusic}, "Flat white")});
  terminal::Counter counter({"T1", "S1", kPrefix}, t.key, t.db, t.cache, t.outbox);
  const auto now = *from_iso8601("2026-11-26T09:00:00.000Z");
  const auto result = counter.scan(kAdaCard, now);
  REQUIRE(result.outcome == terminal::ScanOutcome::kMember);
  INFO(result.message);
  CHECK(result.message.find("usual: Flat white") != std::string::npos);
  CHECK(result.message.find("last time: prefers oat milk (preference, 2026-11-20 at S2)") !=
        std::string::npos);
  const auto json = boost::json::parse(terminal::scan_json(
                                           result, now, t.cache.notes_to_show(1, t.token, 5).value()))
                        .as_object();
  CHECK(json.at("usual_order").as_string() == "Flat white");
  CHECK(json.at("prompt").as_string() == "Last time: prefers oat milk - ask how it was");
  CHECK(json.at("notes").as_array().size() == 2);
}

TEST_CASE("offers the member cannot afford yet show the points to go, not as redeemable",
          "[notes][offers]") {
  CHECK(terminal::points_to_go({"o", "O", "discount", 500}, 0) == 500);
  CHECK(terminal::points_to_go({"o", "O", "discount", 500}, 620) == 0);
  CHECK(terminal::points_to_go({"o", "O", "discount", 500}, -30) == 500);
  CHECK(terminal::points_to_go({"g", "G", "gesture", 0}, 0) == 0);

  TerminalSide t;
  auto ada = t.ada({}, std::nullopt);
  ada.points_balance = 100;
  ada.offers = {{"five-off", "5.00 off", "discount", 400},
                {"free-coffee", "A free coffee", "free_item", 150},
                {"thank-you", "A coffee on us", "gesture", 0}};
  t.receive({ada});
  terminal::RewardsDesk desk({"T1", "S1"}, t.db, t.cache, t.outbox);
  CHECK(desk.spendable_points(t.token).value() == 100);
  terminal::RewardsPrompt prompt(desk);
  const auto line = prompt.scanned(t.token, *from_iso8601("2026-11-26T09:00:00.000Z"));
  REQUIRE(line);
  INFO(*line);
  CHECK(line->find("[thank-you] A coffee on us (free)") != std::string::npos);
  CHECK(line->find("[five-off]") == std::string::npos);
  CHECK(line->find("5.00 off (400 points: 300 points to go, not redeemable yet)") !=
        std::string::npos);
  CHECK(line->find("A free coffee (150 points: 50 points to go") != std::string::npos);

  // Nothing affordable: said so first.
  ada.offers.pop_back();
  t.receive({ada});
  const auto none = prompt.command("offers", *from_iso8601("2026-11-26T09:01:00.000Z"));
  REQUIRE(none);
  CHECK(none->rfind("offers: none redeemable yet", 0) == 0);
}
