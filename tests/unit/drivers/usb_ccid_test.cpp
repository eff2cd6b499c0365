// tests/unit/drivers/usb_ccid_test.cpp
//
// Contactless readers end to end inside the process: an emulated ACR122U (umockdev, real
// descriptors: interface class 0x0B, CCID class descriptor, bulk pair, interrupt-IN) answers
// the CCID commands that real libusb carries, through the same firmware twin the pure session
// tests use (tests/support/ccid_responder.h). Each test also checks the traffic really went
// over the emulated bulk pipes.

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>

#include "drivers/ccid/ccid_errc.h"
#include "drivers/reader_control.h"
#include "drivers/usb/reader_config.h"
#include "drivers/usb/usb_readers.h"
#include "shared/config/config_file.h"
#include "shared/util/hex.h"
#include "terminal/card_sources.h"
#include "tests/support/catch_result.h"
#include "tests/support/ccid_responder.h"
#include "tests/support/reader_waits.h"
#include "tests/support/usb_testbed.h"

using namespace std::chrono_literals;
using rapport::Result;
using rapport::drivers::CardKind;
using rapport::drivers::CardRead;
using rapport::drivers::CardReader;
using rapport::drivers::CcidErrc;
using rapport::drivers::ReaderErrc;
using rapport::drivers::ReaderNotice;
using rapport::drivers::ReaderSignal;
using rapport::testing::Bytes;
using rapport::testing::CcidFault;
using rapport::testing::CcidResponder;
using rapport::testing::EmulatedReader;
using rapport::testing::eventually;
using rapport::testing::kPatience;
using rapport::testing::Notices;
using rapport::testing::NtagCard;
using rapport::testing::read_within;
using rapport::testing::UsbTestbed;

namespace {

const std::string kReaderName = "usb:1-1 ACS ACR122U 072f:2200";

// Nothing is read within `quiet`.
bool stays_quiet(CardReader& reader, std::chrono::milliseconds quiet) {
  auto pending = std::async(std::launch::async, [&] { return reader.next_read(); });
  const bool quiet_ok = pending.wait_for(quiet) != std::future_status::ready;
  reader.request_stop();
  (void)pending.get();
  return quiet_ok;
}

NtagCard member_card(Bytes uid = {0x04, 0xA2, 0x3C, 0x5A, 0x6B, 0x80, 0x81}) {
  NtagCard card = NtagCard::blank(std::move(uid));
  for (std::size_t i = 0; i < 144; ++i) card.pages[16 + i] = static_cast<std::uint8_t>(0xA0 ^ i);
  return card;
}

// An emulated ACR122U whose firmware is `responder`, plugged in, with the USB readers open.
struct Counter {
  UsbTestbed bed;
  std::shared_ptr<CcidResponder> responder = std::make_shared<CcidResponder>();
  EmulatedReader* device = nullptr;
  Notices notices;
  std::unique_ptr<CardReader> reader;

  explicit Counter(std::chrono::milliseconds poll = 30ms,
                   std::chrono::milliseconds reply_timeout = 400ms) {
    device = &bed.plug(rapport::testing::acr122u_spec());
    device->answer_bulk_out([r = responder](const Bytes& message) { return r->answer(message); });
    rapport::drivers::UsbReaderOptions options;
    options.on_notice = notices.callback();
    options.ccid_poll_interval = poll;
    options.ccid_reply_timeout = reply_timeout;
    auto opened = rapport::drivers::open_usb_readers(std::move(options));
    REQUIRE(opened);
    reader = std::move(*opened);
    REQUIRE(notices.wait_for(ReaderNotice::Kind::kAttached));
    REQUIRE(device->wait_until_reading(kPatience));
  }
};

}  // namespace

TEST_CASE("a tapped card arrives with its UID and user memory through libusb", "[usb][ccid]") {
  Counter counter;
  counter.responder->place(member_card());
  const auto read = read_within(*counter.reader);
  REQUIRE(read);
  CHECK(read->kind == CardKind::kContactless);
  CHECK(read->reader == kReaderName);
  CHECK(read->payload == "04a23c5a6b8081");
  CHECK(read->card_memory == member_card().user_memory());
  const auto traffic = counter.device->traffic();
  CHECK(traffic.claims == 1);
  CHECK(traffic.bulk_in_reaped >= 11);                         // power on, UID, 9 reads (and polls)
  CHECK(traffic.bulk_in_reaped <= traffic.bulk_out_messages);  // a poll may be under way

  SECTION("a card left on the reader is read once, the next tap again") {
    const int polls = counter.responder->slot_status_polls();
    CHECK(eventually([&] { return counter.responder->slot_status_polls() >= polls + 3; }));
    counter.responder->remove();
    CHECK(eventually([&] { return counter.responder->slot_status_polls() >= polls + 6; }));
    counter.responder->place(member_card({0x04, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06}));
    const auto next = read_within(*counter.reader);
    REQUIRE(next);
    CHECK(next->payload == "04010203040506");
    CHECK(counter.responder->xfr_blocks() == 20);  // two taps of 10, nothing read twice
  }
}

TEST_CASE("a slot-change notification starts the read without waiting for a poll", "[usb][ccid]") {
  Counter counter(60s);  // the first poll happens at open; the next one would be a minute on
  CHECK(eventually([&] { return counter.responder->slot_status_polls() == 1; }));
  counter.responder->place(member_card());
  counter.device->send_reports({{0x50, 0x03}});  // slot 0: card present, changed
  const auto read = read_within(*counter.reader, 2s);
  REQUIRE(read);
  CHECK(read->payload == "04a23c5a6b8081");
  CHECK(counter.responder->slot_status_polls() == 1);
  CHECK(counter.device->traffic().urbs_reaped == 1);  // the notification
}

TEST_CASE("enrollment writes the card, reads it back, and the reader signals the cashier",
          "[usb][ccid]") {
  Counter counter;
  const NtagCard blank = NtagCard::blank({0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66});
  counter.responder->place(blank);
  const auto tap = read_within(*counter.reader);
  REQUIRE(tap);
  auto* control = counter.reader->control();
  REQUIRE(control != nullptr);

  const Bytes token = {'R', 'P', 'T', '1', 0x00, 0x01, 0x02, 0x03, 0xFE, 0xED};
  const auto written = control->write_card(tap->reader, tap->payload, token, kPatience);
  REQUIRE(written);
  CHECK(written->kind == CardKind::kContactless);
  CHECK(written->payload == tap->payload);
  CHECK(Bytes(written->card_memory.begin(), written->card_memory.begin() + 10) == token);
  CHECK(counter.responder->card()->user_memory() == written->card_memory);

  SECTION("a different card on the reader is not written") {
    counter.responder->place(member_card());
    const auto refused = control->write_card(tap->reader, tap->payload, token, kPatience);
    REQUIRE_FALSE(refused);
    CHECK(refused.error() == CcidErrc::kWrongCard);
    CHECK(counter.responder->card()->user_memory() == member_card().user_memory());
  }
  SECTION("good and rejected signals reach the reader's LED and buzzer") {
    REQUIRE(control->signal(tap->reader, ReaderSignal::kGoodRead));
    REQUIRE(control->signal(tap->reader, ReaderSignal::kRejected));
    CHECK(eventually([&] { return counter.responder->signals().size() == 2; }));
    const auto signals = counter.responder->signals();
    REQUIRE(signals.size() == 2);
    CHECK(signals[0] == Bytes{0xFF, 0x00, 0x40, 0xAC, 0x04, 0x01, 0x01, 0x01, 0x01});
    CHECK(signals[1] == Bytes{0xFF, 0x00, 0x40, 0x5C, 0x04, 0x01, 0x01, 0x02, 0x01});
  }
  SECTION("requests for readers that are not there are refused at once") {
    CHECK(control->signal("usb:9-9 nothing", ReaderSignal::kGoodRead).error() ==
          CcidErrc::kNoSuchReader);
    CHECK(control->write_card("usb:9-9 nothing", tap->payload, token, 1s).error() ==
          CcidErrc::kNoSuchReader);
  }
}

TEST_CASE("a card pulled away mid-read is 'tap again', and the next tap is read", "[usb][ccid]") {
  Counter counter;
  const bool status_word = GENERATE(false, true);
  counter.responder->remove_after(4, status_word);
  counter.responder->place(member_card());
  const auto lost = read_within(*counter.reader);
  REQUIRE_FALSE(lost);
  CHECK(lost.error() == CcidErrc::kCardMoved);
  CHECK(rapport::drivers::is_read_failure(lost.error()));

  // The next polls see the empty slot; then the cashier taps again.
  const int polls = counter.responder->slot_status_polls();
  CHECK(eventually([&] { return counter.responder->slot_status_polls() >= polls + 2; }));
  counter.responder->place(member_card());
  const auto again = read_within(*counter.reader);
  REQUIRE(again);
  CHECK(again->card_memory == member_card().user_memory());
}

TEST_CASE("a reader pulled out mid-read is reported once and detached", "[usb][ccid]") {
  Counter counter(30ms, 10s);  // the session hangs on a silent reply until the unplug
  counter.responder->inject(CcidFault::kSilent, 3);
  counter.responder->place(member_card());
  CHECK(eventually([&] { return counter.responder->xfr_blocks() >= 4; }));
  counter.bed.unplug(*counter.device);
  const auto lost = read_within(*counter.reader);
  REQUIRE_FALSE(lost);
  CHECK(lost.error() == ReaderErrc::kUnplugged);
  REQUIRE(counter.notices.wait_for(ReaderNotice::Kind::kDetached));
  CHECK(counter.reader->control()->signal(kReaderName, ReaderSignal::kGoodRead).error() ==
        CcidErrc::kNoSuchReader);
  CHECK(stays_quiet(*counter.reader, 200ms));  // nothing more: reported once
}

TEST_CASE("reader faults are typed 'tap again' errors and the reader keeps working",
          "[usb][ccid]") {
  Counter counter;
  const auto [fault, expected] =
      GENERATE(std::pair{CcidFault::kSilent, CcidErrc::kTimeout},
               std::pair{CcidFault::kMalformed, CcidErrc::kMalformedReply},
               std::pair{CcidFault::kWrongSequence, CcidErrc::kWrongSequence},
               std::pair{CcidFault::kTruncatedData, CcidErrc::kMalformedReply});
  counter.responder->inject(fault, 2);
  counter.responder->place(member_card());
  const auto failed = read_within(*counter.reader);
  REQUIRE_FALSE(failed);
  CHECK(failed.error() == expected);

  counter.responder->remove();  // the cashier lifts the card and taps again
  const int polls = counter.responder->slot_status_polls();
  CHECK(eventually([&] { return counter.responder->slot_status_polls() >= polls + 2; }));
  counter.responder->place(member_card());
  const auto read = read_within(*counter.reader);
  REQUIRE(read);
  CHECK(read->card_memory == member_card().user_memory());
}

TEST_CASE("a time extension from the reader is waited through", "[usb][ccid]") {
  Counter counter(60s);  // no polls after the first: the traffic below is the session's
  CHECK(eventually([&] { return counter.responder->slot_status_polls() == 1; }));
  counter.responder->inject(CcidFault::kTimeExtension, 5);
  counter.responder->place(member_card());
  counter.device->send_reports({{0x50, 0x03}});
  const auto read = read_within(*counter.reader);
  REQUIRE(read);
  CHECK(read->card_memory == member_card().user_memory());
  const auto traffic = counter.device->traffic();
  CHECK(traffic.bulk_out_messages == 1 + 11);
  CHECK(traffic.bulk_in_reaped == 1 + 11 + 1);  // one reply more: the time extension
}

TEST_CASE("a card is delivered with its own UID whatever its memory claims", "[usb][ccid]") {
  // A cloned token: memory copied from the member's card onto a card with another UID. The
  // driver reports what the card is; the token check (elsewhere) compares the two.
  Counter counter;
  NtagCard clone = member_card({0x04, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE});
  clone.pages = member_card().pages;  // pages 0-2 hold the real UID on a genuine card
  counter.responder->place(clone);
  const auto read = read_within(*counter.reader);
  REQUIRE(read);
  CHECK(read->payload == "04eeeeeeeeeeee");
  CHECK(read->card_memory == member_card().user_memory());
}

TEST_CASE("list_usb_devices names a CCID reader and its bulk endpoints", "[usb][ccid]") {
  UsbTestbed bed;
  bed.plug(rapport::testing::acr122u_spec());
  const auto listed = rapport::drivers::list_usb_devices({});
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  const auto& attached = listed->front();
  REQUIRE(attached.reader);
  CHECK(attached.reader->model.driver == rapport::drivers::ReaderDriver::kCcid);
  CHECK(attached.reader->model.name == "ACS ACR122U");
  CHECK(attached.reader->interface.bulk_out_endpoint == 0x02);
  CHECK(attached.reader->interface.bulk_in_endpoint == 0x82);
  CHECK(attached.reader->interface.in_endpoint == 0x81);
}

TEST_CASE("stopping a contactless reader cancels its transfers and releases it", "[usb][ccid]") {
  UsbTestbed bed;
  EmulatedReader& device = bed.plug(rapport::testing::acr122u_spec());
  auto responder = std::make_shared<CcidResponder>();
  device.answer_bulk_out([responder](const Bytes& message) { return responder->answer(message); });
  {
    Notices notices;
    rapport::drivers::UsbReaderOptions options;
    options.on_notice = notices.callback();
    auto reader = rapport::drivers::open_usb_readers(std::move(options));
    REQUIRE(reader);
    REQUIRE(notices.wait_for(ReaderNotice::Kind::kAttached));
    REQUIRE(device.wait_until_reading(kPatience));
    (*reader)->request_stop();
    CHECK((*reader)->next_read().error() == ReaderErrc::kStopped);
  }
  const auto traffic = device.traffic();
  CHECK(traffic.urbs_discarded >= 1);  // the notification URB
  CHECK(traffic.releases == 1);
}

TEST_CASE("the terminal reads a CCID reader its terminal.toml configures", "[usb][ccid]") {
  UsbTestbed bed;
  auto spec = rapport::testing::acr122u_spec();
  spec.vendor_id = 0x1234;  // in no built-in table: only terminal.toml makes it a reader
  spec.product_id = 0x0042;
  spec.in_endpoint = 0;  // and without notifications: polling alone finds the card
  EmulatedReader& device = bed.plug(spec);
  auto responder = std::make_shared<CcidResponder>();
  device.answer_bulk_out([responder](const Bytes& message) { return responder->answer(message); });
  const auto config = rapport::drivers::load_reader_config(rapport::config::ConfigFile::parse(
      R"(
[readers]
console = false
[[readers.models]]
name = "Acme NFC"
vendor_id = 0x1234
driver = "ccid"
signals = "acs"
)",
      "terminal.toml"));
  REQUIRE(config.usb_models.size() == 1);
  CHECK(config.usb_models[0].interface_class == 0x0B);
  auto reader = rapport::terminal::open_card_readers(config, -1);
  REQUIRE(reader);
  responder->place(member_card());
  const auto read = read_within(*reader);
  REQUIRE(read);
  CHECK(read->reader == "usb:1-1 Acme NFC 1234:0042");
  CHECK(read->kind == CardKind::kContactless);
  REQUIRE(reader->control() != nullptr);
  REQUIRE(reader->control()->signal(read->reader, ReaderSignal::kRejected));
  CHECK(eventually([&] { return responder->signals().size() == 1; }));
}

TEST_CASE("the committed ACR122U device record matches the descriptor builder", "[usb][ccid]") {
  std::ifstream file(RAPPORT_TEST_DATA_DIR "/usb/acs-acr122u.umockdev");
  std::stringstream text;
  text << file.rdbuf();
  CHECK_THAT(text.str(),
             Catch::Contains("H: descriptors=" + rapport::testing::usb_descriptors_hex(
                                                     rapport::testing::acr122u_spec())));
}
