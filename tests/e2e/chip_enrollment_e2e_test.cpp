// tests/e2e/chip_enrollment_e2e_test.cpp
//
// Writing a member's card at the counter, end to end: a real rapport-server (started by
// rapportctl's data folder) signs the token, the terminal's own code (the counter prompt's
// write-card desk, its HTTPS client with the terminal's certificate, the counter) runs in
// this process, and the card is a blank NTAG213 on an emulated ACR122U (umockdev, real libusb
// underneath: tests/support/usb_testbed.h).

#include <signal.h>

#include <regex>
#include <thread>

#include "drivers/usb/usb_readers.h"
#include "server/storage/store.h"
#include "shared/card/card_key.h"
#include "shared/util/hex.h"
#include "terminal/chip_enrollment.h"
#include "terminal/counter.h"
#include "terminal/live_keyring.h"
#include "terminal/local_database.h"
#include "terminal/sync_worker.h"
#include "terminal/terminal_config.h"
#include "tests/support/catch_result.h"
#include "tests/support/ccid_responder.h"
#include "tests/support/process.h"
#include "tests/support/reader_waits.h"
#include "tests/support/temp_dir.h"
#include "tests/support/usb_testbed.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;
using rapport::testing::NtagCard;
using rapport::testing::read_text;
using rapport::testing::read_within;
using rapport::testing::wait_until;
using terminal::ScanOutcome;

namespace {

const std::string& kCtl = testing::kRapportctl;

// A data folder with store S1, Ada and her card, terminal T1's bundle, and the server running.
struct Chain {
  std::filesystem::path dir;
  std::filesystem::path data = dir / "data";
  unsigned short port = testing::free_port();
  std::string card;
  std::unique_ptr<ChildProcess> server;
  int starts = 0;

  explicit Chain(const std::filesystem::path& folder) : dir(folder) {
    std::string out;
    REQUIRE(testing::run({kCtl, "init", "--data", data.string(), "--store", "S1", "--listen",
                          "127.0.0.1:" + std::to_string(port)},
                         &out) == 0);
    REQUIRE(testing::run({kCtl, "member", "add", "--data", data.string(), "--name", "Ada Lovelace",
                          "--store", "S1"},
                         &out) == 0);
    std::smatch match;
    REQUIRE(std::regex_search(out, match, std::regex("card ([0-9 ]{19})")));
    card = match[1];
    REQUIRE(testing::run(
                {kCtl, "terminal", "issue", "--data", data.string(), "--id", "T1", "--store", "S1"},
                &out) == 0);
    start_server();
  }

  void start_server() {
    // A new log for each start: "listening" must come from this process.
    const auto log = dir / ("server" + std::to_string(++starts) + ".log");
    server = std::make_unique<ChildProcess>(
        std::vector<std::string>{testing::kRapportServer, "--config",
                                 (data / "server.toml").string()},
        log);
    REQUIRE(wait_until([&] { return read_text(log).find("listening") != std::string::npos; }, 10s));
  }
  void stop_server() {
    server->send_signal(SIGTERM);
    CHECK(server->wait(15s) == 0);
  }
  [[nodiscard]] terminal::TerminalConfig terminal_config() const {
    auto config = terminal::load_terminal_config(data / "terminals/T1/terminal.toml");
    config.request_timeout = 3s;
    return config;
  }
};

// Terminal T1's counter as rapport-terminal wires it, on an emulated ACR122U.
struct Counter {
  testing::UsbTestbed bed;
  std::shared_ptr<testing::CcidResponder> responder = std::make_shared<testing::CcidResponder>();
  testing::Notices notices;
  terminal::TerminalConfig config;
  storage::Database db;
  terminal::MemberCache cache{db};
  terminal::Outbox outbox{db};
  std::shared_ptr<terminal::LiveKeyring> keys;
  std::unique_ptr<terminal::CardLookup> lookup;
  std::unique_ptr<terminal::MemberTokenIssuer> issuer;
  std::unique_ptr<drivers::CardReader> reader;
  std::unique_ptr<terminal::ChipEnrollmentDesk> desk;
  std::unique_ptr<terminal::Counter> counter;

  explicit Counter(const Chain& chain)
      : config(chain.terminal_config()),
        db(terminal::open_local_database(config.database).value()),
        keys(std::make_shared<terminal::LiveKeyring>(
            terminal::load_keyring_if_present(
                terminal::keyring_file(config.token_keys, config.card_key))
                .value())),
        lookup(terminal::make_server_card_lookup(config)),
        issuer(terminal::make_server_token_issuer(config)) {
    auto& device = bed.plug(testing::acr122u_spec());
    device.answer_bulk_out([r = responder](const testing::Bytes& m) { return r->answer(m); });
    drivers::UsbReaderOptions options;
    options.on_notice = notices.callback();
    options.ccid_poll_interval = 30ms;
    auto opened = drivers::open_usb_readers(std::move(options));
    REQUIRE(opened);
    reader = std::move(*opened);
    REQUIRE(notices.wait_for(drivers::ReaderNotice::Kind::kAttached));
    REQUIRE(device.wait_until_reading(testing::kPatience));
    desk = std::make_unique<terminal::ChipEnrollmentDesk>(config.issuer_prefix, keys, *issuer,
                                                          reader->control(), 5s);
    counter = std::make_unique<terminal::Counter>(
        terminal::Counter::Identity{config.terminal_id, config.store_id, config.issuer_prefix},
        card::CardKey::load(config.card_key).value(), db, cache, outbox, keys, lookup.get());
  }

  // A card placed on the reader, read as a tap.
  drivers::CardRead tap(const NtagCard& card) {
    responder->place(card);
    auto read = read_within(*reader);
    REQUIRE(read);
    return std::move(*read);
  }
  // Takes the card away and lets the reader notice, so the next placement is a new tap.
  void take_away() {
    responder->remove();
    notice_absence();
  }
  // A few slot polls without a card in the field.
  void notice_absence() {
    const int polls = responder->slot_status_polls();
    REQUIRE(testing::eventually([&] { return responder->slot_status_polls() >= polls + 3; }));
  }
};

const testing::Bytes kUid = {0x04, 0x51, 0x62, 0x73, 0x84, 0x95, 0xA6};

}  // namespace

TEST_CASE("a blank card is signed by the server, written, read back, and greets its member",
          "[e2e][chip]") {
  testing::TempDir dir;
  Chain chain(dir.path());
  Counter c(chain);
  terminal::SyncWorker sync(c.config, c.keys);
  sync.start();  // the member cache and the token keys, as at start-up

  REQUIRE(c.desk->command("write-card " + chain.card).value().find("tap a blank card") !=
          std::string::npos);
  REQUIRE(c.desk->waiting());
  const auto blank = c.tap(NtagCard::blank(kUid));
  const auto written = c.desk->write(blank);
  INFO(written.message);
  CHECK(written.enrolled);
  CHECK_THAT(written.message, Catch::Contains("written and checked"));
  CHECK_FALSE(c.desk->waiting());
  const auto card = c.responder->card().value();
  CHECK(card.user_memory() != NtagCard::blank(kUid).user_memory());
  CHECK(testing::eventually([&] { return c.responder->signals().size() == 1; }));  // good beep
  CHECK(read_text(chain.dir / "server1.log").find("member token issued to terminal T1 (store S1)") !=
        std::string::npos);
  {
    const auto issues = server::open_sqlite_store(chain.data / "rapport.db")
                            .value()
                            ->list_member_token_issues(10)
                            .value();
    REQUIRE(issues.size() == 1);
    CHECK(issues[0].terminal_id == "T1");
    CHECK(issues[0].chip_uid == to_hex(kUid));
  }

  // The next tap of that card greets Ada, verified offline from the chip.
  c.take_away();
  const auto again = c.tap(card);
  const auto greeted = c.counter->scan_chip(again.payload, again.card_memory,
                                            std::chrono::system_clock::now());
  INFO(greeted.message);
  CHECK(greeted.outcome == ScanOutcome::kMember);
  CHECK_THAT(greeted.message, Catch::Contains("Ada Lovelace"));
  // The same bytes on another chip (a copy) are refused.
  auto copy = card;
  copy.uid[6] ^= 0x01;
  CHECK(c.counter->scan_chip(to_hex(copy.uid), again.card_memory, std::chrono::system_clock::now())
            .outcome == ScanOutcome::kRefusedToken);

  // A card already holding a member's token is not overwritten for another number.
  c.take_away();
  REQUIRE(c.desk->command("write-card 6275 9980 1973 9184"));
  const auto member_card = c.tap(card);
  const auto refused = c.desk->write(member_card);
  CHECK_FALSE(refused.enrolled);
  CHECK_THAT(refused.message, Catch::Contains("another card") && Catch::Contains("blank card"));
  CHECK(c.responder->card()->user_memory() == card.user_memory());
  sync.stop();
  chain.stop_server();
}

TEST_CASE("a card pulled away mid-write, an unknown card, or no server: the card is not enrolled",
          "[e2e][chip]") {
  testing::TempDir dir;
  Chain chain(dir.path());
  Counter c(chain);
  const auto now = std::chrono::system_clock::now;

  SECTION("pulled away mid-write") {
    REQUIRE(c.desk->command("write-card " + chain.card));
    const auto blank = c.tap(NtagCard::blank(kUid));
    c.responder->remove_after(5);  // after the UID check and a few pages
    const auto written = c.desk->write(blank);
    INFO(written.message);
    CHECK_FALSE(written.enrolled);
    CHECK_THAT(written.message, Catch::Contains("NOT") && Catch::Contains("write-card again"));
    // The half-written card proves nothing at the counter: refused, nothing recorded.
    const auto half = c.responder->removed_card().value();
    c.notice_absence();
    CHECK(half.user_memory() != NtagCard::blank(kUid).user_memory());
    const auto tapped = c.tap(half);
    const auto scanned = c.counter->scan_chip(tapped.payload, tapped.card_memory, now());
    CHECK(scanned.outcome == ScanOutcome::kRefusedToken);
    CHECK(c.outbox.size().value() == 0);
    // Writing it again works.
    REQUIRE(c.desk->command("write-card " + chain.card));
    CHECK(c.desk->write(tapped).enrolled);
  }
  SECTION("a card number no member holds") {
    REQUIRE(c.desk->command("write-card 6275 9980 1973 9184"));
    const auto written = c.desk->write(c.tap(NtagCard::blank(kUid)));
    CHECK_FALSE(written.enrolled);
    CHECK_THAT(written.message, Catch::Contains("no member holds") &&
                                    Catch::Contains("enroll the member first"));
    CHECK(c.responder->card()->user_memory() == NtagCard::blank(kUid).user_memory());
  }
  SECTION("offline") {
    chain.stop_server();
    REQUIRE(c.desk->command("write-card " + chain.card));
    const auto written = c.desk->write(c.tap(NtagCard::blank(kUid)));
    CHECK_FALSE(written.enrolled);
    CHECK_THAT(written.message,
               Catch::Contains("needs the server") && Catch::Contains("when the terminal is online"));
    CHECK(c.responder->card()->user_memory() == NtagCard::blank(kUid).user_memory());
    chain.start_server();
  }
  SECTION("commands the desk does not take") {
    CHECK_THAT(c.desk->command("write-card").value(), Catch::Contains("usage"));
    CHECK_THAT(c.desk->command("write-card 1234").value(), Catch::Contains("type the number again"));
    CHECK_FALSE(c.desk->waiting());
    CHECK_FALSE(c.desk->command(chain.card));  // a typed card number is the counter's
    REQUIRE(c.desk->command("write-card " + chain.card));
    CHECK(c.desk->command("cancel").value() == "card writing cancelled");
    CHECK_FALSE(c.desk->waiting());
  }
  chain.stop_server();
}
