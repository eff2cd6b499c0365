// bench/token_bench.cpp
//
// Figures for signed member tokens (docs/cards.md): how many tokens a terminal verifies per
// second (Ed25519 on OpenSSL 3, one thread), from the chip's bytes and from QR text, and how
// fast the server signs. Prints figures; asserts nothing about speed (docs/performance.md).
//
//   bench_token [--tokens N]

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <vector>

#include "shared/card/member_token.h"
#include "shared/card/token_keyring.h"
#include "shared/crypto/ed25519.h"
#include "shared/util/logging.h"

namespace {

using namespace rapport;
using Clock = std::chrono::steady_clock;
constexpr const char* kPrefix = "627599";

// Wall time, and this process's CPU time: on a shared, busy machine the second is the
// figure that says what one free core would do.
struct Timer {
  Clock::time_point wall = Clock::now();
  std::clock_t cpu = std::clock();
};

void report(const char* what, std::size_t count, const Timer& start) {
  const double wall = std::chrono::duration<double>(Clock::now() - start.wall).count();
  const double cpu = static_cast<double>(std::clock() - start.cpu) / CLOCKS_PER_SEC;
  const auto n = static_cast<double>(count);
  std::printf("%-30s %7zu ops  wall %7.1f us/op %8.0f ops/s  cpu %7.1f us/op %8.0f ops/s\n", what,
              count, 1e6 * wall / n, n / wall, 1e6 * cpu / n, n / cpu);
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "bench: %s\n", what);
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_token: figures for signing and verifying member tokens"};
  app.footer("Example: bench_token --tokens 20000");
  std::size_t count = 5000;
  app.add_option("--tokens", count, "Tokens to sign and verify")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (count == 0) die("--tokens must be at least 1");
  init_logging("bench", "warn");

  const auto key = crypto::Ed25519PrivateKey::generate();
  card::TokenKeyring keyring;
  if (!keyring.add(1, key.public_key())) die("keyring");
  const std::vector<std::uint8_t> uid = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0x80};
  const card::MemberTokenClaims claims{"6275991234567894", 42, uid,
                                       std::chrono::sys_days{std::chrono::year{2026} / 11 / 26}};

  std::vector<std::vector<std::uint8_t>> tokens;
  tokens.reserve(count);
  Timer start;
  for (std::size_t i = 0; i < count; ++i) {
    auto c = claims;
    c.member_id = static_cast<std::uint32_t>(i + 1);
    tokens.push_back(card::sign_member_token(c, 1, key).value());
  }
  report("sign (server)", count, start);

  start = Timer();
  for (const auto& token : tokens) {
    if (!keyring.verify(token, std::span<const std::uint8_t>(uid), kPrefix)) die("not verified");
  }
  report("verify chip bytes (terminal)", count, start);

  std::vector<std::string> texts;
  texts.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    auto c = claims;  // the same claims unbound, as a QR card carries them
    c.uid.clear();
    c.member_id = static_cast<std::uint32_t>(i + 1);
    texts.push_back(card::member_token_text(card::sign_member_token(c, 1, key).value()));
  }
  start = Timer();
  for (const auto& text : texts) {
    const auto bytes = card::member_token_from_text(text);
    if (!bytes || !keyring.verify(*bytes, std::nullopt, kPrefix)) die("QR text not verified");
  }
  report("verify QR text (terminal)", count, start);
  return 0;
}
