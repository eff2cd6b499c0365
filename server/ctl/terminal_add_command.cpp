// server/ctl/terminal_add_command.cpp
//
// `rapportctl terminal add`: registers a pending terminal and prints its one-time enrollment
// code. The database keeps only the SHA-256 of the code's secret; the code also carries the
// CA's fingerprint so the new terminal can trust the enrollment listener before it has
// anything else (docs/protocol.md, "Enrollment").

#include <algorithm>
#include <charconv>
#include <iostream>
#include <optional>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/storage/enrollment_store.h"
#include "server/storage/store_url.h"
#include "shared/crypto/certificates.h"
#include "shared/crypto/digest.h"
#include "shared/crypto/random.h"
#include "shared/protocol/enrollment_code.h"
#include "shared/util/clock.h"
#include "shared/util/files.h"
#include "shared/util/hex.h"

namespace rapport::ctl {
namespace {

constexpr std::chrono::seconds kMaxValidity = std::chrono::hours(24 * 30);

// "90s", "30m", "24h", "7d"; nullopt for anything else, zero, or more than 30 days.
std::optional<std::chrono::seconds> parse_validity(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  std::int64_t count = 0;
  const char* end = text.data() + text.size() - 1;
  const auto [rest, ec] = std::from_chars(text.data(), end, count);
  if (ec != std::errc() || rest != end || count <= 0 || count > 1'000'000) return std::nullopt;
  std::chrono::seconds unit{0};
  switch (text.back()) {
    case 's':
      unit = std::chrono::seconds(1);
      break;
    case 'm':
      unit = std::chrono::minutes(1);
      break;
    case 'h':
      unit = std::chrono::hours(1);
      break;
    case 'd':
      unit = std::chrono::hours(24);
      break;
    default:
      return std::nullopt;
  }
  const auto total = unit * count;
  if (total > kMaxValidity) return std::nullopt;
  return total;
}

std::string new_terminal_id() { return "T-" + to_hex(crypto::random_bytes(3)); }

}  // namespace

int run_terminal_add(const TerminalAddOptions& o) {
  const std::string id = o.id.value_or(new_terminal_id());
  if (!protocol::is_valid_terminal_id(id)) {
    std::cerr << "error: --id must be 1-64 letters, digits, '-' or '_', not '" << id << "'\n";
    return 2;
  }
  const auto validity = parse_validity(o.valid_for);
  if (!validity) {
    std::cerr << "error: --valid-for must be a number and s, m, h or d, at most 30d (e.g. 24h), "
                 "not '"
              << o.valid_for << "'\n";
    return 2;
  }
  auto folder = open_data_folder(o.data);
  if (!folder) return 1;
  const auto& config = folder->config;
  if (!has_store(*folder, o.store, o.data)) return 1;
  const auto ca_cert = read_file(config.tls.ca_certificates).value_or("");
  const auto fingerprint = crypto::certificate_sha256(ca_cert);
  if (!fingerprint) {
    std::cerr << "error: cannot read the CA certificate " << config.tls.ca_certificates.string()
              << "\n";
    return 1;
  }
  auto enrollment = server::open_enrollment_store(config.database_url);
  if (!enrollment) {
    // Not the URL itself: a postgresql:// one may hold a password.
    std::cerr << "error: cannot open the database for enrollment codes: "
              << enrollment.error().message() << "\n";
    return 1;
  }
  const auto active = (*enrollment)->is_active_terminal(id);
  if (!active || *active) {
    std::cerr << "error: terminal '" << id << "' is registered and active; revoke it first "
              << "(rapportctl terminal revoke --data " << o.data.string() << " --id " << id
              << ") or choose another --id\n";
    return 1;
  }

  protocol::EnrollmentCode code;
  code.terminal_id = id;
  const auto secret = crypto::random_bytes(code.secret.size());
  std::copy(secret.begin(), secret.end(), code.secret.begin());
  code.ca_fingerprint = *fingerprint;
  const auto expires_at = std::chrono::system_clock::now() + *validity;
  if (auto r = (*enrollment)->add_code({id, o.store, crypto::sha256(code.secret), expires_at});
      !r) {
    std::cerr << "error: cannot record the enrollment code: " << r.error().message() << "\n";
    return 1;
  }
  const std::string enroll_address =
      config.enrollment_port != 0
          ? config.enrollment_host + ":" + std::to_string(config.enrollment_port)
          : std::string("HOST:PORT");
  std::cout << "Terminal " << id << " of store " << o.store << " is waiting to enroll.\n"
            << "Enrollment code (works once, until " << to_iso8601(expires_at) << "):\n\n"
            << "  " << protocol::format_enrollment_code(code) << "\n\n"
            << "On the new terminal:\n"
            << "  rapport-terminal enroll --server " << enroll_address
            << " --code CODE --out DIR\n";
  if (config.enrollment_port == 0) {
    std::cout << "(server.toml has no [enrollment] listen yet: add one, e.g. listen = "
                 "\"0.0.0.0:8444\", and restart rapport-server)\n";
  }
  return 0;
}

}  // namespace rapport::ctl
