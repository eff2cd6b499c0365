// tests/unit/drivers/reader_setup_test.cpp
//
// The pure parts around the USB readers: which devices are readers (the model table and
// terminal.toml's [readers]), how typed text is interpreted, and the console and USB
// sources combined.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "drivers/combined_reader.h"
#include "drivers/line_reader.h"
#include "drivers/report_decoder.h"
#include "drivers/usb/reader_config.h"
#include "drivers/usb/reader_models.h"
#include "shared/config/config_file.h"
#include "tests/support/catch_result.h"

using namespace rapport::drivers;

namespace {

UsbDeviceInfo device(std::uint16_t vendor, std::uint16_t product, std::uint8_t subclass,
                     std::uint8_t protocol) {
  UsbDeviceInfo info;
  info.vendor_id = vendor;
  info.product_id = product;
  info.port_path = "1-4";
  info.interfaces.push_back(UsbInterfaceInfo{0, 3, subclass, protocol, 0x81, 8, 0, 0});
  return info;
}

rapport::config::ConfigFile toml(const std::string& text) {
  return rapport::config::ConfigFile::parse(text, "terminal.toml");
}

}  // namespace

TEST_CASE("the built-in table knows scanner and stripe vendors by interface", "[readers]") {
  const auto keyboard = match_reader({}, device(0x0C2E, 0x0B61, 1, 1));
  REQUIRE(keyboard);
  CHECK(keyboard->model.driver == ReaderDriver::kHidKeyboard);
  const auto pos = match_reader({}, device(0x05E0, 0x1300, 0, 0));
  REQUIRE(pos);
  CHECK(pos->model.driver == ReaderDriver::kHidPos);
  const auto magtek = match_reader({}, device(0x0801, 0x0002, 0, 0));
  REQUIRE(magtek);
  CHECK(magtek->model.driver == ReaderDriver::kMagtekHid);
  CHECK(describe_reader(magtek->model, device(0x0801, 0x0002, 0, 0)) ==
        "usb:1-4 MagTek stripe reader 0801:0002");
}

TEST_CASE("contactless readers match by their CCID interface and bulk endpoints", "[readers]") {
  UsbDeviceInfo acr122u;
  acr122u.vendor_id = 0x072F;
  acr122u.product_id = 0x2200;
  acr122u.port_path = "1-2";
  acr122u.interfaces.push_back(UsbInterfaceInfo{0, 0x0B, 0, 0, 0x81, 8, 0x82, 0x02});
  const auto match = match_reader({}, acr122u);
  REQUIRE(match);
  CHECK(match->model.driver == ReaderDriver::kCcid);
  CHECK(match->model.signals == SignalCommands::kAcs);
  CHECK(describe_reader(match->model, acr122u) == "usb:1-2 ACS ACR122U 072f:2200");
  acr122u.product_id = 0x223B;
  REQUIRE(match_reader({}, acr122u));
  CHECK(match_reader({}, acr122u)->model.signals == SignalCommands::kNone);
  acr122u.interfaces[0].bulk_out_endpoint = 0;  // no bulk pair: not a CCID reader we can drive
  CHECK_FALSE(match_reader({}, acr122u));
  const auto config = load_reader_config(toml(R"(
[[readers.models]]
name = "Acme NFC"
vendor_id = 0x1234
driver = "ccid"
signals = "acs"
)"));
  REQUIRE(config.usb_models.size() == 1);
  CHECK(config.usb_models[0].interface_class == 0x0B);
  CHECK_FALSE(config.usb_models[0].interface_subclass);
  CHECK(config.usb_models[0].signals == SignalCommands::kAcs);
}

TEST_CASE("a keyboard of an unknown vendor is never claimed", "[readers]") {
  CHECK_FALSE(match_reader({}, device(0x046D, 0xC31C, 1, 1)));
  auto no_endpoint = device(0x0C2E, 0x0B61, 1, 1);
  no_endpoint.interfaces[0].in_endpoint = 0;
  CHECK_FALSE(match_reader({}, no_endpoint));
}

TEST_CASE("terminal.toml models come first and can override a default", "[readers]") {
  const auto config = load_reader_config(toml(R"(
[readers]
console = false
quiet_gap_ms = 120

[[readers.models]]
name = "Acme scanner"
vendor_id = 0x0C2E
product_id = 0x0B61
driver = "keyboard"
layout = "fr"
terminator = "tab"
)"));
  CHECK_FALSE(config.console);
  CHECK(config.usb);
  CHECK(config.quiet_gap == std::chrono::milliseconds(120));
  REQUIRE(config.usb_models.size() == 1);
  const auto match = match_reader(config.usb_models, device(0x0C2E, 0x0B61, 1, 1));
  REQUIRE(match);
  CHECK(match->model.name == "Acme scanner");
  CHECK(match->model.layout == KeyboardLayout::kFrench);
  CHECK(match->model.terminator == Terminator::kTab);
  // Another product of the vendor still gets the built-in model.
  CHECK(match_reader(config.usb_models, device(0x0C2E, 0x0001, 1, 1))->model.name ==
        "Honeywell scanner");
}

TEST_CASE("a bad [readers] entry names its key", "[readers]") {
  CHECK_THROWS_WITH(load_reader_config(toml(R"(
[[readers.models]]
name = "Acme"
vendor_id = 0x1234
driver = "serial"
)")),
                    Catch::Contains("readers.models[0].driver") &&
                        Catch::Contains("\"keyboard\", \"magtek\", \"hidpos\" or \"ccid\""));
  CHECK_THROWS_WITH(load_reader_config(toml(R"(
[[readers.models]]
name = "Acme NFC"
vendor_id = 0x1234
driver = "ccid"
signals = "loud"
)")),
                    Catch::Contains("readers.models[0].signals"));
  CHECK_THROWS_WITH(load_reader_config(toml("[readers]\nusb = \"yes\"\n")),
                    Catch::Contains("readers.usb") && Catch::Contains("true or false"));
  CHECK_THROWS_WITH(load_reader_config(toml(R"(
[[readers.models]]
name = "Acme"
vendor_id = 0x1234
driver = "keyboard"
layout = "klingon"
)")),
                    Catch::Contains("readers.models[0].layout"));
}

TEST_CASE("typed text: tracks become numbers, AIM prefixes symbologies", "[readers]") {
  const auto swipe = interpret_typed_text(";6275991234567894=2912?", CardKind::kTyped);
  REQUIRE(swipe);
  CHECK(swipe->kind == CardKind::kMagstripe);
  CHECK(swipe->payload == "6275991234567894");

  const auto partial = interpret_typed_text(";62759912345", CardKind::kTyped);
  REQUIRE_FALSE(partial);  // a partial swipe is a bad read, never a number

  const auto qr = interpret_typed_text("]Q1RAPPORT1.token", CardKind::kBarcode);
  REQUIRE(qr);
  CHECK(qr->symbology == "]Q1");
  CHECK(qr->payload == "RAPPORT1.token");

  const auto plain = interpret_typed_text("6275 9912 3456 7894", CardKind::kTyped);
  REQUIRE(plain);
  CHECK(plain->kind == CardKind::kTyped);
  CHECK(plain->payload == "6275 9912 3456 7894");
}

TEST_CASE("combined readers deliver from each source and end when one ends", "[readers]") {
  int first[2];
  int second[2];
  REQUIRE(::pipe(first) == 0);
  REQUIRE(::pipe(second) == 0);
  std::vector<std::unique_ptr<CardReader>> sources;
  sources.push_back(make_line_reader(first[0], "console"));
  sources.push_back(make_line_reader(second[0], "wedge"));
  auto combined = combine_readers(std::move(sources));

  REQUIRE(::write(second[1], "6275991234567894\n", 17) == 17);
  const auto a = combined->next_read();
  REQUIRE(a);
  CHECK(a->reader == "wedge");
  REQUIRE(::write(first[1], ";6275993182640574?\n", 19) == 19);
  const auto b = combined->next_read();
  REQUIRE(b);
  CHECK(b->reader == "console");
  CHECK(b->kind == CardKind::kMagstripe);

  ::close(first[1]);  // the console closes: the whole combination ends
  CHECK(combined->next_read().error() == ReaderErrc::kEndOfInput);
  combined.reset();
  ::close(first[0]);
  ::close(second[0]);
  ::close(second[1]);
}

TEST_CASE("request_stop on combined readers stops every source", "[readers]") {
  int console[2];
  REQUIRE(::pipe(console) == 0);
  int wedge[2];
  REQUIRE(::pipe(wedge) == 0);
  std::vector<std::unique_ptr<CardReader>> sources;
  sources.push_back(make_line_reader(console[0], "console"));
  sources.push_back(make_line_reader(wedge[0], "wedge"));
  auto combined = combine_readers(std::move(sources));
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    combined->request_stop();
  });
  CHECK(combined->next_read().error() == ReaderErrc::kStopped);
  stopper.join();
  combined.reset();
  for (int fd : {console[0], console[1], wedge[0], wedge[1]}) ::close(fd);
}
