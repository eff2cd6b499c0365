// terminal/pos_api/pos_api.h
//
// The POS integration API as rapport-terminal runs it (docs/pos-api.md): an HTTPS listener
// on terminal.toml's [pos_api] listen with the terminal's own certificate (no client
// certificate asked), answering only requests that carry the key of [pos_api] api_key_file
// as a bearer token. It has its own SQLite connection, member cache, outbox, counter (for
// card reads), sales entry point and rewards desk (redemptions, with their own balance
// check connection), all used on the listener's thread only.
//
// Threading: construct and destroy on one thread; requests are served on the listener's own
// I/O thread, one at a time.

#pragma once

#include <functional>
#include <memory>
#include <string>

#include "shared/card/card_key.h"
#include "shared/net/https_server.h"
#include "shared/storage/database.h"
#include "terminal/card_lookup.h"
#include "terminal/counter.h"
#include "terminal/live_keyring.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"
#include "terminal/pos_api/pos_handler.h"
#include "terminal/redemption.h"
#include "terminal/sales.h"
#include "terminal/terminal_config.h"

namespace rapport::terminal {

// The key in `file`, surrounding white space dropped. Throws std::runtime_error (start-up)
// when the file is missing, readable by others, or holds fewer than 32 characters.
[[nodiscard]] std::string load_pos_api_key(const std::filesystem::path& file);

class PosApi {
 public:
  // Throws std::runtime_error (start-up) when the database, key file, TLS files or address
  // fail. Requires: config.pos_api_host is set. `recorded` runs on the listener's thread
  // after each event committed (the sync worker's wake()).
  PosApi(const TerminalConfig& config, card::CardKey key,
         std::shared_ptr<const LiveKeyring> token_keys, std::function<void()> recorded = {});
  ~PosApi();

  [[nodiscard]] std::uint16_t port() const { return server_->port(); }

 private:
  storage::Database db_;
  MemberCache cache_;
  Outbox outbox_;
  std::unique_ptr<CardLookup> lookup_;
  Counter counter_;
  Sales sales_;
  std::unique_ptr<BalanceSource> balance_;  // null: [rewards] balance_check_timeout_ms = 0
  RewardsDesk rewards_;
  pos::PosHandler handler_;
  std::unique_ptr<net::HttpsServer> server_;  // last: stops before the rest goes
};

}  // namespace rapport::terminal
