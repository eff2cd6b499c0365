// terminal/main.cpp
//
// rapport-terminal: the in-store terminal. Reads cards (standard input until the USB
// drivers land), recognises members from its local store, records each visit durably and
// syncs with the server in the background. Ctrl-C, SIGTERM or the end of input stop it.

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "drivers/reader_control.h"
#include "shared/config/config_file.h"
#include "shared/util/logging.h"
#include "terminal/card_read_handler.h"
#include "terminal/card_sources.h"
#include "terminal/chip_enrollment.h"
#include "terminal/counter.h"
#include "terminal/enroll_command.h"
#include "terminal/live_keyring.h"
#include "terminal/local_database.h"
#include "terminal/pos_api/pos_api.h"
#include "terminal/redemption.h"
#include "terminal/rewards_prompt.h"
#include "terminal/screen/cashier_screen.h"
#include "terminal/screen/staff_command.h"
#include "terminal/sync_worker.h"
#include "terminal/terminal_config.h"

namespace {

rapport::drivers::CardReader* g_reader = nullptr;  // for the signal handler only

extern "C" void on_stop_signal(int) {
  if (g_reader != nullptr) g_reader->request_stop();  // async-signal-safe: one write()
}

void install_stop_handlers() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked poll() returns and sees the stop
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

const char* outcome_mark(rapport::terminal::ScanOutcome outcome) {
  using rapport::terminal::ScanOutcome;
  switch (outcome) {
    case ScanOutcome::kMember:
      return "OK ";
    case ScanOutcome::kUnknownCard:
      return "NEW";
    case ScanOutcome::kBlockedCard:
    case ScanOutcome::kBadRead:
    case ScanOutcome::kNotRecorded:
    case ScanOutcome::kRefusedToken:
      return "!! ";
  }
  return "?? ";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rapport-terminal: the in-store Rapport terminal (reads cards, greets members)"};
  app.footer(
      "Example:\n  rapport-terminal --config rapport-data/terminals/T1/terminal.toml\n\n"
      "Then scan a card, or type its 16-digit number and press Enter.\n"
      "Write a member's card to a blank contactless card: type\n"
      "  write-card 6275 9912 3456 7894\n"
      "then tap the card on the reader (cancel stops waiting; docs/cards.md).\n"
      "After a member's card: offers, redeem OFFER_ID, redeem-points N, decline OFFER_ID,\n"
      "  gesture N CASHIER REASON (docs/offers.md).\n"
      "Set up a new terminal with an enrollment code (from rapportctl terminal add):\n"
      "  rapport-terminal enroll --server 192.0.2.10:8444 --code RAP1-... --out /etc/rapport\n"
      "or issue its folder on the server: rapportctl terminal issue --data DIR --id T1 --store S1");
  std::string config_path;
  std::string log_level = "info";
  app.add_option("-c,--config", config_path, "terminal.toml (required to run the terminal)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str();
  bool machine_output = false;
  app.add_flag("--machine-output", machine_output,
               "also print 'EVENT <id>' once a scan's event is durably recorded (for test drivers)");
  app.set_version_flag("--version", "rapport-terminal 0.1.0");

  rapport::terminal::EnrollOptions enroll;
  auto* enroll_cmd = app.add_subcommand(
      "enroll", "Enroll this terminal with a one-time code: make its key, get its certificate");
  enroll_cmd->add_option("--server", enroll.server, "host:port of the server's enrollment listener")
      ->required();
  enroll_cmd->add_option("--code", enroll.code, "The code rapportctl terminal add printed")
      ->required();
  enroll_cmd->add_option("--out", enroll.out, "Folder for the terminal's files")->required();
  enroll_cmd->add_option("--name", enroll.server_name, "Name the server's certificate carries")
      ->capture_default_str();
  enroll_cmd->add_option("--sync-server", enroll.sync_address,
                         "host:port the terminal syncs with (default: --server's host and the "
                         "sync port the server names)");
  enroll_cmd->footer(
      "Example: rapport-terminal enroll --server 192.0.2.10:8444 --code RAP1-... --out "
      "/etc/rapport\nThen: rapport-terminal --config /etc/rapport/terminal.toml");
  std::string staff_name;
  auto* staff_cmd = app.add_subcommand("staff", "Cashiers who sign in to the cashier screen");
  staff_cmd->require_subcommand(1);
  auto* staff_add_cmd = staff_cmd->add_subcommand(
      "add", "Add a cashier (or set a new PIN): the PIN is read from standard input");
  staff_add_cmd->add_option("-c,--config", config_path, "terminal.toml")->required();
  staff_add_cmd->add_option("--name", staff_name, "The name the cashier signs in with")
      ->required();
  staff_add_cmd->footer(
      "Example: echo 4821 | rapport-terminal staff add --config /etc/rapport/terminal.toml "
      "--name ana\n(docs/cashier-screen.md)");
  CLI11_PARSE(app, argc, argv);
  // Keys, member data and the databases Rapport writes are for its own user only.
  ::umask(077);
  rapport::init_logging("terminal", log_level);
  if (*enroll_cmd) return rapport::terminal::run_enroll(enroll);
  if (*staff_add_cmd) return rapport::terminal::run_staff_add(config_path, staff_name, std::cin);
  if (config_path.empty()) {
    std::cerr << "error: --config is required (or use: rapport-terminal enroll --help)\n";
    return 2;
  }

  using namespace rapport;
  try {
    const auto config = terminal::load_terminal_config(config_path);
    auto key = card::CardKey::load(config.card_key);
    if (!key) {
      spdlog::critical("cannot use the card key {}: {}", config.card_key.string(),
                       key.error().message());
      return EXIT_FAILURE;
    }
    // Without keys every signed card is refused; the SyncWorker keeps them current.
    const auto keyring_path = terminal::keyring_file(config.token_keys, config.card_key);
    auto loaded_keys = terminal::load_keyring_if_present(keyring_path);
    if (!loaded_keys) {
      spdlog::critical("cannot use the token keys {}: {}", keyring_path.string(),
                       loaded_keys.error().message());
      return EXIT_FAILURE;
    }
    const auto token_keys = std::make_shared<terminal::LiveKeyring>(std::move(*loaded_keys));
    auto db = terminal::open_local_database(config.database);
    if (!db) {
      spdlog::critical("cannot open {}: {}", config.database.string(), db.error().message());
      return EXIT_FAILURE;
    }
    terminal::MemberCache cache(*db);
    terminal::Outbox outbox(*db);
    if (const auto refused = outbox.rejected_count(); refused && *refused > 0) {
      spdlog::warn(
          "{} events were refused by the server and kept in rejected_events; "
          "see docs/protocol.md",
          *refused);
    }
    const auto lookup = terminal::make_server_card_lookup(config);
    terminal::Counter counter({config.terminal_id, config.store_id, config.issuer_prefix}, *key,
                              *db, cache, outbox, token_keys, lookup.get());
    auto reader = terminal::open_card_readers(config.readers, STDIN_FILENO);
    if (!reader) return EXIT_FAILURE;
    g_reader = reader.get();
    // However this scope ends, the signal handler stops pointing at the reader first.
    const std::unique_ptr<void, void (*)(void*)> forget_reader(reader.get(),
                                                               [](void*) { g_reader = nullptr; });
    install_stop_handlers();

    // write-card at the prompt: a member's token onto a blank contactless card (docs/cards.md).
    const auto token_issuer = terminal::make_server_token_issuer(config);
    terminal::ChipEnrollmentDesk desk(config.issuer_prefix, token_keys, *token_issuer,
                                      reader->control());
    // Offers, redemptions and goodwill points typed at the prompt (docs/offers.md).
    const auto balance_source = terminal::make_server_balance_source(config);
    terminal::RewardsDesk rewards_desk({config.terminal_id, config.store_id}, *db, cache, outbox,
                                       balance_source.get());
    terminal::RewardsPrompt rewards_prompt(rewards_desk);
    terminal::SyncWorker sync(config, token_keys);
    sync.start();
    // [screen] listen: the cashier's screen in a browser (docs/cashier-screen.md).
    std::unique_ptr<terminal::CashierScreen> screen;
    if (config.screen_host) {
      screen = std::make_unique<terminal::CashierScreen>(
          config, *db, [&sync] { return sync.online(); }, [&sync] { sync.wake(); });
    }
    // [pos_api] listen: the POS integration API (docs/pos-api.md).
    std::unique_ptr<terminal::PosApi> pos_api;
    if (config.pos_api_host) {
      pos_api = std::make_unique<terminal::PosApi>(config, *key, token_keys,
                                                   [&sync] { sync.wake(); });
    }
    std::cout << "rapport-terminal " << config.terminal_id << " (store " << config.store_id
              << ") ready: scan a card, or type its number and press Enter. "
              << "Ctrl-D or Ctrl-C to stop." << std::endl;

    // The screen's audit line is written in the visit's transaction (one fsync per scan).
    terminal::CardReadHandler reads(
        counter, reader->control(),
        [&screen](const terminal::ScanResult& r, std::chrono::system_clock::time_point at) {
          if (screen) screen->show(r, at, /*audited=*/true);
        },
        screen ? screen->audit_in_scan() : terminal::AlsoInTransaction{});
    for (;;) {
      auto read = reader->next_read();
      if (!read) {
        if (drivers::is_read_failure(read.error())) {
          std::cout << "[" << config.terminal_id << "] !!  " << read.error().message() << std::endl;
          continue;
        }
        if (read.error() != drivers::ReaderErrc::kEndOfInput &&
            read.error() != drivers::ReaderErrc::kStopped) {
          spdlog::error("card reader failed: {}", read.error().message());
        }
        break;
      }
      const bool tapped = read->kind == drivers::CardKind::kContactless;
      if (read->kind == drivers::CardKind::kTyped) {
        if (const auto answer = desk.command(read->payload)) {
          std::cout << "[" << config.terminal_id << "] " << *answer << std::endl;
          continue;
        }
        if (const auto answer =
                rewards_prompt.command(read->payload, std::chrono::system_clock::now())) {
          std::cout << "[" << config.terminal_id << "] " << *answer << std::endl;
          sync.wake();
          continue;
        }
      }
      if (tapped && desk.waiting()) {
        const auto written = desk.write(*read);
        std::cout << "[" << config.terminal_id << "] " << (written.enrolled ? "OK " : "!! ")
                  << " " << written.message << std::endl;
        continue;
      }
      // Scanned (a tapped card by its signed token), the reader signalled, the screen shown.
      const auto now = std::chrono::system_clock::now();
      const auto result = reads.handle(*read, now);
      std::cout << "[" << config.terminal_id << "] " << outcome_mark(result.outcome) << " "
                << result.message << std::endl;
      // Printed only after the outbox transaction committed: a driver may count it as accepted.
      if (machine_output && result.event_id) std::cout << "EVENT " << *result.event_id << std::endl;
      if (result.outcome == terminal::ScanOutcome::kMember && result.holder) {
        if (const auto offers = rewards_prompt.scanned(result.holder->card.token, now)) {
          std::cout << "[" << config.terminal_id << "] " << *offers << std::endl;
        }
      } else {
        rewards_prompt.forget();
      }
      if (result.event_id) sync.wake();
    }
    spdlog::info("stopping");
    pos_api.reset();
    screen.reset();
    sync.stop();
    return EXIT_SUCCESS;
  } catch (const config::ConfigError& e) {
    spdlog::critical("{}", e.what());
  } catch (const std::exception& e) {
    spdlog::critical("cannot start: {}", e.what());
  }
  return EXIT_FAILURE;
}
