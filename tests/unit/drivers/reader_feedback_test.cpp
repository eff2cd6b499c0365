// tests/unit/drivers/reader_feedback_test.cpp
//
// The reader's feedback signal driven by the terminal (terminal/card_read_handler.h): real
// libusb on an emulated ACR122U (umockdev) whose firmware twin (tests/support/ccid_responder.h)
// records the LED/buzzer pseudo-APDUs it receives. A card signed by the chain's key greets the
// member and the reader shows green with one beep; a card signed by a key the chain never had
// (forged), a card holding no token (unreadable) or a blocked member card make it show red with
// two short beeps, and nothing is recorded.

#include <catch2/catch.hpp>
#include <memory>

#include "drivers/reader_control.h"
#include "drivers/usb/usb_readers.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/card/member_token.h"
#include "shared/crypto/ed25519.h"
#include "terminal/card_read_handler.h"
#include "terminal/counter.h"
#include "terminal/live_keyring.h"
#include "terminal/local_database.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "tests/support/catch_result.h"
#include "tests/support/ccid_responder.h"
#include "tests/support/reader_waits.h"
#include "tests/support/temp_dir.h"
#include "tests/support/usb_testbed.h"

using namespace rapport;
using namespace std::chrono_literals;
using testing::Bytes;

namespace {

constexpr const char* kPrefix = "627599";
constexpr const char* kAdaCard = "6275991234567894";
constexpr const char* kGraceCard = "6275997654321902";  // blocked
const Bytes kGreenOneBeep{0xFF, 0x00, 0x40, 0xAC, 0x04, 0x01, 0x01, 0x01, 0x01};
const Bytes kRedTwoBeeps{0xFF, 0x00, 0x40, 0x5C, 0x04, 0x01, 0x01, 0x02, 0x01};

// An NTAG213 whose user memory starts with `token`.
testing::NtagCard card_with(const Bytes& uid, const std::vector<std::uint8_t>& token) {
  auto card = testing::NtagCard::blank(uid);
  std::copy(token.begin(), token.end(), card.pages.begin() + 16);
  return card;
}

std::vector<std::uint8_t> signed_token(const char* digits, std::uint32_t member, const Bytes& uid,
                                       const crypto::Ed25519PrivateKey& key) {
  card::MemberTokenClaims claims;
  claims.card_digits = digits;
  claims.member_id = member;
  claims.uid = uid;
  claims.issued = std::chrono::sys_days(std::chrono::year(2026) / 11 / 1);
  return card::sign_member_token(claims, 1, key).value();
}

// The terminal's file (Ada active, Grace blocked), its counter trusting `chain_key` as token
// key 1, and the USB readers with one emulated ACR122U.
struct Fixture {
  testing::TempDir dir;
  card::CardKey card_key = card::CardKey::generate();
  crypto::Ed25519PrivateKey chain_key = crypto::Ed25519PrivateKey::generate();
  storage::Database db;
  terminal::MemberCache cache{db};
  terminal::Outbox outbox{db};
  std::unique_ptr<terminal::Counter> counter;
  testing::UsbTestbed bed;
  std::shared_ptr<testing::CcidResponder> responder = std::make_shared<testing::CcidResponder>();
  std::unique_ptr<drivers::CardReader> reader;

  Fixture() : db(terminal::open_local_database(dir / "terminal.db").value()) {
    domain::Member ada;
    ada.id = 1;
    ada.name = "Ada Lovelace";
    ada.home_store = "S1";
    ada.cards.push_back({token(kAdaCard), "7894", domain::CardStatus::kActive});
    domain::Member grace;
    grace.id = 2;
    grace.name = "Grace Hopper";
    grace.home_store = "S1";
    grace.cards.push_back({token(kGraceCard), "1902", domain::CardStatus::kBlocked});
    REQUIRE(cache.apply({"S1", {ada, grace}, "1.1", false}));
    card::TokenKeyring keys;
    REQUIRE(keys.add(1, chain_key.public_key()));
    counter = std::make_unique<terminal::Counter>(
        terminal::Counter::Identity{"T1", "S1", kPrefix}, card_key, db, cache, outbox,
        std::make_shared<const terminal::LiveKeyring>(std::move(keys)));

    auto& device = bed.plug(testing::acr122u_spec());
    device.answer_bulk_out([r = responder](const Bytes& message) { return r->answer(message); });
    drivers::UsbReaderOptions options;
    options.ccid_poll_interval = 30ms;
    auto opened = drivers::open_usb_readers(std::move(options));
    REQUIRE(opened);
    reader = std::move(*opened);
    REQUIRE(device.wait_until_reading(testing::kPatience));
  }

  std::string token(const char* digits) const {
    return card_key.token_for(card::CardNumber::parse(digits, kPrefix).value());
  }

  // Taps `card`, hands the read to the terminal's handler; returns the outcome once the
  // reader has received a signal, with that signal.
  std::pair<terminal::ScanResult, Bytes> tap(const testing::NtagCard& card) {
    const auto before = responder->signals().size();
    responder->place(card);
    const auto read = testing::read_within(*reader);
    REQUIRE(read);
    REQUIRE(read->kind == drivers::CardKind::kContactless);
    terminal::CardReadHandler handler(*counter, reader->control());
    auto result = handler.handle(*read, std::chrono::system_clock::now());
    REQUIRE(testing::eventually([&] { return responder->signals().size() == before + 1; }));
    // Lift the card and let the reader's polls see the empty slot before the next tap.
    responder->remove();
    const int polls = responder->slot_status_polls();
    REQUIRE(testing::eventually([&] { return responder->slot_status_polls() >= polls + 2; }));
    return {std::move(result), responder->signals().back()};
  }
};

}  // namespace

TEST_CASE("the reader shows green and beeps once for a genuine card, red and two short beeps "
          "for a forged, unreadable or blocked one",
          "[usb][ccid][feedback]") {
  Fixture t;
  const Bytes ada_uid{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66};

  const auto [genuine, green] =
      t.tap(card_with(ada_uid, signed_token(kAdaCard, 1, ada_uid, t.chain_key)));
  CHECK(genuine.outcome == terminal::ScanOutcome::kMember);
  CHECK(green == kGreenOneBeep);
  CHECK(t.outbox.size().value() == 1);

  SECTION("forged: the same claims signed by a key the chain never had") {
    const auto forger = crypto::Ed25519PrivateKey::generate();
    const auto [forged, red] =
        t.tap(card_with(ada_uid, signed_token(kAdaCard, 1, ada_uid, forger)));
    CHECK(forged.outcome == terminal::ScanOutcome::kRefusedToken);
    CHECK(red == kRedTwoBeeps);
  }
  SECTION("unreadable: a chip that holds no token") {
    const auto [unreadable, red] = t.tap(testing::NtagCard::blank(ada_uid));
    CHECK(unreadable.outcome == terminal::ScanOutcome::kRefusedToken);
    CHECK(red == kRedTwoBeeps);
  }
  SECTION("blocked: a genuine token of a card that was blocked") {
    const Bytes grace_uid{0x04, 0x77, 0x22, 0x33, 0x44, 0x55, 0x66};
    const auto [blocked, red] =
        t.tap(card_with(grace_uid, signed_token(kGraceCard, 2, grace_uid, t.chain_key)));
    CHECK(blocked.outcome == terminal::ScanOutcome::kBlockedCard);
    CHECK(red == kRedTwoBeeps);
  }
  CHECK(t.outbox.size().value() == 1);  // refused cards record nothing
}

TEST_CASE("every scan outcome maps to the reader signal the cashier expects", "[feedback]") {
  using terminal::ScanOutcome;
  using drivers::ReaderSignal;
  CHECK(terminal::reader_signal_for(ScanOutcome::kMember) == ReaderSignal::kGoodRead);
  CHECK(terminal::reader_signal_for(ScanOutcome::kUnknownCard) == ReaderSignal::kGoodRead);
  CHECK(terminal::reader_signal_for(ScanOutcome::kBlockedCard) == ReaderSignal::kRejected);
  CHECK(terminal::reader_signal_for(ScanOutcome::kBadRead) == ReaderSignal::kRejected);
  CHECK(terminal::reader_signal_for(ScanOutcome::kRefusedToken) == ReaderSignal::kRejected);
  CHECK(terminal::reader_signal_for(ScanOutcome::kNotRecorded) == ReaderSignal::kRejected);
}
