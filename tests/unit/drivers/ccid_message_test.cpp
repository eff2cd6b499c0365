// tests/unit/drivers/ccid_message_test.cpp
//
// CCID bulk messages, the link's sequence numbers and time extensions, the pseudo-APDUs and
// their status words: bytes in, typed values or typed errors out.

#include "drivers/ccid/ccid_message.h"

#include <catch2/catch.hpp>

#include "drivers/ccid/apdu.h"
#include "drivers/ccid/ccid_link.h"
#include "tests/support/catch_result.h"
#include "tests/support/ccid_responder.h"

using namespace rapport::drivers;
using namespace rapport::drivers::ccid;
using rapport::ErrorCode;
using rapport::testing::ccid_reply;

TEST_CASE("CCID commands are framed with a 10-byte header", "[ccid]") {
  CHECK(frame(power_on(), 0, 7) == Bytes{0x62, 0, 0, 0, 0, 0, 7, 0, 0, 0});
  CHECK(frame(power_off(), 0, 1) == Bytes{0x63, 0, 0, 0, 0, 0, 1, 0, 0, 0});
  CHECK(frame(get_slot_status(), 1, 0xFF) == Bytes{0x65, 0, 0, 0, 0, 1, 0xFF, 0, 0, 0});
  CHECK(frame(xfr_block(get_uid_apdu()), 0, 2) ==
        Bytes{0x6F, 5, 0, 0, 0, 0, 2, 0, 0, 0, 0xFF, 0xCA, 0x00, 0x00, 0x00});
  CHECK(frame(escape({1, 2, 3}), 0, 3) == Bytes{0x6B, 3, 0, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3});
}

TEST_CASE("a data block reply is parsed with its card state and data", "[ccid]") {
  const auto reply = parse_reply(ccid_reply(0x80, 9, 0x00, 0, {0x04, 0x11, 0x90, 0x00}));
  REQUIRE(reply);
  CHECK(reply->type == MessageType::kDataBlock);
  CHECK(reply->sequence == 9);
  CHECK(reply->card == CardState::kActive);
  CHECK(reply->status == CommandStatus::kOk);
  CHECK(reply->data == Bytes{0x04, 0x11, 0x90, 0x00});

  const auto status = parse_reply(ccid_reply(0x81, 1, 0x02, 0));
  REQUIRE(status);
  CHECK(status->card == CardState::kAbsent);
  const auto extension = parse_reply(ccid_reply(0x80, 1, 0x80, 1));
  REQUIRE(extension);
  CHECK(extension->status == CommandStatus::kTimeExtension);
}

TEST_CASE("malformed replies are refused by their framing", "[ccid]") {
  Bytes good = ccid_reply(0x80, 0, 0x00, 0, {0x90, 0x00});
  CHECK(parse_reply(Bytes(good.begin(), good.begin() + 9)).error() == CcidErrc::kMalformedReply);
  Bytes longer = good;
  longer.push_back(0);  // one byte more than the length field says
  CHECK(parse_reply(longer).error() == CcidErrc::kMalformedReply);
  Bytes shorter(good.begin(), good.end() - 1);
  CHECK(parse_reply(shorter).error() == CcidErrc::kMalformedReply);
  CHECK(parse_reply(ccid_reply(0x80, 0, 0x04, 0)).error() == CcidErrc::kMalformedReply);  // RFU
  CHECK(parse_reply(ccid_reply(0x80, 0, 0x03, 0)).error() == CcidErrc::kMalformedReply);
  CHECK(parse_reply(ccid_reply(0x80, 0, 0xC0, 0)).error() == CcidErrc::kMalformedReply);
  CHECK(parse_reply(ccid_reply(0x62, 0, 0, 0)).error() == CcidErrc::kUnexpectedMessage);
  Bytes huge = ccid_reply(0x80, 0, 0, 0);
  huge[3] = 0x01;  // 65536 bytes announced
  CHECK(parse_reply(huge).error() == CcidErrc::kMalformedReply);
}

TEST_CASE("every bError maps to a typed error that says what to do", "[ccid]") {
  const auto error_for = [](std::uint8_t status, std::uint8_t error) {
    auto reply = parse_reply(ccid_reply(0x80, 0, status, error));
    REQUIRE(reply);
    return reply_error(*reply);
  };
  CHECK(error_for(0x42, 0xFE) == CcidErrc::kNoCard);  // failed, no card
  CHECK(error_for(0x40, 0xFE) == CcidErrc::kCardMute);
  CHECK(error_for(0x40, 0xFD) == CcidErrc::kTransmission);
  CHECK(error_for(0x40, 0xFC) == CcidErrc::kTransmission);
  CHECK(error_for(0x40, 0xFB) == CcidErrc::kReaderHardware);
  for (int atr_or_protocol : {0xF8, 0xF7, 0xF6, 0xF5}) {
    CHECK(error_for(0x41, static_cast<std::uint8_t>(atr_or_protocol)) ==
          CcidErrc::kUnsupportedCard);
  }
  CHECK(error_for(0x40, 0xE0) == CcidErrc::kReaderBusy);
  CHECK(error_for(0x40, 0xF2) == CcidErrc::kReaderBusy);
  CHECK(error_for(0x40, 0x00) == CcidErrc::kCommandRefused);
  CHECK(error_for(0x40, 0x05) == CcidErrc::kCommandRefused);  // bad parameter at offset 5
  CHECK(error_for(0x40, 0xF0) == CcidErrc::kReaderError);

  const ErrorCode moved = CcidErrc::kCardMoved;
  CHECK_THAT(moved.message(), Catch::Contains("tap again"));
  CHECK(is_read_failure(moved));  // the counter goes on reading
}

TEST_CASE("slot change notifications give presence and change per slot", "[ccid]") {
  const auto arrived = parse_slot_change(Bytes{0x50, 0x03});
  REQUIRE(arrived);
  CHECK(arrived->present);
  CHECK(arrived->changed);
  const auto left = parse_slot_change(Bytes{0x50, 0x02});
  REQUIRE(left);
  CHECK_FALSE(left->present);
  CHECK(left->changed);
  const auto slot1 = parse_slot_change(Bytes{0x50, 0x0C}, 1);
  REQUIRE(slot1);
  CHECK(slot1->present);
  CHECK(parse_slot_change(Bytes{0x50}).error() == CcidErrc::kMalformedReply);
  CHECK(parse_slot_change(Bytes{0x51, 0x00, 0x01, 0x00}).error() ==
        CcidErrc::kUnexpectedMessage);  // hardware error notification
  CHECK(parse_slot_change(Bytes{}).error() == CcidErrc::kMalformedReply);
}

TEST_CASE("the link numbers commands and takes only the reply to the one outstanding", "[ccid]") {
  CcidLink link;
  const Bytes first = link.send(get_slot_status());
  CHECK(first[6] == 0);
  const auto reply = link.receive(ccid_reply(0x81, 0, 0x01, 0));
  REQUIRE(reply);
  REQUIRE(reply->has_value());
  CHECK((*reply)->card == CardState::kInactive);
  CHECK_FALSE(link.outstanding());

  SECTION("a reply with a sequence number never sent is refused") {
    const Bytes second = link.send(xfr_block(get_uid_apdu()));
    CHECK(second[6] == 1);
    CHECK(link.receive(ccid_reply(0x80, 5, 0x00, 0, {0x90, 0x00})).error() ==
          CcidErrc::kWrongSequence);
  }
  SECTION("a late reply to an earlier command is dropped and the real one awaited") {
    (void)link.send(xfr_block(get_uid_apdu()));
    const auto stale = link.receive(ccid_reply(0x81, 0, 0x00, 0));
    REQUIRE(stale);
    CHECK_FALSE(stale->has_value());
    CHECK(link.outstanding());
    const auto real = link.receive(ccid_reply(0x80, 1, 0x00, 0, {0x90, 0x00}));
    REQUIRE(real);
    CHECK(real->has_value());
  }
  SECTION("a reply of the wrong type or slot is refused") {
    (void)link.send(xfr_block(get_uid_apdu()));
    CHECK(link.receive(ccid_reply(0x81, 1, 0x00, 0)).error() == CcidErrc::kUnexpectedMessage);
    (void)link.send(get_slot_status());
    Bytes other_slot = ccid_reply(0x81, 2, 0x00, 0);
    other_slot[5] = 1;
    CHECK(link.receive(other_slot).error() == CcidErrc::kWrongSlot);
  }
  SECTION("time extensions are waited through, up to a bound") {
    (void)link.send(xfr_block(read_binary_apdu(4)));
    const auto wait = link.receive(ccid_reply(0x80, 1, 0x80, 1));
    REQUIRE(wait);
    CHECK_FALSE(wait->has_value());
    CHECK(link.outstanding());
    const auto done = link.receive(ccid_reply(0x80, 1, 0x00, 0, {0x90, 0x00}));
    REQUIRE(done);
    REQUIRE(done->has_value());

    (void)link.send(xfr_block(read_binary_apdu(8)));
    ErrorCode last;
    for (int i = 0; i <= CcidLink::kMaxTimeExtensions; ++i) {
      auto more = link.receive(ccid_reply(0x80, 2, 0x80, 1));
      if (!more) last = more.error();
    }
    CHECK(last == CcidErrc::kTimeout);
  }
  SECTION("a failed status is its bError's error") {
    (void)link.send(power_on());
    CHECK(link.receive(ccid_reply(0x80, 1, 0x42, 0xFE)).error() == CcidErrc::kNoCard);
  }
  SECTION("sequence numbers wrap after 255") {
    for (int i = 0; i < 255; ++i) (void)link.send(get_slot_status());
    CHECK(link.send(get_slot_status())[6] == 0);
  }
  SECTION("a reply when nothing was asked is refused") {
    CHECK(link.receive(ccid_reply(0x81, 1, 0x00, 0)).error() == CcidErrc::kUnexpectedMessage);
  }
}

TEST_CASE("pseudo-APDUs for NTAG cards have the documented bytes", "[ccid]") {
  CHECK(get_uid_apdu() == Bytes{0xFF, 0xCA, 0x00, 0x00, 0x00});
  CHECK(read_binary_apdu(4) == Bytes{0xFF, 0xB0, 0x00, 0x04, 0x10});
  const Bytes page = {1, 2, 3, 4};
  CHECK(update_binary_apdu(5, page) == Bytes{0xFF, 0xD6, 0x00, 0x05, 0x04, 1, 2, 3, 4});
}

TEST_CASE("status words map to data or a typed error", "[ccid]") {
  const auto ok = response_data(Bytes{0xAA, 0xBB, 0x90, 0x00});
  REQUIRE(ok);
  CHECK(*ok == Bytes{0xAA, 0xBB});
  CHECK(response_data(Bytes{0x63, 0x00}).error() == CcidErrc::kCardOperationFailed);
  CHECK(response_data(Bytes{0x6A, 0x81}).error() == CcidErrc::kNotSupportedByCard);
  CHECK(response_data(Bytes{0x6E, 0x00}).error() == CcidErrc::kUnexpectedStatus);
  CHECK(response_data(Bytes{0x90}).error() == CcidErrc::kUnexpectedStatus);
}

TEST_CASE("good and rejected reads sound and light differently on an ACS reader", "[ccid]") {
  const Bytes good = acs_signal_apdu(ReaderSignal::kGoodRead);
  const Bytes rejected = acs_signal_apdu(ReaderSignal::kRejected);
  CHECK(good == Bytes{0xFF, 0x00, 0x40, 0xAC, 0x04, 0x01, 0x01, 0x01, 0x01});      // 1 beep, green
  CHECK(rejected == Bytes{0xFF, 0x00, 0x40, 0x5C, 0x04, 0x01, 0x01, 0x02, 0x01});  // 2 short, red
  CHECK(acs_signal_accepted(Bytes{0x90, 0x02}));
  CHECK_FALSE(acs_signal_accepted(Bytes{0x63, 0x00}));
}
