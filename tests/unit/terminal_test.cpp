// tests/unit/terminal_test.cpp
//
// The counter, the member cache and the outbox on a real SQLite file.

#include <chrono>
#include <map>
#include <random>

#include "shared/card/card_key.h"
#include "shared/card/member_token.h"
#include "shared/card/token_errc.h"
#include "shared/card/token_keyring.h"
#include "shared/crypto/ed25519.h"
#include "shared/util/clock.h"
#include "terminal/counter.h"
#include "terminal/live_keyring.h"
#include "terminal/local_database.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/signed_cards.h"
#include "terminal/sync_backoff.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using terminal::ScanOutcome;

namespace {

constexpr const char* kPrefix = "627599";
constexpr const char* kAdaCard = "6275991234567894";
constexpr const char* kGraceCard = "6275997654321902";

struct Fixture {
  rapport::testing::TempDir dir;
  storage::Database db = terminal::open_local_database(dir / "terminal.db").value();
  terminal::MemberCache cache{db};
  terminal::Outbox outbox{db};
  card::CardKey key = card::CardKey::generate();

  std::string token(const char* number) {
    return key.token_for(card::CardNumber::parse(number, kPrefix).value());
  }

  void seed(domain::CardStatus status = domain::CardStatus::kActive) {
    domain::Member ada;
    ada.id = 1;
    ada.name = "Ada Lovelace";
    ada.home_store = "S1";
    ada.visit_count = 3;
    ada.last_visit = "2026-11-20T10:00:00.000Z";
    ada.cards.push_back({token(kAdaCard), "7894", status});
    REQUIRE(cache.apply({"S1", {ada}, "1.1", false}));
  }

  terminal::Counter counter() {
    return terminal::Counter({"T1", "S1", kPrefix}, key, db, cache, outbox);
  }
};

const auto kNow = from_iso8601("2026-11-25T10:00:00.000Z").value();

}  // namespace

TEST_CASE_METHOD(Fixture, "a known card greets the member and records one visit", "[terminal]") {
  seed();
  auto c = counter();
  const auto result = c.scan("6275 9912 3456 7894", kNow);
  CHECK(result.outcome == ScanOutcome::kMember);
  CHECK(result.visit_number == 4);
  CHECK_THAT(result.message, Catch::Contains("Ada Lovelace") && Catch::Contains("visit 4") &&
                                 Catch::Contains("5 days ago") && Catch::Contains("recorded"));
  const auto pending = outbox.oldest(10).value();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].id == result.event_id);
  CHECK(pending[0].member_id == 1);
  CHECK(pending[0].card_token == token(kAdaCard));
  CHECK(pending[0].occurred_at == "2026-11-25T10:00:00.000Z");
}

TEST_CASE_METHOD(Fixture, "visits still in the outbox count towards the visit number",
                 "[terminal]") {
  seed();
  auto c = counter();
  (void)c.scan(kAdaCard, kNow);
  const auto second = c.scan(kAdaCard, kNow + std::chrono::minutes(10));
  CHECK(second.visit_number == 5);
  CHECK_THAT(second.message, Catch::Contains("10 minutes ago"));
}

TEST_CASE_METHOD(Fixture, "an unknown card is recorded against its token", "[terminal]") {
  auto c = counter();
  const auto result = c.scan(kAdaCard, kNow);
  CHECK(result.outcome == ScanOutcome::kUnknownCard);
  CHECK_THAT(result.message, Catch::Contains("unknown card ending 7894"));
  const auto pending = outbox.oldest(10).value();
  REQUIRE(pending.size() == 1);
  CHECK_FALSE(pending[0].member_id);
}

TEST_CASE_METHOD(Fixture, "a blocked card is refused and records nothing", "[terminal]") {
  seed(domain::CardStatus::kBlocked);
  auto c = counter();
  const auto result = c.scan(kAdaCard, kNow);
  CHECK(result.outcome == ScanOutcome::kBlockedCard);
  CHECK_THAT(result.message, Catch::Contains("BLOCKED"));
  CHECK(outbox.size().value() == 0);
}

TEST_CASE_METHOD(Fixture, "bad reads record nothing and say what to do", "[terminal]") {
  seed();
  auto c = counter();
  for (const char* raw :
       {"6275991234567895", "62759912345678", "%B6275991234567894^?", "4111111111111111"}) {
    const auto result = c.scan(raw, kNow);
    INFO(raw);
    CHECK(result.outcome == ScanOutcome::kBadRead);
    CHECK_FALSE(result.event_id);
  }
  CHECK(outbox.size().value() == 0);
}

TEST_CASE_METHOD(Fixture, "a visit that cannot be written is reported, not claimed", "[terminal]") {
  seed();
  auto pages = db.prepare("PRAGMA page_count").value();
  REQUIRE(pages.step().value());
  const auto count = pages.column_int64(0);
  pages.reset();
  REQUIRE(db.execute("PRAGMA max_page_count=" + std::to_string(count)));
  auto c = counter();
  terminal::ScanResult result;
  for (int i = 0; i < 2000 && result.outcome != ScanOutcome::kNotRecorded; ++i) {
    result = c.scan(kAdaCard, kNow);
  }
  CHECK(result.outcome == ScanOutcome::kNotRecorded);
  CHECK_FALSE(result.event_id);
  CHECK_THAT(result.message, Catch::Contains("NOT recorded"));
}

TEST_CASE_METHOD(Fixture, "the outbox survives reopening and forgets only acknowledged ids",
                 "[terminal]") {
  auto c = counter();
  const auto a = c.scan(kAdaCard, kNow).event_id.value();
  const auto b = c.scan(kAdaCard, kNow).event_id.value();
  const auto d = c.scan(kAdaCard, kNow).event_id.value();
  {
    auto reopened = terminal::open_local_database(dir / "terminal.db").value();
    terminal::Outbox other(reopened);
    const auto pending = other.oldest(10).value();
    REQUIRE(pending.size() == 3);
    CHECK(pending[0].id == a);  // oldest first
    const std::vector<std::string> acked{a, d, "00000000-0000-7000-8000-000000000000"};
    REQUIRE(other.acknowledge(acked));
  }
  const auto left = outbox.oldest(10).value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].id == b);
}

TEST_CASE_METHOD(Fixture, "a changes page updates its members and keeps the others",
                 "[terminal]") {
  seed();
  CHECK(cache.cursor().value() == "1.1");
  domain::Member grace;
  grace.id = 2;
  grace.name = "Grace Hopper";
  grace.home_store = "S2";
  grace.cards.push_back({token(kGraceCard), "7902", domain::CardStatus::kActive});
  domain::Member ada = cache.find_by_token(token(kAdaCard)).value()->member;
  ada.visit_count = 9;
  // Ada's card was replaced: the server lists only her new one, blocked old one included.
  ada.cards.push_back({token(kAdaCard), "7894", domain::CardStatus::kBlocked});
  REQUIRE(cache.apply({"S1", {ada, grace}, "5.2", false}));
  CHECK(cache.cursor().value() == "5.2");
  CHECK(cache.member_count().value() == 2);
  const auto found = cache.find_by_token(token(kAdaCard)).value();
  REQUIRE(found);
  CHECK(found->member.visit_count == 9);
  CHECK(found->card.status == domain::CardStatus::kBlocked);
  CHECK(cache.find_by_token(token(kGraceCard)).value()->member.name == "Grace Hopper");
}

TEST_CASE_METHOD(Fixture, "an acknowledged visit still counts before the next snapshot",
                 "[terminal]") {
  seed();  // the server counted 3 visits
  auto c = counter();
  const auto first = c.scan(kAdaCard, kNow);
  CHECK(first.visit_number == 4);
  const std::vector<std::string> acked{*first.event_id};
  REQUIRE(outbox.acknowledge(acked));
  CHECK(outbox.size().value() == 0);
  const auto second = c.scan(kAdaCard, kNow + std::chrono::hours(1));
  CHECK(second.visit_number == 5);
  CHECK_THAT(second.message, Catch::Contains("1 hour ago"));
}

TEST_CASE_METHOD(Fixture, "a refused event moves whole to rejected_events and the rest stays",
                 "[terminal]") {
  seed();
  auto c = counter();
  const auto refused = c.scan(kAdaCard, kNow).event_id.value();
  const auto kept = c.scan(kAdaCard, kNow + std::chrono::minutes(1)).event_id.value();
  CHECK(outbox.rejected_count().value() == 0);
  REQUIRE(outbox.reject(
      refused, {400, R"({"error":"time is not ISO 8601 UTC"})", "2026-11-25T10:05:00.000Z"}));
  REQUIRE(outbox.reject("00000000-0000-7000-8000-000000000000", {400, "unknown", "x"}));

  CHECK(outbox.rejected_count().value() == 1);
  const auto left = outbox.oldest(10).value();
  REQUIRE(left.size() == 1);
  CHECK(left[0].id == kept);
  // The server never counted it: the counter does not either.
  CHECK(outbox.pending_visits(1).value().count == 1);
  CHECK(cache.find_by_token(token(kAdaCard)).value()->member.visit_count == 3);

  auto row = db.prepare(
                   "SELECT id, kind, card_token, member_id, occurred_at, http_status, "
                   "reason, rejected_at FROM rejected_events")
                 .value();
  REQUIRE(row.step().value());
  CHECK(row.column_text(0) == refused);
  CHECK(row.column_text(1) == "visit");
  CHECK(row.column_text(2) == token(kAdaCard));
  CHECK(row.column_int64(3) == 1);
  CHECK(row.column_text(4) == "2026-11-25T10:00:00.000Z");
  CHECK(row.column_int64(5) == 400);
  CHECK(row.column_text(6) == R"({"error":"time is not ISO 8601 UTC"})");
  CHECK(row.column_text(7) == "2026-11-25T10:05:00.000Z");
}

namespace {

// The server's side of a card lookup, in memory: the real one (HTTPS with a deadline) runs in
// the end-to-end tests.
struct ServerCards final : terminal::CardLookup {
  std::map<std::string, domain::Member> members;
  int asked = 0;
  std::optional<domain::Member> find(const std::string& token) override {
    ++asked;
    const auto found = members.find(token);
    if (found == members.end()) return std::nullopt;
    return found->second;
  }
};

domain::Member grace_of_store_s2(const std::string& token, domain::CardStatus status) {
  domain::Member grace;
  grace.id = 2;
  grace.name = "Grace Hopper";
  grace.home_store = "S2";
  grace.visit_count = 7;
  grace.last_visit = "2026-11-24T10:00:00.000Z";
  grace.cards.push_back({token, "1902", status});
  return grace;
}

}  // namespace

TEST_CASE_METHOD(Fixture, "a card of another store is looked up on the server and then known",
                 "[terminal]") {
  ServerCards server;
  server.members[token(kGraceCard)] =
      grace_of_store_s2(token(kGraceCard), domain::CardStatus::kActive);
  terminal::Counter c({"T1", "S1", kPrefix}, key, db, cache, outbox, {}, &server);
  const auto first = c.scan(kGraceCard, kNow);
  CHECK(first.outcome == ScanOutcome::kMember);
  CHECK(first.visit_number == 8);
  CHECK_THAT(first.message, Catch::Contains("Grace Hopper"));
  CHECK(outbox.oldest(10).value().at(0).member_id == 2);
  // Cached now: the next read does not ask again.
  const auto second = c.scan(kGraceCard, kNow);
  CHECK(second.outcome == ScanOutcome::kMember);
  CHECK(server.asked == 1);
}

TEST_CASE_METHOD(Fixture, "a card blocked at another store is refused after the lookup",
                 "[terminal]") {
  ServerCards server;
  server.members[token(kGraceCard)] =
      grace_of_store_s2(token(kGraceCard), domain::CardStatus::kBlocked);
  terminal::Counter c({"T1", "S1", kPrefix}, key, db, cache, outbox, {}, &server);
  CHECK(c.scan(kGraceCard, kNow).outcome == ScanOutcome::kBlockedCard);
  CHECK(outbox.size().value() == 0);
}

TEST_CASE_METHOD(Fixture, "a card the server does not know either is recorded as unknown",
                 "[terminal]") {
  ServerCards server;
  terminal::Counter c({"T1", "S1", kPrefix}, key, db, cache, outbox, {}, &server);
  const auto result = c.scan(kGraceCard, kNow);
  CHECK(result.outcome == ScanOutcome::kUnknownCard);
  CHECK(server.asked == 1);
  CHECK_FALSE(outbox.oldest(10).value().at(0).member_id);
}

TEST_CASE_METHOD(Fixture, "staff see a valuable member's tier and an at-risk nudge", "[terminal]") {
  domain::Member ada;
  ada.id = 1;
  ada.name = "Ada Lovelace";
  ada.home_store = "S1";
  ada.visit_count = 40;
  ada.last_visit = "2026-09-01T10:00:00.000Z";
  ada.cards.push_back({token(kAdaCard), "7894", domain::CardStatus::kActive});
  ada.value_tier = "MVC";
  ada.at_risk = true;
  ada.rhythm_days = 6.6;
  REQUIRE(cache.apply({"S1", {ada}, "9.1", false}));
  const auto result = counter().scan(kAdaCard, kNow);
  CHECK_THAT(result.message,
             Catch::Contains("[staff: MVC, AT RISK (usually every 7 days) - make them feel welcome]"));
  // A member the server has not valued yet gets no hint.
  ada.value_tier.reset();
  ada.at_risk = false;
  REQUIRE(cache.apply({"S1", {ada}, "10.1", false}));
  CHECK_THAT(counter().scan(kAdaCard, kNow).message, !Catch::Contains("staff"));
}

TEST_CASE_METHOD(Fixture, "the counter tells a member their reward tier and points",
                 "[terminal]") {
  domain::Member ada;
  ada.id = 1;
  ada.name = "Ada Lovelace";
  ada.home_store = "S1";
  ada.cards.push_back({token(kAdaCard), "7894", domain::CardStatus::kActive});
  REQUIRE(cache.apply({"S1", {ada}, "9.1", false}));
  CHECK_THAT(counter().scan(kAdaCard, kNow).message, !Catch::Contains("points"));
  ada.points_balance = 1250;
  ada.reward_tier = "Gold";
  REQUIRE(cache.apply({"S1", {ada}, "10.1", false}));
  const auto holder = cache.find_by_token(token(kAdaCard)).value().value();
  CHECK(holder.member.points_balance == 1250);
  CHECK(holder.member.reward_tier == "Gold");
  CHECK_THAT(counter().scan(kAdaCard, kNow).message, Catch::Contains("- Gold, 1250 points"));
}

namespace {

struct SignedCardFixture : Fixture {
  crypto::Ed25519PrivateKey signing = crypto::Ed25519PrivateKey::generate();

  card::TokenKeyring keys() {
    card::TokenKeyring keyring;
    REQUIRE(keyring.add(1, signing.public_key()));
    return keyring;
  }
  std::vector<std::uint8_t> token(std::vector<std::uint8_t> uid = {},
                                  const crypto::Ed25519PrivateKey* by = nullptr) {
    const card::MemberTokenClaims claims{kAdaCard, 1, std::move(uid),
                                         std::chrono::sys_days{std::chrono::year{2026} / 11 / 1}};
    return card::sign_member_token(claims, 1, by ? *by : signing).value();
  }
  terminal::Counter signed_counter() {
    return terminal::Counter({"T1", "S1", kPrefix}, key, db, cache, outbox,
                             std::make_shared<terminal::LiveKeyring>(keys()));
  }
};

}  // namespace

TEST_CASE_METHOD(SignedCardFixture, "a signed card's QR text is verified offline and recognised",
                 "[terminal][token]") {
  seed();
  auto c = signed_counter();
  const auto result = c.scan(card::member_token_text(token()), kNow);
  CHECK(result.outcome == ScanOutcome::kMember);
  CHECK_THAT(result.message, Catch::Contains("Ada Lovelace") && Catch::Contains("visit 4"));
  const auto pending = outbox.oldest(10).value();
  REQUIRE(pending.size() == 1);
  CHECK(pending[0].card_token == Fixture::token(kAdaCard));
}

TEST_CASE_METHOD(SignedCardFixture, "a genuine token of a blocked card is still refused",
                 "[terminal][token]") {
  seed(domain::CardStatus::kBlocked);
  auto c = signed_counter();
  const auto result = c.scan(card::member_token_text(token()), kNow);
  CHECK(result.outcome == ScanOutcome::kBlockedCard);
  CHECK_THAT(result.message, Catch::Contains("BLOCKED"));
  CHECK(outbox.size().value() == 0);
}

TEST_CASE_METHOD(SignedCardFixture,
                 "an altered, forged, copied or unknown-key token is refused and records nothing",
                 "[terminal][token]") {
  seed();
  auto c = signed_counter();
  auto altered = token();
  altered[20] ^= 0x01;  // a byte of the signature
  const auto forger = crypto::Ed25519PrivateKey::generate();
  const std::vector<std::uint8_t> uid = {0x04, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  const struct {
    std::string read;
    const char* says;
  } cases[] = {
      {card::member_token_text(altered), "altered or forged"},
      {card::member_token_text(token({}, &forger)), "altered or forged"},
      {card::member_token_text(token(uid)), "another card"},  // a chip's token as a QR code
  };
  for (const auto& each : cases) {
    INFO(each.read);
    const auto result = c.scan(each.read, kNow);
    CHECK(result.outcome == ScanOutcome::kRefusedToken);
    CHECK_THAT(result.message, Catch::Contains("REFUSED") && Catch::Contains(each.says));
    CHECK_FALSE(result.event_id);
  }
  // A damaged text is a bad read to scan again, not a forgery.
  const auto damaged = c.scan("RPT:AB!", kNow);
  CHECK(damaged.outcome == ScanOutcome::kRefusedToken);
  CHECK_THAT(damaged.message, Catch::Contains("scan again"));
  // A terminal without token keys trusts no signed card.
  auto keyless = counter();
  const auto unknown = keyless.scan(card::member_token_text(token()), kNow);
  CHECK(unknown.outcome == ScanOutcome::kRefusedToken);
  CHECK_THAT(unknown.message, Catch::Contains("unknown or retired key"));
  CHECK(outbox.size().value() == 0);
}

TEST_CASE_METHOD(SignedCardFixture, "a chip's token is verified against the chip's UID",
                 "[terminal][token]") {
  const std::vector<std::uint8_t> uid = {0x04, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06};
  auto memory = token(uid);
  const auto size = memory.size();
  memory.resize(144, 0x00);  // a whole NTAG213 user memory read
  const auto verified = terminal::verify_chip_token(keys(), memory, uid, kPrefix);
  REQUIRE(verified);
  CHECK(verified->number.digits() == kAdaCard);
  CHECK(verified->member_id == 1);
  CHECK(verified->uid_bound);

  auto cloned = uid;
  cloned[3] ^= 0xff;
  CHECK(terminal::verify_chip_token(keys(), memory, cloned, kPrefix).error() ==
        card::TokenErrc::kUidMismatch);
  CHECK(terminal::verify_chip_token(keys(), std::span(memory).first(size - 1), uid, kPrefix)
            .error() == card::TokenErrc::kMalformed);
}

TEST_CASE_METHOD(SignedCardFixture, "a tapped card counts only with a token bound to its chip",
                 "[terminal][token]") {
  seed();
  auto c = signed_counter();
  const std::vector<std::uint8_t> uid = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6};
  auto memory = token(uid);
  memory.resize(144, 0x00);
  const auto greeted = c.scan_chip("04a1b2c3d4e5f6", memory, kNow);
  CHECK(greeted.outcome == ScanOutcome::kMember);
  CHECK_THAT(greeted.message, Catch::Contains("Ada Lovelace"));
  // The same bytes on a card with another UID (a cloned token), or a blank card: refused,
  // nothing recorded.
  CHECK(c.scan_chip("04a1b2c3d4e5f7", memory, kNow).outcome == ScanOutcome::kRefusedToken);
  CHECK(c.scan_chip("04a1b2c3d4e5f6", std::vector<std::uint8_t>(144, 0), kNow).outcome ==
        ScanOutcome::kRefusedToken);
  CHECK(c.scan_chip("not hex", memory, kNow).outcome == ScanOutcome::kBadRead);
  CHECK(outbox.size().value() == 1);
}

TEST_CASE_METHOD(SignedCardFixture,
                 "a genuine token of a card now held by another member is refused, not greeted",
                 "[terminal][token]") {
  // The token (QR or chip) says member 1; the chain has since given the card to member 2.
  domain::Member grace;
  grace.id = 2;
  grace.name = "Grace Hopper";
  grace.home_store = "S1";
  grace.cards.push_back({Fixture::token(kAdaCard), "7894", domain::CardStatus::kActive});
  REQUIRE(cache.apply({"S1", {grace}, "1.1", false}));
  auto c = signed_counter();
  const std::vector<std::uint8_t> uid = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6};
  auto memory = token(uid);
  memory.resize(144, 0x00);
  for (const auto& result :
       {c.scan(card::member_token_text(token()), kNow), c.scan_chip("04a1b2c3d4e5f6", memory, kNow)}) {
    CHECK(result.outcome == ScanOutcome::kRefusedToken);
    CHECK_THAT(result.message, Catch::Contains("REFUSED") &&
                                   Catch::Contains("belongs to another member") &&
                                   !Catch::Contains("Grace"));
    CHECK_FALSE(result.holder);
    CHECK_FALSE(result.event_id);
  }
  CHECK(outbox.size().value() == 0);
  // The number typed by hand is still Grace's card: the check is about the token's claim.
  CHECK(c.scan(kAdaCard, kNow).outcome == ScanOutcome::kMember);
}

TEST_CASE_METHOD(SignedCardFixture, "a keyring replaced while the counter runs is used at the next card",
                 "[terminal][token]") {
  seed();
  const auto live = std::make_shared<terminal::LiveKeyring>();  // starts with no keys
  terminal::Counter c({"T1", "S1", kPrefix}, key, db, cache, outbox, live);
  const auto text = card::member_token_text(token());
  CHECK(c.scan(text, kNow).outcome == ScanOutcome::kRefusedToken);
  // What the SyncWorker does with the server's keyring: the file first, then the counter.
  const auto file = dir / "token-keys.pem";
  CHECK(terminal::store_keyring(*live, file, keys().to_text()).value());
  CHECK(c.scan(text, kNow).outcome == ScanOutcome::kMember);
  CHECK(terminal::load_keyring_if_present(file).value().key_ids() == std::vector<std::uint8_t>{1});
  // The same keyring again changes nothing; a malformed one is refused and changes nothing.
  CHECK_FALSE(terminal::store_keyring(*live, file, keys().to_text()).value());
  CHECK(terminal::store_keyring(*live, file, "Key-Id: 1\nnot a key\n").error() ==
        card::TokenErrc::kBadKeyring);
  CHECK(c.scan(text, kNow).outcome == ScanOutcome::kMember);
  // A key retired on the server leaves the keyring: its cards are refused from then on.
  CHECK(terminal::store_keyring(*live, file, card::TokenKeyring{}.to_text()).value());
  CHECK_THAT(c.scan(text, kNow).message, Catch::Contains("unknown or retired key"));
  CHECK(terminal::load_keyring_if_present(dir / "absent.pem").value().empty());
}

// After an outage the screen said "offline" up to a minute after the server was back: every
// failed attempt (each action at the counter woke one) doubled the wait before the next, up
// to 60 s. Now a cheap probe runs every few seconds while backing off, its answer brings a
// full attempt at once, and that attempt's success forgets the backoff
// (terminal/sync_backoff.h).
TEST_CASE("the sync backoff probes the server every few seconds and is forgotten when it answers",
          "[terminal][sync]") {
  using terminal::SyncBackoff;
  using namespace std::chrono_literals;
  std::mt19937_64 jitter(42);
  const auto start = SyncBackoff::Clock::time_point{} + 1h;
  SyncBackoff backoff(100ms);
  auto next = backoff.next(start, jitter);
  CHECK(next.step == SyncBackoff::Step::kAttempt);
  CHECK(next.wait == 100ms);

  // A long outage: the wait before the next full attempt grows to its ceiling...
  for (int i = 0; i < 20; ++i) backoff.attempt_ended(false, start, jitter);
  CHECK(backoff.backoff() == SyncBackoff::kCeiling);
  // ...but a probe comes within kProbeEvery, again and again while nobody answers, and an
  // unanswered probe does not grow anything.
  int probes = 0;
  for (int i = 0; i < 50; ++i) {
    next = backoff.next(start, jitter);
    CHECK(next.wait <= SyncBackoff::kProbeEvery);
    if (next.step == SyncBackoff::Step::kAttempt) continue;  // the attempt drawn sooner
    ++probes;
    CHECK(next.wait >= 100ms);
    backoff.probe_ended(false);
    CHECK(backoff.backoff() == SyncBackoff::kCeiling);
  }
  CHECK(probes > 0);
  CHECK(backoff.probing());

  // The server answers the probe; the full attempt that follows reaches it: back to every
  // interval at once.
  backoff.probe_ended(true);
  backoff.attempt_ended(true, start + 2s, jitter);
  CHECK_FALSE(backoff.backing_off());
  next = backoff.next(start + 2s, jitter);
  CHECK(next.step == SyncBackoff::Step::kAttempt);
  CHECK(next.wait == 100ms);

  // A server that answers the probe but fails the attempt (up, but refusing) gets the plain
  // backoff: no probe before the next attempt is due.
  backoff.attempt_ended(false, start, jitter);
  backoff.attempt_ended(false, start, jitter);
  REQUIRE(backoff.probing());
  backoff.probe_ended(true);
  backoff.attempt_ended(false, start, jitter);
  CHECK_FALSE(backoff.probing());
  next = backoff.next(start, jitter);
  CHECK(next.step == SyncBackoff::Step::kAttempt);
  CHECK(next.wait <= backoff.backoff());
  // The attempt after that fails for want of an answer: probes again.
  backoff.attempt_ended(false, start, jitter);
  CHECK(backoff.probing());
}
