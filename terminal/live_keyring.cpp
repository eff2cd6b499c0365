// terminal/live_keyring.cpp
#include "terminal/live_keyring.h"

#include <spdlog/spdlog.h>

#include "shared/util/files.h"

namespace rapport::terminal {

std::shared_ptr<const card::TokenKeyring> LiveKeyring::current() const {
  std::lock_guard lock(mutex_);
  return keys_;
}

void LiveKeyring::replace(card::TokenKeyring keys) {
  auto fresh = std::make_shared<const card::TokenKeyring>(std::move(keys));
  std::lock_guard lock(mutex_);
  keys_ = std::move(fresh);
}

std::filesystem::path keyring_file(const std::optional<std::filesystem::path>& configured,
                                   const std::filesystem::path& card_key) {
  if (configured) return *configured;
  return card_key.parent_path() / "token-keys.pem";
}

Result<card::TokenKeyring> load_keyring_if_present(const std::filesystem::path& file) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    spdlog::warn("no token keys in {} yet: signed cards are refused until the first sync",
                 file.string());
    return card::TokenKeyring{};
  }
  return card::TokenKeyring::load(file);
}

Result<bool> store_keyring(LiveKeyring& live, const std::filesystem::path& file,
                           const std::string& text) {
  RAPPORT_TRY(auto keys, card::TokenKeyring::parse(text));
  if (const auto old = read_file(file); old && *old == text) return false;
  write_file_atomically(file, text, /*owner_only=*/false);
  live.replace(std::move(keys));
  return true;
}

}  // namespace rapport::terminal
