// tests/e2e/enrollment_e2e_test.cpp
//
// Terminal enrollment and revocation with the real programs on loopback: rapportctl prints
// a code, rapport-terminal enrolls with it over TLS pinned by the code's CA fingerprint,
// and the enrolled terminal syncs; a used, expired or mis-pinned code gets nothing; a revoked
// terminal's open connection is cut.

#include <signal.h>
#include <sys/stat.h>

#include <regex>
#include <thread>

#include "server/storage/store.h"
#include "shared/net/https_client.h"
#include "shared/protocol/enrollment_code.h"
#include "shared/util/files.h"
#include "tests/support/catch_result.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using namespace std::chrono_literals;
using rapport::testing::ChildProcess;
using rapport::testing::read_text;
using rapport::testing::wait_until;

namespace {

const std::string& kCtl = testing::kRapportctl;
const std::string& kServer = testing::kRapportServer;
const std::string& kTerminal = testing::kRapportTerminal;

bool log_has(const std::filesystem::path& log, const std::string& text) {
  return read_text(log).find(text) != std::string::npos;
}

// A data folder with store S1 and a member, the sync and enrollment listeners on free ports,
// and its server running.
struct EnrollingChain {
  std::filesystem::path dir;
  std::filesystem::path data;
  unsigned short sync_port = testing::free_port();
  unsigned short enroll_port = testing::free_port();
  std::string card;
  std::unique_ptr<ChildProcess> server;

  explicit EnrollingChain(const std::filesystem::path& folder)
      : dir(folder), data(folder / "data") {
    std::string out;
    REQUIRE(testing::run({kCtl, "init", "--data", data.string(), "--store", "S1", "--listen",
                          "127.0.0.1:" + std::to_string(sync_port), "--enroll-listen",
                          "127.0.0.1:" + std::to_string(enroll_port)},
                         &out) == 0);
    REQUIRE(testing::run({kCtl, "member", "add", "--data", data.string(), "--name", "Ada Lovelace",
                          "--store", "S1"},
                         &out) == 0);
    std::smatch match;
    REQUIRE(std::regex_search(out, match, std::regex("card ([0-9 ]{19})")));
    card = match[1];
    server = std::make_unique<ChildProcess>(
        std::vector<std::string>{kServer, "--config", (data / "server.toml").string()},
        server_log());
    REQUIRE(wait_until([&] { return log_has(server_log(), "rapport-server listening"); }, 10s));
  }

  [[nodiscard]] std::filesystem::path server_log() const { return dir / "server.log"; }

  // `rapportctl terminal add`; returns the code it printed.
  std::string add_terminal(const std::string& id, const std::string& valid_for = "1h") const {
    std::string out;
    REQUIRE(testing::run({kCtl, "terminal", "add", "--data", data.string(), "--store", "S1", "--id",
                          id, "--valid-for", valid_for},
                         &out) == 0);
    std::smatch match;
    INFO(out);
    REQUIRE(std::regex_search(out, match, std::regex("RAP1-[0-9A-Z-]+")));
    return match[0];
  }

  // `rapport-terminal enroll` into dir/<folder>; returns its exit status, output in `out`.
  int enroll(const std::string& code, const std::string& folder, std::string* out) const {
    return testing::run(
        {kTerminal, "enroll", "--server", "127.0.0.1:" + std::to_string(enroll_port), "--code",
         code, "--out", (dir / folder).string()},
        out);
  }

  [[nodiscard]] std::vector<server::StoredEvent> events() const {
    auto store = server::open_sqlite_store(data / "rapport.db");
    if (!store) return {};
    auto events = (*store)->list_events(1000);
    return events ? std::move(*events) : std::vector<server::StoredEvent>{};
  }

  void stop() {
    server->send_signal(SIGTERM);
    CHECK(server->wait(15s) == 0);
  }
};

}  // namespace

TEST_CASE("a terminal enrolled with a code gets its own key and certificate and syncs",
          "[e2e][enrollment]") {
  testing::TempDir dir;
  EnrollingChain chain(dir.path());
  const std::string code = chain.add_terminal("T2");

  std::string out;
  REQUIRE(chain.enroll(code, "T2", &out) == 0);
  INFO(out);
  const auto folder = dir / "T2";
  for (const char* file : {"terminal.key", "terminal.crt", "ca.crt", "card.key", "terminal.toml"}) {
    CHECK(std::filesystem::exists(folder / file));
  }
  struct stat key_stat {};
  REQUIRE(::stat((folder / "terminal.key").c_str(), &key_stat) == 0);
  CHECK((key_stat.st_mode & 0777) == 0600);
  CHECK(read_text(folder / "ca.crt") == read_text(chain.data / "ca/ca.crt"));
  CHECK(read_text(folder / "card.key") == read_text(chain.data / "card.key"));
  CHECK(log_has(chain.server_log(), "terminal 'T2' of store S1 enrolled"));

  // The enrolled terminal runs and its visit reaches the server under its own name.
  auto toml = read_text(folder / "terminal.toml");
  toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
  write_file_atomically(folder / "terminal.toml", toml, false);
  ChildProcess terminal({kTerminal, "--config", (folder / "terminal.toml").string()},
                        dir / "terminal.log");
  REQUIRE(wait_until([&] { return log_has(dir / "terminal.log", "ready"); }, 20s));
  terminal.write_stdin(chain.card + "\n");
  REQUIRE(wait_until([&] { return chain.events().size() == 1; }, 15s));
  CHECK(chain.events().front().event.terminal_id == "T2");
  CHECK(log_has(dir / "terminal.log", "Ada Lovelace"));
  terminal.close_stdin();
  CHECK(terminal.wait(15s) == 0);

  // The same code again: refused, and the first terminal's files are not touched.
  std::string again;
  CHECK(chain.enroll(code, "T2-again", &again) == 1);
  INFO(again);
  CHECK(again.find("HTTP 403") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "T2-again" / "terminal.crt"));
  chain.stop();
}

TEST_CASE("an expired enrollment code is refused", "[e2e][enrollment]") {
  testing::TempDir dir;
  EnrollingChain chain(dir.path());
  const std::string code = chain.add_terminal("T3", "1s");
  std::this_thread::sleep_for(1500ms);
  std::string out;
  CHECK(chain.enroll(code, "T3", &out) == 1);
  INFO(out);
  CHECK(out.find("HTTP 403") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "T3" / "terminal.crt"));
  CHECK(log_has(chain.server_log(), "the code has expired"));
  chain.stop();
}

TEST_CASE("a code naming another CA makes the terminal refuse the server before sending it",
          "[e2e][enrollment]") {
  testing::TempDir dir;
  EnrollingChain chain(dir.path());
  const std::string code = chain.add_terminal("T4");
  auto forged = protocol::parse_enrollment_code(code).value();
  forged.ca_fingerprint[0] ^= 0x01;  // a CA the server does not have (or a man in the middle)

  std::string out;
  CHECK(chain.enroll(protocol::format_enrollment_code(forged), "T4", &out) == 1);
  INFO(out);
  CHECK(out.find("pinned SHA-256 fingerprint") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "T4"));
  // The code never reached the server: it still works with the right fingerprint.
  CHECK_FALSE(log_has(chain.server_log(), "enrollment of 'T4'"));
  CHECK(chain.enroll(code, "T4", &out) == 0);
  chain.stop();
}

TEST_CASE("revoking a terminal cuts its open keep-alive connection and refuses its requests",
          "[e2e][enrollment]") {
  testing::TempDir dir;
  EnrollingChain chain(dir.path());
  std::string out;
  REQUIRE(chain.enroll(chain.add_terminal("T5"), "T5", &out) == 0);

  net::ClientOptions options;
  options.host = "127.0.0.1";
  options.port = chain.sync_port;
  options.server_name = "localhost";
  options.tls = {dir / "T5/terminal.crt", dir / "T5/terminal.key", dir / "T5/ca.crt"};
  auto client = net::HttpsClient::create(options);
  const auto before = client->request("GET", "/sync/v1/changes?since=", "", 5s);
  REQUIRE(before);
  CHECK(before->status == 200);  // and the connection stays open (keep-alive)

  REQUIRE(testing::run({kCtl, "terminal", "revoke", "--data", chain.data.string(), "--id", "T5"}) ==
          0);
  // The server closes the idle connection by itself, within its revocation check interval.
  const bool closed =
      wait_until([&] { return log_has(chain.server_log(), "closing the connection of T5"); }, 5s);
  INFO(read_text(chain.server_log()));
  REQUIRE(closed);
  // ("terminal 'T5' was revoked" is logged only when a check saw T5 accepted first; enrolled
  // and revoked between two checks, it never was: the cut above is what counts.)
  const auto after = client->request("GET", "/sync/v1/changes?since=", "", 5s);
  REQUIRE(after);
  CHECK(after->status == 403);
  chain.stop();
}

TEST_CASE("an enrolled terminal verifies signed cards at once and gets new token keys by sync",
          "[e2e][enrollment][token]") {
  testing::TempDir dir;
  EnrollingChain chain(dir.path());
  std::string out;
  REQUIRE(chain.enroll(chain.add_terminal("T6"), "T6", &out) == 0);
  const auto folder = dir / "T6";
  // The enrollment answer carried the chain's public keyring: beside the certificates, named
  // by terminal.toml, public keys only.
  CHECK(read_text(folder / "token-keys.pem") ==
        read_text(chain.data / "token-keys/token-keys.pem"));
  CHECK(read_text(folder / "token-keys.pem").find("PRIVATE") == std::string::npos);
  auto toml = read_text(folder / "terminal.toml");
  CHECK(toml.find("token_keys = \"token-keys.pem\"") != std::string::npos);
  toml = std::regex_replace(toml, std::regex("interval_ms = \\d+"), "interval_ms = 100");
  toml = std::regex_replace(toml, std::regex("members_refresh_s = \\d+"), "members_refresh_s = 1");
  write_file_atomically(folder / "terminal.toml", toml, false);

  const auto qr_of = [&] {
    std::string printed;
    REQUIRE(testing::run({kCtl, "card", "token", "--data", chain.data.string(), "--member", "1",
                          "--card", chain.card},
                         &printed) == 0);
    std::smatch match;
    REQUIRE(std::regex_search(printed, match, std::regex("qr: (RPT:[A-Z2-7]+)")));
    return std::string(match[1]);
  };
  const std::string key1_card = qr_of();
  const auto log = dir / "terminal.log";
  ChildProcess terminal({kTerminal, "--config", (folder / "terminal.toml").string()}, log);
  REQUIRE(wait_until([&] { return log_has(log, "ready"); }, 20s));
  terminal.write_stdin(key1_card + "\n");
  REQUIRE(wait_until([&] { return log_has(log, "Ada Lovelace"); }, 10s));

  // A key made after enrollment reaches the running terminal; cards signed with it verify.
  REQUIRE(testing::run({kCtl, "card-keys", "new", "--data", chain.data.string()}) == 0);
  const std::string key2_card = qr_of();
  REQUIRE(wait_until([&] { return log_has(log, "new token keys stored"); }, 15s));
  CHECK(read_text(folder / "token-keys.pem") ==
        read_text(chain.data / "token-keys/token-keys.pem"));
  terminal.write_stdin(key2_card + "\n");
  REQUIRE(wait_until([&] { return chain.events().size() == 2; }, 15s));

  // Retiring key 1 reaches it too: the cards it signed are refused from then on.
  REQUIRE(testing::run({kCtl, "card-keys", "retire", "--data", chain.data.string(), "1"}) == 0);
  REQUIRE(wait_until([&] { return log_has(log, "retired (cards refused): 1"); }, 15s));
  terminal.write_stdin(key1_card + "\n");
  REQUIRE(wait_until([&] { return log_has(log, "unknown or retired key"); }, 10s));
  terminal.close_stdin();
  CHECK(terminal.wait(15s) == 0);
  CHECK(chain.events().size() == 2);
  chain.stop();
}
