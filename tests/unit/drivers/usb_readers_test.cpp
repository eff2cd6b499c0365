// tests/unit/drivers/usb_readers_test.cpp
//
// The USB readers end to end inside the process: emulated devices (umockdev) answer the
// usbfs ioctls of real libusb, and Rapport's driver code runs unchanged on top. Every test
// checks that traffic really went through the device (interface claimed, URBs submitted and
// reaped), not only that a parser saw bytes. The last test opens them the way
// rapport-terminal does, from its [readers] configuration.

#include "drivers/usb/usb_readers.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <mutex>
#include <sstream>

#include "drivers/usb/reader_config.h"
#include "shared/config/config_file.h"
#include "terminal/card_sources.h"
#include "tests/support/catch_result.h"
#include "tests/support/hid_pos_descriptor.h"
#include "tests/support/hid_reports.h"
#include "tests/support/reader_waits.h"
#include "tests/support/usb_testbed.h"

using namespace std::chrono_literals;
using rapport::ErrorCode;
using rapport::Result;
using rapport::drivers::CardKind;
using rapport::drivers::CardRead;
using rapport::drivers::CardReader;
using rapport::drivers::KeyboardLayout;
using rapport::drivers::ReaderErrc;
using rapport::drivers::ReaderNotice;
using rapport::testing::EmulatedReader;
using rapport::testing::EmulatedReaderSpec;
using rapport::testing::kPatience;
using rapport::testing::Notices;
using rapport::testing::read_within;
using rapport::testing::UsbTestbed;

namespace {

constexpr auto kQuietGap = 50ms;

std::unique_ptr<CardReader> open_readers(Notices& notices,
                                         std::chrono::milliseconds quiet_gap = kQuietGap) {
  rapport::drivers::UsbReaderOptions options;
  options.on_notice = notices.callback();
  options.quiet_gap = quiet_gap;
  auto reader = rapport::drivers::open_usb_readers(std::move(options));
  REQUIRE(reader);
  return std::move(*reader);
}

EmulatedReaderSpec keyboard_scanner(int port = 1) {
  EmulatedReaderSpec spec;  // Honeywell, boot keyboard interface
  spec.port = port;
  return spec;
}

EmulatedReaderSpec magtek_reader(int port = 1) {
  EmulatedReaderSpec spec;
  spec.vendor_id = 0x0801;
  spec.product_id = 0x0002;
  spec.interface_subclass = 0;
  spec.interface_protocol = 0;
  spec.max_packet = 64;
  spec.report_descriptor = {0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0xC0};  // vendor page
  spec.port = port;
  return spec;
}

EmulatedReaderSpec hid_pos_scanner(int port = 1) {
  EmulatedReaderSpec spec;
  spec.vendor_id = 0x05E0;  // Zebra
  spec.product_id = 0x1300;
  spec.interface_subclass = 0;
  spec.interface_protocol = 0;
  spec.max_packet = 64;
  spec.report_descriptor = rapport::testing::hid_pos_report_descriptor();
  spec.port = port;
  return spec;
}

// Plugs the device in and waits until the source reads it.
EmulatedReader& plug_and_wait(UsbTestbed& bed, const EmulatedReaderSpec& spec, Notices& notices,
                              std::size_t attached_before = 0) {
  EmulatedReader& device = bed.plug(spec);
  REQUIRE(notices.wait_for(ReaderNotice::Kind::kAttached, attached_before + 1));
  REQUIRE(device.wait_until_reading(kPatience));
  return device;
}

}  // namespace

TEST_CASE("a keyboard-mode scanner's scan arrives as a card read through libusb", "[usb]") {
  UsbTestbed bed;
  EmulatedReader& device = bed.plug(keyboard_scanner());
  Notices notices;
  auto reader = open_readers(notices);
  REQUIRE(notices.wait_for(ReaderNotice::Kind::kAttached));
  REQUIRE(device.wait_until_reading(kPatience));

  const auto reports = rapport::testing::type_text("6275991234567894", KeyboardLayout::kUs);
  device.send_reports(reports);
  const auto read = read_within(*reader);
  REQUIRE(read);
  CHECK(read->payload == "6275991234567894");
  CHECK(read->kind == CardKind::kBarcode);
  CHECK(read->reader == "usb:1-1 Honeywell scanner 0c2e:0b61");

  REQUIRE(device.wait_until_delivered(kPatience));  // the read ends at Enter's press
  REQUIRE(device.wait_until_reading(kPatience));    // and the next URB is submitted
  const auto traffic = device.traffic();
  CHECK(traffic.kernel_detaches == 1);  // keystrokes never reach a console
  CHECK(traffic.boot_protocol_set == 1);
  CHECK(traffic.urbs_reaped == static_cast<int>(reports.size()));
  CHECK(traffic.urbs_submitted > traffic.urbs_reaped);  // one is always outstanding
}

TEST_CASE("a swiped stripe typed by a keyboard-mode reader becomes its member number", "[usb]") {
  UsbTestbed bed;
  EmulatedReaderSpec spec = keyboard_scanner();
  spec.vendor_id = 0x0801;  // MagTek, keyboard emulation
  spec.product_id = 0x0001;
  EmulatedReader& device = bed.plug(spec);
  Notices notices;
  auto reader = open_readers(notices);
  REQUIRE(notices.wait_for(ReaderNotice::Kind::kAttached));
  REQUIRE(device.wait_until_reading(kPatience));

  device.send_reports(rapport::testing::type_text(
      "%B6275991234567894^LOVELACE/ADA^2912101?;6275991234567894=2912101?", KeyboardLayout::kUs));
  const auto read = read_within(*reader);
  REQUIRE(read);
  CHECK(read->kind == CardKind::kMagstripe);
  CHECK(read->payload == "6275991234567894");

  SECTION("a partial swipe is a bad read, never a member, and the next swipe works") {
    device.send_reports(rapport::testing::type_text(";6275991234567", KeyboardLayout::kUs));
    const auto bad = read_within(*reader);
    REQUIRE_FALSE(bad);
    CHECK(rapport::drivers::is_read_failure(bad.error()));
    device.send_reports(rapport::testing::type_text(";6275991234567894?", KeyboardLayout::kUs));
    const auto again = read_within(*reader);
    REQUIRE(again);
    CHECK(again->payload == "6275991234567894");
  }
}

TEST_CASE("garbage and error roll-over are bad reads, and the reader keeps working", "[usb]") {
  UsbTestbed bed;
  Notices notices;
  auto reader = open_readers(notices);
  EmulatedReader& device = plug_and_wait(bed, keyboard_scanner(), notices);

  device.send_reports({{0x00, 0x00, 0x1E, 0x01, 0x01, 0x01, 0x01, 0x01},  // roll-over
                       {0, 0, 0, 0, 0, 0, 0, 0}});
  const auto rolled = read_within(*reader);
  REQUIRE_FALSE(rolled);
  CHECK(rapport::drivers::is_read_failure(rolled.error()));

  // The rest of a failed read is dropped until the reader falls quiet, as a cashier who
  // sees "scan again" pauses before scanning again.
  std::this_thread::sleep_for(3 * kQuietGap);
  device.send_reports({{0x12, 0x34}});  // a short report
  const auto garbage = read_within(*reader);
  REQUIRE_FALSE(garbage);
  CHECK(rapport::drivers::is_read_failure(garbage.error()));

  std::this_thread::sleep_for(3 * kQuietGap);
  device.send_reports(rapport::testing::type_text("6275993182640574", KeyboardLayout::kUs));
  const auto good = read_within(*reader);
  REQUIRE(good);
  CHECK(good->payload == "6275993182640574");
}

TEST_CASE("a reader pulled out mid-read is reported and a new one works", "[usb]") {
  UsbTestbed bed;
  Notices notices;
  // A long quiet gap, so the half scan is still pending when the unplug is noticed (with
  // the default 80 ms a slow machine may end it as a short read first, which the counter
  // refuses as a bad number: also safe, but not what this test is about).
  auto reader = open_readers(notices, 10s);
  EmulatedReader& first = plug_and_wait(bed, keyboard_scanner(1), notices);

  auto reports = rapport::testing::type_text("6275991234567894", KeyboardLayout::kUs);
  reports.resize(reports.size() / 2);  // half a scan, no Enter
  first.send_reports(reports);
  REQUIRE(first.wait_until_delivered(kPatience));
  bed.unplug(first);
  const auto lost = read_within(*reader);
  REQUIRE_FALSE(lost);
  CHECK(lost.error() == ReaderErrc::kUnplugged);
  REQUIRE(notices.wait_for(ReaderNotice::Kind::kDetached));

  EmulatedReader& second = plug_and_wait(bed, keyboard_scanner(2), notices, 1);
  second.send_reports(rapport::testing::type_text("6275991234567894", KeyboardLayout::kUs));
  const auto read = read_within(*reader);
  REQUIRE(read);
  CHECK(read->payload == "6275991234567894");
  CHECK(read->reader == "usb:1-2 Honeywell scanner 0c2e:0b61");
}

TEST_CASE("two readers at once each deliver their own reads", "[usb]") {
  UsbTestbed bed;
  Notices notices;
  auto reader = open_readers(notices);
  EmulatedReader& left = plug_and_wait(bed, keyboard_scanner(1), notices);
  EmulatedReader& right = plug_and_wait(bed, keyboard_scanner(2), notices, 1);

  left.send_reports(rapport::testing::type_text("6275991234567894", KeyboardLayout::kUs));
  const auto a = read_within(*reader);
  right.send_reports(rapport::testing::type_text("6275993182640574", KeyboardLayout::kUs));
  const auto b = read_within(*reader);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->reader == "usb:1-1 Honeywell scanner 0c2e:0b61");
  CHECK(a->payload == "6275991234567894");
  CHECK(b->reader == "usb:1-2 Honeywell scanner 0c2e:0b61");
  CHECK(b->payload == "6275993182640574");
}

TEST_CASE("devices that are not card readers are left alone", "[usb]") {
  UsbTestbed bed;
  EmulatedReaderSpec keyboard = keyboard_scanner();
  keyboard.vendor_id = 0x046D;  // a Logitech keyboard: the store PC's own
  keyboard.product_id = 0xC31C;
  EmulatedReader& device = bed.plug(keyboard);
  Notices notices;
  auto reader = open_readers(notices);
  std::this_thread::sleep_for(200ms);
  CHECK(notices.count(ReaderNotice::Kind::kAttached) == 0);
  CHECK(device.traffic().claims == 0);

  const auto listed = rapport::drivers::list_usb_devices({});
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK_FALSE(listed->front().reader.has_value());
}

TEST_CASE("stopping cancels the outstanding transfer and gives the interface back", "[usb]") {
  UsbTestbed bed;
  EmulatedReader& device = bed.plug(keyboard_scanner());
  {
    Notices notices;
    auto reader = open_readers(notices);
    REQUIRE(notices.wait_for(ReaderNotice::Kind::kAttached));
    REQUIRE(device.wait_until_reading(kPatience));
    reader->request_stop();
    CHECK(reader->next_read().error() == ReaderErrc::kStopped);
  }  // destroyed here
  const auto traffic = device.traffic();
  CHECK(traffic.urbs_discarded == 1);
  CHECK(traffic.releases == 1);
}

TEST_CASE("list_usb_devices names an emulated reader and its driver", "[usb]") {
  UsbTestbed bed;
  bed.plug(keyboard_scanner());
  const auto listed = rapport::drivers::list_usb_devices({});
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  const auto& attached = listed->front();
  CHECK(attached.device.vendor_id == 0x0C2E);
  CHECK(attached.device.port_path == "1-1");
  REQUIRE(attached.reader);
  CHECK(attached.reader->model.driver == rapport::drivers::ReaderDriver::kHidKeyboard);
  CHECK(attached.reader->interface.in_endpoint == 0x81);
}

TEST_CASE("the committed umockdev device record matches the descriptor builder", "[usb]") {
  std::ifstream file(RAPPORT_TEST_DATA_DIR "/usb/honeywell-keyboard-scanner.umockdev");
  std::stringstream text;
  text << file.rdbuf();
  CHECK_THAT(text.str(), Catch::Contains("H: descriptors=" + rapport::testing::usb_descriptors_hex(
                                                                 keyboard_scanner())));
}

TEST_CASE("a MagTek vendor-mode swipe arrives as one 337-byte report", "[usb]") {
  UsbTestbed bed;
  Notices notices;
  auto reader = open_readers(notices);
  EmulatedReader& device = plug_and_wait(bed, magtek_reader(), notices);

  device.send_reports({rapport::testing::magtek_report("%B6275991234567894^LOVELACE/ADA^2912?",
                                                       ";6275991234567894=2912?")});
  const auto read = read_within(*reader);
  REQUIRE(read);
  CHECK(read->kind == CardKind::kMagstripe);
  CHECK(read->payload == "6275991234567894");
  CHECK(read->reader == "usb:1-1 MagTek stripe reader 0801:0002");

  // The reader flags track 2 as undecodable: a bad read, never a member.
  device.send_reports(
      {rapport::testing::magtek_report("", ";6275991234567894=2912?", {}, {0x00, 0x01, 0x00})});
  const auto bad = read_within(*reader);
  REQUIRE_FALSE(bad);
  CHECK(rapport::drivers::is_read_failure(bad.error()));
  CHECK(device.traffic().urbs_reaped == 2);
  CHECK(device.traffic().boot_protocol_set == 0);  // not a keyboard
}

TEST_CASE("a HID-POS scanner is read through its own report descriptor", "[usb]") {
  UsbTestbed bed;
  Notices notices;
  auto reader = open_readers(notices);
  EmulatedReader& device = plug_and_wait(bed, hid_pos_scanner(), notices);
  CHECK(device.traffic().control_requests >= 1);  // GET_DESCRIPTOR(report)

  device.send_reports(rapport::testing::hid_pos_reports("]E0", "6275991234567894"));
  const auto ean = read_within(*reader);
  REQUIRE(ean);
  CHECK(ean->kind == CardKind::kBarcode);
  CHECK(ean->symbology == "]E0");
  CHECK(ean->payload == "6275991234567894");

  // A QR code longer than one report spans several; the payload goes on unchanged.
  const std::string token =
      "RAPPORT1.6275991234567894.2026-11-26.k1.c2lnbmF0dXJlLW9mLWEtbWVtYmVyLXRva2VuLXRoYXQtaXMt"
      "bG9uZ2VyLXRoYW4tb25lLXJlcG9ydA";
  const auto reports = rapport::testing::hid_pos_reports("]Q1", token);
  REQUIRE(reports.size() >= 3);
  device.send_reports(reports);
  const auto qr = read_within(*reader);
  REQUIRE(qr);
  CHECK(qr->symbology == "]Q1");
  CHECK(qr->payload == token);
}

TEST_CASE("a scanner whose descriptor is not HID-POS is reported, not read", "[usb]") {
  UsbTestbed bed;
  Notices notices;
  auto reader = open_readers(notices);
  EmulatedReaderSpec spec = hid_pos_scanner();
  spec.report_descriptor = {0x06, 0x00, 0xFF, 0x09, 0x01, 0xA1, 0x01, 0xC0};  // vendor page
  bed.plug(spec);
  REQUIRE(notices.wait_for(ReaderNotice::Kind::kFailed));
  CHECK_THAT(notices.all().front().detail, Catch::Contains("not a HID-POS scanner"));
}

TEST_CASE("the terminal reads the USB readers its terminal.toml configures", "[usb]") {
  UsbTestbed bed;
  EmulatedReaderSpec acme = keyboard_scanner();
  acme.vendor_id = 0x1234;  // in no built-in table: only terminal.toml makes it a reader
  acme.product_id = 0x5678;
  EmulatedReader& device = bed.plug(acme);
  const auto config = rapport::drivers::load_reader_config(rapport::config::ConfigFile::parse(
      R"(
[readers]
console = false
[[readers.models]]
name = "Acme scanner"
vendor_id = 0x1234
driver = "keyboard"
layout = "fr"
)",
      "terminal.toml"));
  auto reader = rapport::terminal::open_card_readers(config, -1);
  REQUIRE(reader);
  REQUIRE(device.wait_until_reading(kPatience));
  device.send_reports(rapport::testing::type_text("6275991234567894", KeyboardLayout::kFrench));
  const auto read = read_within(*reader);
  REQUIRE(read);
  CHECK(read->payload == "6275991234567894");
  CHECK(read->reader == "usb:1-1 Acme scanner 1234:5678");
}
