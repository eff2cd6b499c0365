// bench/reader_bench.cpp
//
// From a USB report to the card read in the terminal's hands. Two figures:
//   1. our code alone: decoding a whole keyboard-mode scan (34 reports) and handing the read
//      over, no USB involved;
//   2. end to end on an emulated reader (umockdev + real libusb): from the moment the last
//      report (Enter) is queued on the device to next_read() returning. This includes
//      umockdev's socket round trips and libusb, so it bounds our share from above.
// and, inside 2, the part that is ours after decoding: from the transfer callback to
// next_read() returning (queue + eventfd wake-up).
// Contactless taps (an emulated ACR122U with an NTAG213, tests/support/ccid_responder.h):
//   3. the card session alone (power on, UID, 9 reads of 16 bytes) over an in-memory
//      transport: our CCID code, no USB;
//   4. from the card entering the field (with the reader's slot-change notification) to the
//      kContactless CardRead returned by next_read(): 11 bulk round trips through libusb and
//      umockdev;
//   5. the same with notifications ignored, found by GetSlotStatus polling every 200 ms (the
//      ACR122U case): adds half the poll interval on average.
// Prints median and p99; asserts nothing about speed (docs/performance.md).
//
//   bench_readers [--scans N] [--taps N]

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "drivers/report_decoder.h"
#include "drivers/usb/usb_readers.h"
#include "tests/support/ccid_responder.h"
#include "tests/support/hid_reports.h"
#include "tests/support/usb_testbed.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

void report(const char* what, std::vector<double> samples_us) {
  std::sort(samples_us.begin(), samples_us.end());
  const auto at = [&](double q) {
    return samples_us[std::min(
        samples_us.size() - 1,
        static_cast<std::size_t>(q * static_cast<double>(samples_us.size())))];
  };
  std::printf("%-52s %6zu reads  p50 %8.1f us  p99 %8.1f us  max %8.1f us\n", what,
              samples_us.size(), at(0.5), at(0.99), samples_us.back());
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "bench_readers: %s\n", what.c_str());
  std::exit(1);
}

std::string card_number(std::size_t i) {
  std::string digits = std::to_string(6275990000000000ULL + i);
  return digits;
}

void bench_decoding(std::size_t scans) {
  auto decoder = drivers::make_keyboard_report_decoder(drivers::KeyboardLayout::kUs,
                                                       drivers::Terminator::kEnter);
  std::vector<double> samples;
  for (std::size_t i = 0; i < scans; ++i) {
    const auto reports = testing::type_text(card_number(i), drivers::KeyboardLayout::kUs);
    const auto start = Clock::now();
    std::optional<drivers::ReadContent> read;
    for (const auto& r : reports) {
      auto step = decoder->feed(r);
      if (step.read) read = std::move(step.read);
    }
    samples.push_back(micros(Clock::now() - start));
    if (!read || read->payload != card_number(i)) die("decoder lost a scan");
  }
  report("decode one keyboard scan (34 reports), no USB", samples);
}

void bench_emulated(std::size_t scans) {
  testing::UsbTestbed bed;
  testing::EmulatedReader& device = bed.plug(testing::EmulatedReaderSpec{});
  drivers::UsbReaderOptions options;
  auto reader = drivers::open_usb_readers(std::move(options));
  if (!reader) die("cannot open USB readers: " + reader.error().message());
  if (!device.wait_until_reading(std::chrono::seconds(5))) die("the reader was not opened");
  std::vector<double> samples;
  std::vector<double> handoff;
  for (std::size_t i = 0; i < scans; ++i) {
    auto reports = testing::type_text(card_number(i), drivers::KeyboardLayout::kUs);
    // Everything but Enter's press and release goes first; the clock starts at Enter.
    std::vector<testing::Bytes> enter(reports.end() - 2, reports.end());
    reports.resize(reports.size() - 2);
    device.send_reports(reports);
    if (!device.wait_until_delivered(std::chrono::seconds(5))) die("reports not delivered");
    const auto start = Clock::now();
    device.send_reports(enter);
    auto read = (*reader)->next_read();
    samples.push_back(micros(Clock::now() - start));
    if (!read || read->payload != card_number(i)) die("a scan was lost or changed");
    // read_at is stamped in the transfer callback right after decoding: from there to here
    // is the queue and the wake-up of the counter's thread.
    handoff.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::system_clock::now() - read->read_at)
            .count());
  }
  report("transfer callback -> next_read() (queue + wake-up)", handoff);
  report("last report queued -> next_read(), emulated + libusb", samples);
}

testing::NtagCard tap_card(std::size_t i) {
  testing::NtagCard card = testing::NtagCard::blank(
      {0x04, 0x10, 0x20, 0x30, 0x40, 0x50, static_cast<std::uint8_t>(i & 0xFF)});
  for (std::size_t b = 0; b < 144; ++b) card.pages[16 + b] = static_cast<std::uint8_t>(b ^ i);
  return card;
}

void bench_card_session(std::size_t taps) {
  testing::CcidResponder reader;
  testing::MemoryCcidTransport transport(reader);
  drivers::ccid::CcidLink link;
  std::vector<double> samples;
  for (std::size_t i = 0; i < taps; ++i) {
    reader.place(tap_card(i));
    const auto start = Clock::now();
    auto session = drivers::ccid::CardSession::read();
    const auto card = drivers::ccid::run_session(session, link, transport);
    samples.push_back(micros(Clock::now() - start));
    if (!card || card->user_memory != tap_card(i).user_memory()) die("the session lost a card");
  }
  report("card session (UID + 144 bytes), in memory, no USB", samples);
}

void bench_taps(std::size_t taps, bool notifications) {
  testing::UsbTestbed bed;
  testing::EmulatedReader& device = bed.plug(testing::acr122u_spec());
  auto responder = std::make_shared<testing::CcidResponder>();
  device.answer_bulk_out(
      [responder](const testing::Bytes& message) { return responder->answer(message); });
  drivers::UsbReaderOptions options;
  // With notifications the poll is pushed out of the way, so only they find the card.
  options.ccid_poll_interval =
      notifications ? std::chrono::milliseconds(60'000) : std::chrono::milliseconds(200);
  auto reader = drivers::open_usb_readers(std::move(options));
  if (!reader) die("cannot open USB readers: " + reader.error().message());
  if (!device.wait_until_reading(std::chrono::seconds(5))) die("the reader was not opened");
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the first poll at open
  std::vector<double> samples;
  for (std::size_t i = 0; i < taps; ++i) {
    const auto start = Clock::now();
    responder->place(tap_card(i));
    if (notifications) device.send_reports({{0x50, 0x03}});
    auto read = (*reader)->next_read();
    samples.push_back(micros(Clock::now() - start));
    if (!read || read->card_memory != tap_card(i).user_memory()) die("a tap was lost or changed");
    responder->remove();
    if (notifications) {
      device.send_reports({{0x50, 0x02}});
      if (!device.wait_until_delivered(std::chrono::seconds(5))) die("notification not taken");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(450));  // two polls see it gone
    }
  }
  report(notifications ? "tap -> next_read(), notification, emulated"
                       : "tap -> next_read(), polled every 200 ms, emulated",
         samples);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_readers: from a USB report to the card read delivered to the terminal"};
  app.footer("Example: bench_readers --scans 500 --taps 300");
  std::size_t scans = 300;
  std::size_t taps = 200;
  app.add_option("--scans", scans, "scans to time")->check(CLI::PositiveNumber);
  app.add_option("--taps", taps, "contactless taps to time (a tenth of them polled: 0.5 s each)")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  bench_decoding(scans * 10);
  bench_emulated(scans);
  bench_card_session(taps * 10);
  bench_taps(taps, true);
  bench_taps(std::max<std::size_t>(3, taps / 10), false);
  return 0;
}
