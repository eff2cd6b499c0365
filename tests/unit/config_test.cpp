// tests/unit/config_test.cpp
//
// Configuration errors name the file, the key and what to fix.

#include "shared/config/config_file.h"
#include "shared/util/files.h"
#include "terminal/terminal_config.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using Catch::Matchers::Contains;
using rapport::config::ConfigError;
using rapport::config::ConfigFile;

TEST_CASE("typed reads return values and resolve paths from the file's folder", "[config]") {
  const auto file = ConfigFile::parse(
      "[a]\nname = \"x\"\nn = 5\nfile = \"data/x.db\"\nabs = \"/var/x\"\n", "/etc/rapport/s.toml");
  CHECK(file.string("a.name") == "x");
  CHECK(file.integer("a.n", 1, 10) == 5);
  CHECK(file.integer_or("a.missing", 7, 1, 10) == 7);
  CHECK(file.path("a.file") == "/etc/rapport/data/x.db");
  CHECK(file.path("a.abs") == "/var/x");
  CHECK_FALSE(file.optional_string("a.nothing"));
}

TEST_CASE("a missing or mistyped value names the key and the file", "[config]") {
  const auto file = ConfigFile::parse("[a]\nname = 5\nn = \"five\"\nbig = 99\n", "s.toml");
  CHECK_THROWS_WITH(file.string("a.nope"),
                    Contains("'a.nope'") && Contains("missing") && Contains("s.toml"));
  CHECK_THROWS_WITH(file.string("a.name"), Contains("'a.name'") && Contains("line 2"));
  CHECK_THROWS_WITH(file.integer("a.n", 0, 10), Contains("whole number"));
  CHECK_THROWS_WITH(file.integer("a.big", 0, 10), Contains("between 0 and 10"));
}

TEST_CASE("invalid TOML reports its line", "[config]") {
  CHECK_THROWS_WITH(ConfigFile::parse("[a]\nname = \n", "bad.toml"),
                    Contains("bad.toml") && Contains("line 2"));
  CHECK_THROWS_AS(ConfigFile::load("/no/such/file.toml"), ConfigError);
}

TEST_CASE("host:port values are checked", "[config]") {
  const auto file = ConfigFile::parse(
      "ok = \"127.0.0.1:8443\"\nv6 = \"[::1]:9\"\nnoport = \"host\"\nbig = \"h:70000\"\n"
      "word = \"h:http\"\n",
      "s.toml");
  CHECK(rapport::config::host_port(file, "ok").port == 8443);
  CHECK(rapport::config::host_port(file, "v6").host == "::1");
  CHECK_THROWS_WITH(rapport::config::host_port(file, "noport"), Contains("host:port"));
  CHECK_THROWS_AS(rapport::config::host_port(file, "big"), ConfigError);
  CHECK_THROWS_AS(rapport::config::host_port(file, "word"), ConfigError);
}

TEST_CASE("a terminal config with a bad issuer prefix is refused at load", "[config]") {
  rapport::testing::TempDir dir;
  const std::string base =
      "[terminal]\nid = \"T1\"\nstore = \"S1\"\ndatabase = \"t.db\"\n"
      "[server]\naddress = \"127.0.0.1:8443\"\n"
      "[tls]\ncertificate = \"c\"\nprivate_key = \"k\"\nca_certificates = \"ca\"\n"
      "[cards]\ncard_key = \"card.key\"\n";
  rapport::write_file_atomically(dir / "ok.toml", base + "issuer_prefix = \"627599\"\n", false);
  const auto config = rapport::terminal::load_terminal_config(dir / "ok.toml");
  CHECK(config.database == dir / "t.db");
  CHECK(config.server_name == "127.0.0.1");
  rapport::write_file_atomically(dir / "bad.toml", base + "issuer_prefix = \"62\"\n", false);
  CHECK_THROWS_WITH(rapport::terminal::load_terminal_config(dir / "bad.toml"),
                    Contains("cards.issuer_prefix") && Contains("6 digits"));
}

TEST_CASE("a terminal config lists one server address or several", "[config][failover]") {
  rapport::testing::TempDir dir;
  const auto with_server = [&](const std::string& name, const std::string& server) {
    rapport::write_file_atomically(
        dir / name,
        "[terminal]\nid = \"T1\"\nstore = \"S1\"\ndatabase = \"t.db\"\n[server]\n" + server +
            "[tls]\ncertificate = \"c\"\nprivate_key = \"k\"\nca_certificates = \"ca\"\n"
            "[cards]\ncard_key = \"card.key\"\nissuer_prefix = \"627599\"\n",
        false);
    return dir / name;
  };
  const auto two = rapport::terminal::load_terminal_config(
      with_server("two.toml", "addresses = [\"10.0.0.5:8443\", \"[::1]:9443\"]\n"));
  REQUIRE(two.servers.size() == 2);
  CHECK(two.servers[1].host == "::1");
  CHECK(two.servers[1].port == 9443);
  CHECK(two.server_host == "10.0.0.5");
  CHECK(two.server_name.empty());  // each server is checked against its own host
  const auto options = rapport::terminal::failover_options(two, "sync");
  CHECK(options.servers.size() == 2);
  const auto named = rapport::terminal::load_terminal_config(with_server(
      "named.toml", "addresses = [\"10.0.0.5:8443\"]\nname = \"rapport.example\"\n"));
  CHECK(named.server_name == "rapport.example");
  CHECK_THROWS_WITH(rapport::terminal::load_terminal_config(with_server(
                        "both.toml", "address = \"h:1\"\naddresses = [\"h:2\"]\n")),
                    Contains("server.addresses") && Contains("not both"));
  CHECK_THROWS_WITH(rapport::terminal::load_terminal_config(
                        with_server("bad.toml", "addresses = [\"nohost\"]\n")),
                    Contains("server.addresses") && Contains("host:port"));
}
