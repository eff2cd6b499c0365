// server/server_config.h
//
// rapport-server's configuration (server.toml; annotated example: config/server.toml).
// Loading validates every value and throws config::ConfigError naming the key to fix.

#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "server/rewards/rewards_rules.h"
#include "server/value/value_model.h"
#include "shared/card/phone_number.h"
#include "shared/net/https.h"

namespace rapport::server {

// Which members a store's terminals keep (docs/protocol.md, "GET /sync/v1/changes").
struct SyncPolicy {
  std::chrono::hours seen_in_store{24 * 90};  // members seen at the store this recently
  std::chrono::hours seen_in_chain{48};       // members seen anywhere in the chain
  // [cards] phone_country_code: members' phones are sent as digests of their normalised form
  // (shared/card/phone_number.h), national numbers taking this calling code.
  std::string phone_country_code{card::kDefaultPhoneCountryCode};
};

struct ServerConfig {
  std::string listen_host;
  std::uint16_t listen_port = 0;
  // server.database: a path or sqlite:///path (the SQLite file, here resolved against the
  // config's folder), or postgresql://... (then `database` is empty). database_url is the
  // setting as open_store() takes it (server/storage/store_url.h).
  std::filesystem::path database;
  std::string database_url;
  net::TlsFiles tls;
  net::Limits limits;
  // Open connections at once (limits.max_connections); more are closed at accept. Each takes
  // a file descriptor: the process's open-file limit must exceed it (docs/performance.md).
  std::size_t max_connections = 256;
  std::string issuer_prefix;             // the chain's 6-digit card prefix
  std::filesystem::path card_key;        // HMAC key for card tokens (mode 0600)
  std::filesystem::path ca_private_key;  // for rapportctl to issue terminal certificates
  // The data folder (server.toml's own folder): its token-keys/ holds the member-token keys
  // the server signs with and hands terminals (docs/cards.md, "Keys and rotation").
  std::filesystem::path data_folder;
  SyncPolicy sync;
  // [cards] velocity_minutes: a card read at two stores closer together is flagged for review.
  std::chrono::minutes card_velocity_window{60};
  value::ValueConfig value;                 // [value]: docs/value-engine.md
  std::chrono::hours value_refresh_every{24};  // 0: only `rapportctl value refresh`
  // Between full refreshes, the members syncs changed (docs/value-engine.md).
  std::chrono::minutes value_changed_every{10};  // 0: not between full refreshes
  std::size_t value_incremental_max_members = 10'000;  // more changed: a full refresh
  // [enrollment] listen: where new terminals enroll with a one-time code (server-authenticated
  // TLS, docs/protocol.md "Enrollment"). Port 0 when the key is absent: no enrollment listener.
  std::string enrollment_host;
  std::uint16_t enrollment_port = 0;
  // [enrollment] revocation_check_ms: how often the server looks for revoked terminals to
  // close their open connections.
  std::chrono::milliseconds revocation_check{500};
  // [dashboard] listen: the staff dashboard (HTTPS with the server's certificate, no client
  // certificate; docs/dashboard.md). Port 0 when the key is absent: no dashboard.
  std::string dashboard_host;
  std::uint16_t dashboard_port = 0;
  // [dashboard] session_idle_minutes / session_hours: logged out after this long unused, and
  // after this long in all.
  std::chrono::seconds dashboard_session_idle{30 * 60};
  std::chrono::seconds dashboard_session_lifetime{12 * 3600};
  // [rewards] rules: the rewards rules file (config/rewards.toml, docs/rewards.md), checked
  // at load. Null when the key is absent: no points are earned.
  std::shared_ptr<const rewards::RewardsRules> rewards;
  // [rewards] expire_every_hours: how often the points expiry job runs (and once at start);
  // 0: only `rapportctl points expire`.
  std::chrono::hours points_expiry_every{24};
  // [leases] length_ms: how long a scheduled job's lease lasts unrenewed, i.e. how soon another
  // instance takes over the jobs of one that died (server/lease_keeper.h).
  std::chrono::milliseconds lease_length{30'000};
};

[[nodiscard]] ServerConfig load_server_config(const std::filesystem::path& file);

}  // namespace rapport::server
