// drivers/tools/rapport_readers_main.cpp
//
// rapport-readers: for whoever installs a counter. `list` shows the USB devices attached and
// what Rapport makes of each; `watch` opens the readers as the terminal would and prints
// every read (a contactless tap as its UID and memory size) and every plug/unplug as it
// happens, so a reader can be checked before the terminal is started. `watch --beep` also
// sounds a contactless reader's "good read" signal after each tap.

#include <fmt/format.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include "drivers/reader_control.h"
#include "drivers/usb/reader_config.h"
#include "drivers/usb/usb_readers.h"
#include "shared/config/config_file.h"

namespace {

using namespace rapport;

drivers::CardReader* g_reader = nullptr;  // for the signal handler only

void on_stop_signal(int) {
  if (g_reader != nullptr) g_reader->request_stop();  // async-signal-safe
}

std::vector<drivers::ReaderModel> configured_models(const std::optional<std::string>& config) {
  if (!config) return {};
  return drivers::load_reader_config(config::ConfigFile::load(*config)).usb_models;
}

int list(const std::optional<std::string>& config) {
  auto devices = drivers::list_usb_devices(configured_models(config));
  if (!devices) {
    std::cerr << "rapport-readers: " << devices.error().message() << "\n";
    return EXIT_FAILURE;
  }
  if (devices->empty()) {
    std::cout << "No USB devices found. Plug a reader in, or check that /dev/bus/usb exists.\n";
    return EXIT_SUCCESS;
  }
  std::cout << fmt::format("{:<10} {:<10} {}\n", "PORT", "VID:PID", "CARD READER");
  int readers = 0;
  for (const auto& attached : *devices) {
    const auto& d = attached.device;
    std::string what = "- not a card reader Rapport knows";
    if (attached.reader) {
      ++readers;
      const auto& m = attached.reader->model;
      const auto& i = attached.reader->interface;
      if (m.driver == drivers::ReaderDriver::kCcid) {
        what =
            fmt::format("{} (driver ccid, interface {}, bulk-out 0x{:02x}, bulk-in 0x{:02x}, {})",
                        m.name, i.number, i.bulk_out_endpoint, i.bulk_in_endpoint,
                        i.in_endpoint != 0 ? fmt::format("interrupt-in 0x{:02x}", i.in_endpoint)
                                           : std::string("no notifications: polled"));
      } else {
        what = fmt::format("{} (driver {}, interface {}, endpoint 0x{:02x})", m.name,
                           drivers::to_string(m.driver), i.number, i.in_endpoint);
      }
    }
    std::cout << fmt::format("{:<10} {:04x}:{:04x}  {}\n", d.port_path, d.vendor_id, d.product_id,
                             what);
  }
  std::cout << readers << " card reader(s).";
  if (readers == 0)
    std::cout << " A reader missing here can be added in terminal.toml [[readers.models]].";
  std::cout << "\n";
  return EXIT_SUCCESS;
}

int watch(const std::optional<std::string>& config, double seconds, bool beep) {
  drivers::UsbReaderOptions options;
  if (config) {
    const auto reader_config = drivers::load_reader_config(config::ConfigFile::load(*config));
    options.models = reader_config.usb_models;
    options.quiet_gap = reader_config.quiet_gap;
  }
  options.on_notice = [](const drivers::ReaderNotice& notice) {
    switch (notice.kind) {
      case drivers::ReaderNotice::Kind::kAttached:
        std::cout << "+ attached " << notice.reader << std::endl;
        break;
      case drivers::ReaderNotice::Kind::kDetached:
        std::cout << "- detached " << notice.reader << std::endl;
        break;
      case drivers::ReaderNotice::Kind::kFailed:
        std::cout << "! " << notice.reader << ": " << notice.detail << std::endl;
        break;
    }
  };
  auto reader = drivers::open_usb_readers(std::move(options));
  if (!reader) {
    std::cerr << "rapport-readers: " << reader.error().message() << "\n";
    return EXIT_FAILURE;
  }
  g_reader = reader->get();
  ::signal(SIGINT, &on_stop_signal);
  ::signal(SIGTERM, &on_stop_signal);
  std::cout << "Watching USB card readers. Swipe, scan or tap; Ctrl-C to stop." << std::endl;
  std::optional<std::thread> timer;
  std::atomic<bool> done{false};
  if (seconds > 0) {
    timer.emplace([&] {
      const auto until = std::chrono::steady_clock::now() +
                         std::chrono::milliseconds(static_cast<long>(seconds * 1000));
      while (!done && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      (*reader)->request_stop();
    });
  }
  for (;;) {
    auto read = (*reader)->next_read();
    if (read && read->kind == drivers::CardKind::kContactless) {
      std::cout << "read " << read->reader << " contactless uid " << read->payload << " ("
                << read->card_memory.size() << " bytes of user memory)" << std::endl;
      if (beep) {
        if (auto sent =
                (*reader)->control()->signal(read->reader, drivers::ReaderSignal::kGoodRead);
            !done) {
          std::cout << "! cannot signal: " << sent.error().message() << std::endl;
        }
      }
      continue;
    }
    if (read) {
      std::cout << "read " << read->reader << " " << drivers::to_string(read->kind)
                << (read->symbology.empty() ? "" : " " + read->symbology) << " " << read->payload
                << std::endl;
      continue;
    }
    if (drivers::is_read_failure(read.error())) {
      std::cout << "bad read: " << read.error().message() << std::endl;
      continue;
    }
    break;
  }
  done = true;
  if (timer) timer->join();
  g_reader = nullptr;
  return EXIT_SUCCESS;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"rapport-readers: list the USB card readers attached and watch them read"};
  app.footer(
      "Examples:\n  rapport-readers list\n  rapport-readers watch --config terminal.toml\n\n"
      "Readers are recognised by vendor and product id (built-in table, plus [[readers.models]]\n"
      "in terminal.toml). Without permission on /dev/bus/usb, install\n"
      "config/99-rapport-readers.rules (docs/card-readers.md).");
  app.set_version_flag("--version", "rapport-readers 0.1.0");
  app.require_subcommand(1);
  std::optional<std::string> config;
  double seconds = 0;
  bool beep = false;
  auto* list_command =
      app.add_subcommand("list", "List attached USB devices and which are readers");
  list_command->add_option("-c,--config", config, "terminal.toml with extra [[readers.models]]");
  list_command->footer("Example:\n  rapport-readers list");
  auto* watch_command =
      app.add_subcommand("watch", "Open the readers and print every read until Ctrl-C");
  watch_command->add_option("-c,--config", config, "terminal.toml with extra [[readers.models]]");
  watch_command->add_option("--seconds", seconds, "stop after this long (default: until Ctrl-C)");
  watch_command->add_flag("--beep", beep,
                          "after each contactless tap, sound the reader's good-read signal");
  watch_command->footer(
      "Examples:\n  rapport-readers watch --seconds 30\n  rapport-readers watch --beep");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);
  try {
    if (list_command->parsed()) return list(config);
    return watch(config, seconds, beep);
  } catch (const config::ConfigError& e) {
    std::cerr << "rapport-readers: " << e.what() << "\n";
    return EXIT_FAILURE;
  }
}
