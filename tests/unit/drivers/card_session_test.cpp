// tests/unit/drivers/card_session_test.cpp
//
// The contactless card session, pure: CardSession and CcidLink run against an emulated
// ACR122U-class reader with an NTAG213 (tests/support/ccid_responder.h) through an in-memory
// transport. The USB tests run the same session through libusb (usb_ccid_test.cpp).

#include <catch2/catch.hpp>

#include "drivers/ccid/ccid_transport.h"
#include "tests/support/catch_result.h"
#include "tests/support/ccid_responder.h"

using namespace rapport::drivers;
using namespace rapport::drivers::ccid;
using rapport::Result;
using rapport::testing::CcidFault;
using rapport::testing::CcidResponder;
using rapport::testing::NtagCard;
using MemoryTransport = rapport::testing::MemoryCcidTransport;

namespace {

NtagCard member_card() {
  NtagCard card = NtagCard::blank({0x04, 0xA2, 0x3C, 0x5A, 0x6B, 0x80, 0x81});
  for (std::size_t i = 0; i < 144; ++i) card.pages[16 + i] = static_cast<std::uint8_t>(i + 1);
  return card;
}

Result<CardContents> read_card(MemoryTransport& transport) {
  CcidLink link;
  auto session = CardSession::read();
  return run_session(session, link, transport);
}

}  // namespace

TEST_CASE("a tapped NTAG213 gives its UID and all 144 bytes of user memory", "[ccid]") {
  CcidResponder reader;
  reader.place(member_card());
  MemoryTransport transport(reader);
  const auto card = read_card(transport);
  REQUIRE(card);
  CHECK(card->uid == member_card().uid);
  CHECK(card->user_memory == member_card().user_memory());
  CHECK(reader.xfr_blocks() == 1 + 9);  // Get UID, then 9 reads of 16 bytes
}

TEST_CASE("a card pulled away mid-read is 'tap again', never a partial read", "[ccid]") {
  CcidResponder reader;
  reader.place(member_card());
  MemoryTransport transport(reader);
  const bool status_word = GENERATE(false, true);  // no-card bStatus, or SW 63 00
  const int after = GENERATE(0, 1, 5, 9);          // at the UID, or at a read
  reader.remove_after(after, status_word);
  const auto card = read_card(transport);
  REQUIRE_FALSE(card);
  CHECK(card.error() == CcidErrc::kCardMoved);
  CHECK_THAT(card.error().message(), Catch::Contains("tap again"));
}

TEST_CASE("no card on the reader at power-on is 'tap again'", "[ccid]") {
  CcidResponder reader;
  MemoryTransport transport(reader);
  const auto card = read_card(transport);
  REQUIRE_FALSE(card);
  CHECK(card.error() == CcidErrc::kCardMoved);
}

TEST_CASE("reader faults end the session with their typed error", "[ccid]") {
  CcidResponder reader;
  reader.place(member_card());
  MemoryTransport transport(reader);
  SECTION("silence") {
    reader.inject(CcidFault::kSilent, 3);
    CHECK(read_card(transport).error() == CcidErrc::kTimeout);
  }
  SECTION("a malformed reply") {
    reader.inject(CcidFault::kMalformed, 2);
    CHECK(read_card(transport).error() == CcidErrc::kMalformedReply);
  }
  SECTION("a wrong sequence number") {
    reader.inject(CcidFault::kWrongSequence, 1);
    CHECK(read_card(transport).error() == CcidErrc::kWrongSequence);
  }
  SECTION("a Read Binary answer of the wrong length") {
    reader.inject(CcidFault::kTruncatedData, 4);
    CHECK(read_card(transport).error() == CcidErrc::kMalformedReply);
  }
  SECTION("a time extension is honoured") {
    reader.inject(CcidFault::kTimeExtension, 2);
    const auto card = read_card(transport);
    REQUIRE(card);
    CHECK(card->user_memory == member_card().user_memory());
  }
}

TEST_CASE("a late reply to an abandoned command is dropped, not taken for the next one", "[ccid]") {
  CcidResponder reader;
  reader.place(member_card());
  MemoryTransport transport(reader);
  CcidLink link;
  // A slot poll timed out (abandoned); its reply comes in after the next command was sent.
  REQUIRE(exchange(link, transport, get_slot_status()));
  (void)link.send(get_slot_status());
  link.abandon();
  transport.push(rapport::testing::ccid_reply(0x81, 1, 0x02, 0));  // "no card", stale
  auto session = CardSession::read();
  const auto card = run_session(session, link, transport);
  REQUIRE(card);
  CHECK(card->uid == member_card().uid);
}

TEST_CASE("writing pages then reading them back", "[ccid]") {
  CcidResponder reader;
  const NtagCard blank = NtagCard::blank({0x04, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06});
  reader.place(blank);
  MemoryTransport transport(reader);
  CcidLink link;
  const Bytes token = {'R', 'P', '1', 0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70};  // 11

  SECTION("the contents read back are returned, padded to a page") {
    auto session = CardSession::write(blank.uid, token);
    REQUIRE(session);
    const auto written = run_session(*session, link, transport);
    REQUIRE(written);
    Bytes expected = token;
    expected.push_back(0);
    CHECK(Bytes(written->user_memory.begin(), written->user_memory.begin() + 12) == expected);
    CHECK(reader.card()->user_memory() == written->user_memory);
    CHECK(reader.xfr_blocks() == 1 + 3 + 9);  // UID, three pages, read back
  }
  SECTION("another card on the reader is refused before anything is written") {
    auto session = CardSession::write({0x04, 0x99, 0x99, 0x99, 0x99, 0x99, 0x99}, token);
    REQUIRE(session);
    CHECK(run_session(*session, link, transport).error() == CcidErrc::kWrongCard);
    CHECK(reader.card()->user_memory() == blank.user_memory());
  }
  SECTION("a card pulled away mid-write is 'tap again'") {
    reader.remove_after(2);
    auto session = CardSession::write(blank.uid, token);
    REQUIRE(session);
    CHECK(run_session(*session, link, transport).error() == CcidErrc::kCardMoved);
  }
  SECTION("data that does not fit is refused up front") {
    CHECK(CardSession::write(blank.uid, Bytes(145, 1)).error() == CcidErrc::kBadWriteRequest);
    CHECK(CardSession::write(blank.uid, {}).error() == CcidErrc::kBadWriteRequest);
    CHECK(CardSession::write(blank.uid, Bytes(144, 1)));
  }
}

TEST_CASE("a card whose write does not stick is refused on read back", "[ccid]") {
  // A card whose user memory is locked answers 90 00 but keeps its old bytes: seen here as
  // a card that is swapped between the write and the read back would be.
  CcidResponder reader;
  const NtagCard blank = NtagCard::blank({0x04, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06});
  reader.place(blank);
  MemoryTransport transport(reader);
  CcidLink link;
  auto session = CardSession::write(blank.uid, {1, 2, 3, 4});
  REQUIRE(session);
  Command command = session->start();
  SessionStep step;
  int xfr = 0;
  for (;;) {
    if (command.type == MessageType::kXfrBlock && ++xfr == 3) reader.place(blank);  // reset
    step = session->on_reply(exchange(link, transport, command));
    if (!step.next) break;
    command = std::move(*step.next);
  }
  CHECK(step.error == CcidErrc::kWriteNotKept);
  CHECK_FALSE(step.card);
}
