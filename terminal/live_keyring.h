// terminal/live_keyring.h
//
// The public token keyring a running terminal verifies signed cards with (docs/cards.md),
// replaceable while it runs: the SyncWorker stores a new keyring fetched from the server
// (GET /sync/v1/token-keys) and the counter sees it at its next card, without a restart.
// The keyring's file (terminal.toml [cards] token_keys) is replaced atomically first, so a
// restart starts from the same keys.
//
// Threading: any thread. current() hands out an immutable snapshot; a replace() while a
// card is being verified leaves that verification on the keyring it started with.

#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "shared/card/token_keyring.h"
#include "shared/util/result.h"

namespace rapport::terminal {

class LiveKeyring {
 public:
  explicit LiveKeyring(card::TokenKeyring keys = {})
      : keys_(std::make_shared<const card::TokenKeyring>(std::move(keys))) {}

  [[nodiscard]] std::shared_ptr<const card::TokenKeyring> current() const;
  void replace(card::TokenKeyring keys);

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const card::TokenKeyring> keys_;  // guarded by mutex_; never null
};

// Where a terminal keeps its keyring: terminal.toml's [cards] token_keys, or else
// token-keys.pem beside its card key (where `rapport-terminal enroll` writes it).
[[nodiscard]] std::filesystem::path keyring_file(
    const std::optional<std::filesystem::path>& configured,
    const std::filesystem::path& card_key);

// The keyring in `file`; an empty keyring (every signed card refused, logged) when the file
// does not exist yet. kBadKeyring when it exists and is unreadable or malformed.
[[nodiscard]] Result<card::TokenKeyring> load_keyring_if_present(
    const std::filesystem::path& file);

// Parses `text` (the server's keyring) and, when it differs from what `file` holds, writes it
// there atomically and hands it to `live`. Returns whether anything changed; kBadKeyring (and
// nothing changed) for text that is not a keyring. Throws std::runtime_error when the file
// cannot be written (as write_file_atomically).
[[nodiscard]] Result<bool> store_keyring(LiveKeyring& live, const std::filesystem::path& file,
                                         const std::string& text);

}  // namespace rapport::terminal
