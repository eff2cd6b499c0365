// tests/unit/drivers/keyboard_decoder_test.cpp
//
// Boot-keyboard reports of keyboard-mode readers, as the USB layer hands them over, turned
// into reads: shift, layouts, held keys, roll-over, garbage and the three terminators.

#include "drivers/hid/keyboard_decoder.h"

#include <string>
#include <vector>

#include "drivers/hid/hid_errc.h"
#include "drivers/hid/keyboard_layout.h"
#include "tests/support/catch_result.h"
#include "tests/support/hid_reports.h"

using rapport::ErrorCode;
using rapport::drivers::HidErrc;
using rapport::drivers::key_to_char;
using rapport::drivers::KeyboardDecoder;
using rapport::drivers::KeyboardLayout;
using rapport::drivers::Terminator;
using rapport::testing::key_report;
using rapport::testing::type_text;

namespace {

using Reports = std::vector<std::vector<std::uint8_t>>;

struct Outcome {
  std::vector<std::string> reads;
  std::vector<ErrorCode> errors;
};

Outcome feed_all(KeyboardDecoder& decoder, const Reports& reports) {
  Outcome outcome;
  for (const auto& report : reports) {
    auto step = decoder.feed(report);
    if (step.completed) outcome.reads.push_back(*step.completed);
    if (step.error) outcome.errors.push_back(step.error);
  }
  return outcome;
}

Reports concat(Reports a, const Reports& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

constexpr std::uint8_t kUsage1 = 0x1E;
constexpr std::uint8_t kUsage2 = 0x1F;
constexpr std::uint8_t kUsageA = 0x04;

}  // namespace

TEST_CASE("a scan typed on a US layout is one read, completed by Enter", "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kUs);
  const auto outcome = feed_all(decoder, type_text("6275991234567894", KeyboardLayout::kUs));
  REQUIRE(outcome.errors.empty());
  REQUIRE(outcome.reads == std::vector<std::string>{"6275991234567894"});
  CHECK_FALSE(decoder.pending());
}

TEST_CASE("stripe text with sentinels and separators survives the keyboard",
          "[drivers][keyboard]") {
  const std::string swipe = "%B6275991234567894^LOVELACE/ADA^2912101?;6275991234567894=2912101?";
  KeyboardDecoder decoder(KeyboardLayout::kUs);
  CHECK(feed_all(decoder, type_text(swipe, KeyboardLayout::kUs)).reads ==
        std::vector<std::string>{swipe});
}

TEST_CASE("either shift key shifts, shift is the modifier byte", "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kUs);
  const Reports reports{key_report(0x02, {kUsageA}),
                        key_report(0),
                        key_report(0x20, {kUsageA}),
                        key_report(0),
                        key_report(0x00, {kUsageA}),
                        key_report(0),
                        key_report(0x02, {kUsage1}),
                        key_report(0),
                        key_report(0x20, {kUsage2}),
                        key_report(0),
                        key_report(0, {rapport::drivers::kUsageEnter})};
  CHECK(feed_all(decoder, reports).reads == std::vector<std::string>{"AAa!@"});
}

TEST_CASE("only newly pressed keys type: held keys never repeat", "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kUs);
  const std::vector<std::uint8_t> enter = key_report(0, {rapport::drivers::kUsageEnter});

  SECTION("a key held over several reports types once") {
    const Reports reports{key_report(0, {kUsage1}), key_report(0, {kUsage1}),
                          key_report(0, {kUsage1}), key_report(0), enter};
    CHECK(feed_all(decoder, reports).reads == std::vector<std::string>{"1"});
  }
  SECTION("the same character twice arrives as press, release, press") {
    const Reports reports{key_report(0, {kUsage1}), key_report(0), key_report(0, {kUsage1}),
                          key_report(0), enter};
    CHECK(feed_all(decoder, reports).reads == std::vector<std::string>{"11"});
    CHECK(feed_all(decoder, type_text("11223344", KeyboardLayout::kUs)).reads ==
          std::vector<std::string>{"11223344"});
  }
  SECTION("overlapping presses (rollover) type each key once, in slot order") {
    const Reports reports{key_report(0, {kUsage1}), key_report(0, {kUsage1, kUsage2}),
                          key_report(0, {kUsage2}), key_report(0), enter};
    CHECK(feed_all(decoder, reports).reads == std::vector<std::string>{"12"});
  }
  SECTION("a usage listed twice in one report is one key") {
    const Reports reports{key_report(0, {kUsage1, kUsage1}), key_report(0), enter};
    CHECK(feed_all(decoder, reports).reads == std::vector<std::string>{"1"});
  }
}

TEST_CASE("error roll-over discards the read in progress, up to its terminator",
          "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kUs);
  Reports first = type_text("627599", KeyboardLayout::kUs);
  first.resize(first.size() - 2);  // no Enter yet
  const Reports rollover{{0, 0, 1, 1, 1, 1, 1, 1}};
  const Reports tail = type_text("1234567894", KeyboardLayout::kUs);

  const auto outcome = feed_all(decoder, concat(concat(first, rollover), tail));
  CHECK(outcome.reads.empty());  // neither the head nor the tail is a read
  REQUIRE(outcome.errors.size() == 1);
  CHECK(outcome.errors[0] == HidErrc::kErrorRollOver);

  SECTION("the next scan reads normally") {
    CHECK(feed_all(decoder, type_text("6275991234567894", KeyboardLayout::kUs)).reads ==
          std::vector<std::string>{"6275991234567894"});
  }
  SECTION("POSTFail and ErrorUndefined in a key slot are lost keys too") {
    CHECK(decoder.feed(key_report(0, {0x02})).error == HidErrc::kErrorRollOver);
    CHECK(decoder.feed(key_report(0, {kUsage1, 0x03})).error == HidErrc::kErrorRollOver);
  }
}

TEST_CASE("a report shorter than 8 bytes is an error, the read in progress is kept",
          "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kUs);
  auto reports = type_text("1234", KeyboardLayout::kUs);
  const std::vector<std::uint8_t> garbage{0x12, 0x34, 0x56};
  reports.insert(reports.begin() + 4, garbage);
  reports.insert(reports.begin() + 2, std::vector<std::uint8_t>{});
  const auto outcome = feed_all(decoder, reports);
  CHECK(outcome.reads == std::vector<std::string>{"1234"});
  REQUIRE(outcome.errors.size() == 2);
  CHECK(outcome.errors[0] == HidErrc::kReportTooShort);
  CHECK(outcome.errors[1] == HidErrc::kReportTooShort);
}

TEST_CASE("chords with Ctrl, left Alt or GUI and unknown usages type nothing",
          "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kUs);
  const Reports reports{
      key_report(0x01, {kUsageA}), key_report(0),  // LCtrl
      key_report(0x10, {kUsageA}), key_report(0),  // RCtrl
      key_report(0x04, {kUsageA}), key_report(0),  // LAlt
      key_report(0x08, {kUsageA}), key_report(0),  // LGUI
      key_report(0x40, {kUsageA}), key_report(0),  // AltGr+a: nothing on US
      key_report(0, {0x3A}),       key_report(0),  // F1
      key_report(0, {0xE1}),       key_report(0),  // a modifier in a slot
      key_report(0, {0x29, 0x2A}), key_report(0),  // Esc, Backspace
      key_report(0, {kUsage1}),    key_report(0), key_report(0, {rapport::drivers::kUsageEnter})};
  const auto outcome = feed_all(decoder, reports);
  CHECK(outcome.errors.empty());
  CHECK(outcome.reads == std::vector<std::string>{"1"});
}

TEST_CASE("a read longer than max_chars is an error and is discarded to its end",
          "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kUs, Terminator::kEnter, 8);
  auto outcome = feed_all(decoder, type_text("123456789012", KeyboardLayout::kUs));
  CHECK(outcome.reads.empty());
  REQUIRE(outcome.errors.size() == 1);
  CHECK(outcome.errors[0] == HidErrc::kReadTooLong);

  outcome = feed_all(decoder, type_text("12345678", KeyboardLayout::kUs));
  CHECK(outcome.errors.empty());
  CHECK(outcome.reads == std::vector<std::string>{"12345678"});
}

TEST_CASE("the terminator is configurable: Enter, Tab or only a quiet gap", "[drivers][keyboard]") {
  auto without_enter = type_text("42", KeyboardLayout::kUs);
  without_enter.resize(without_enter.size() - 2);
  const std::vector<std::uint8_t> tab = key_report(0, {rapport::drivers::kUsageTab});
  const std::vector<std::uint8_t> enter = key_report(0, {rapport::drivers::kUsageEnter});
  const std::vector<std::uint8_t> keypad_enter =
      key_report(0, {rapport::drivers::kUsageKeypadEnter});

  SECTION("Enter and Keypad Enter end the read; Tab types nothing") {
    KeyboardDecoder decoder(KeyboardLayout::kUs, Terminator::kEnter);
    CHECK(feed_all(decoder, concat(without_enter, {tab, key_report(0), enter})).reads ==
          std::vector<std::string>{"42"});
    CHECK(feed_all(decoder, concat(without_enter, {keypad_enter})).reads ==
          std::vector<std::string>{"42"});
  }
  SECTION("Tab ends the read; Enter types nothing") {
    KeyboardDecoder decoder(KeyboardLayout::kUs, Terminator::kTab);
    CHECK(feed_all(decoder, concat(without_enter, {enter, key_report(0), tab})).reads ==
          std::vector<std::string>{"42"});
  }
  SECTION("a quiet-gap reader's read ends only at the gap") {
    KeyboardDecoder decoder(KeyboardLayout::kUs, Terminator::kQuietGapOnly);
    CHECK(feed_all(decoder, concat(without_enter, {enter, key_report(0)})).reads.empty());
    CHECK(decoder.pending());
    CHECK(decoder.on_quiet_gap() == std::optional<std::string>("42"));
    CHECK_FALSE(decoder.pending());
    CHECK(decoder.on_quiet_gap() == std::nullopt);
  }
  SECTION("a quiet gap finishes a read whose Enter got lost; a lone Enter is no read") {
    KeyboardDecoder decoder(KeyboardLayout::kUs, Terminator::kEnter);
    feed_all(decoder, without_enter);
    CHECK(decoder.on_quiet_gap() == std::optional<std::string>("42"));
    CHECK(feed_all(decoder, {enter, key_report(0)}).reads.empty());
  }
}

TEST_CASE("keypad digits type on every layout", "[drivers][keyboard]") {
  KeyboardDecoder decoder(KeyboardLayout::kFrench);
  const Reports reports{key_report(0, {0x59}),
                        key_report(0),
                        key_report(0, {0x62}),
                        key_report(0),
                        key_report(0, {0x61}),
                        key_report(0),
                        key_report(0, {rapport::drivers::kUsageKeypadEnter})};
  CHECK(feed_all(decoder, reports).reads == std::vector<std::string>{"109"});
}

TEST_CASE("layout names parse, others are a configuration error", "[drivers][keyboard]") {
  CHECK(rapport::drivers::parse_keyboard_layout("us").value() == KeyboardLayout::kUs);
  CHECK(rapport::drivers::parse_keyboard_layout("fr").value() == KeyboardLayout::kFrench);
  CHECK(rapport::drivers::parse_keyboard_layout("de").value() == KeyboardLayout::kGerman);
  CHECK(rapport::drivers::parse_keyboard_layout("uk").error() == HidErrc::kUnknownLayout);
  CHECK(rapport::drivers::parse_keyboard_layout("").error() == HidErrc::kUnknownLayout);
}

TEST_CASE("the US table follows card-readers.md", "[drivers][keyboard]") {
  const auto us = [](std::uint8_t usage, bool shift) {
    return key_to_char(KeyboardLayout::kUs, usage, shift);
  };
  CHECK(us(0x04, false) == 'a');
  CHECK(us(0x1D, true) == 'Z');
  CHECK(us(0x27, false) == '0');
  CHECK(us(0x27, true) == ')');
  CHECK(us(0x23, true) == '^');
  CHECK(us(0x2D, true) == '_');
  CHECK(us(0x33, false) == ';');
  CHECK(us(0x34, true) == '"');
  CHECK(us(0x35, true) == '~');
  CHECK(us(0x38, true) == '?');
  CHECK(us(0x2C, false) == ' ');
  CHECK(us(0x28, false) == std::nullopt);  // Enter
  CHECK(us(0x2B, false) == std::nullopt);  // Tab
  CHECK(us(0x00, false) == std::nullopt);
  CHECK(us(0xE1, false) == std::nullopt);
}

TEST_CASE("French AZERTY: digits need shift, letters and punctuation move", "[drivers][keyboard]") {
  const auto fr = [](std::uint8_t usage, bool shift, bool altgr = false) {
    return key_to_char(KeyboardLayout::kFrench, usage, shift, altgr);
  };
  CHECK(fr(0x1E, false) == '&');
  CHECK(fr(0x1E, true) == '1');
  CHECK(fr(0x27, true) == '0');
  CHECK(fr(0x1F, false) == std::nullopt);  // é is not ASCII
  CHECK(fr(0x20, false) == '"');
  CHECK(fr(0x14, false) == 'a');
  CHECK(fr(0x04, false) == 'q');
  CHECK(fr(0x1A, true) == 'Z');
  CHECK(fr(0x1D, false) == 'w');
  CHECK(fr(0x33, false) == 'm');
  CHECK(fr(0x10, false) == ',');
  CHECK(fr(0x10, true) == '?');
  CHECK(fr(0x36, false) == ';');
  CHECK(fr(0x2E, false) == '=');
  CHECK(fr(0x34, true) == '%');
  CHECK(fr(0x2F, false) == std::nullopt);  // dead circumflex
  CHECK(fr(0x27, false, true) == '@');
  CHECK(fr(0x26, false, true) == '^');

  // A French-configured scanner's track 2 reads back as typed.
  KeyboardDecoder decoder(KeyboardLayout::kFrench);
  const std::string track2 = ";6275991234567894=2912101?";
  const auto reports = type_text(track2, KeyboardLayout::kFrench);
  CHECK(reports.front()[0] == 0x00);  // ';' is unshifted on AZERTY
  CHECK(reports[2][0] == 0x02);       // '6' needs shift
  CHECK(feed_all(decoder, reports).reads == std::vector<std::string>{track2});

  // The same reports read with the wrong layout are not the number: the layout matters.
  KeyboardDecoder us_decoder(KeyboardLayout::kUs);
  CHECK(feed_all(us_decoder, reports).reads != std::vector<std::string>{track2});
}

TEST_CASE("German QWERTZ: Y and Z swap, punctuation moves", "[drivers][keyboard]") {
  const auto de = [](std::uint8_t usage, bool shift, bool altgr = false) {
    return key_to_char(KeyboardLayout::kGerman, usage, shift, altgr);
  };
  CHECK(de(0x1C, false) == 'z');
  CHECK(de(0x1D, true) == 'Y');
  CHECK(de(0x1E, false) == '1');
  CHECK(de(0x1F, true) == '"');
  CHECK(de(0x20, true) == std::nullopt);  // §
  CHECK(de(0x27, true) == '=');
  CHECK(de(0x2D, true) == '?');
  CHECK(de(0x2D, false) == std::nullopt);  // ß
  CHECK(de(0x36, true) == ';');
  CHECK(de(0x38, false) == '-');
  CHECK(de(0x30, false) == '+');
  CHECK(de(0x14, false, true) == '@');
  CHECK(de(0x63, false) == ',');  // the keypad's decimal key

  KeyboardDecoder decoder(KeyboardLayout::kGerman);
  const std::string swipe = ";6275991234567894=2912101?";
  CHECK(feed_all(decoder, type_text(swipe, KeyboardLayout::kGerman)).reads ==
        std::vector<std::string>{swipe});
  CHECK(feed_all(decoder, type_text("yz-YZ_", KeyboardLayout::kGerman)).reads ==
        std::vector<std::string>{"yz-YZ_"});
}

TEST_CASE("HID errors speak to the cashier and installer", "[drivers][keyboard]") {
  const ErrorCode rollover = HidErrc::kErrorRollOver;
  CHECK(std::string(rollover.category().name()) == "rapport.hid");
  CHECK(rollover.message().find("again") != std::string::npos);
  CHECK(ErrorCode(HidErrc::kNotABarcodeScanner).message().find("barcode") != std::string::npos);
}
