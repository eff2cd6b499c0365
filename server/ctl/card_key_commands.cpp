// server/ctl/card_key_commands.cpp
//
// `rapportctl card-keys new|list|retire` (the chain's member-token signing keys) and
// `rapportctl card token` (a signed token for one member's card, as QR text and as the bytes
// for an NTAG chip). Format and key rotation: docs/cards.md.

#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>

#include "server/card_token_keys.h"
#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/member_tokens.h"
#include "shared/card/card_key.h"
#include "shared/card/member_token.h"
#include "shared/util/files.h"
#include "shared/util/hex.h"

namespace rapport::ctl {
namespace {

namespace fs = std::filesystem;

const char* status_name(server::TokenKeyStatus status) {
  switch (status) {
    case server::TokenKeyStatus::kActive:
      return "active";
    case server::TokenKeyStatus::kValid:
      return "valid";
    case server::TokenKeyStatus::kRetired:
      return "retired";
  }
  return "?";
}

std::string date_text(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return text;
}

void write_public_keyring(const server::CardTokenKeys& keys) {
  write_file_atomically(keys.folder() / server::kPublicKeyringFile, keys.public_keyring_text(),
                        /*owner_only=*/false);
}

void print_keyring_advice(const server::CardTokenKeys& keys) {
  std::cout << "Terminals fetch the public keys in "
            << (keys.folder() / server::kPublicKeyringFile).string()
            << " at their next member pull (sync.members_refresh_s, 60 s by default); a "
               "terminal that is offline gets them when it is back.\n";
}

}  // namespace

int run_card_keys_new(const fs::path& data) {
  if (!open_data_folder(data)) return 1;
  server::CardTokenKeys keys(data);
  try {
    const auto id = keys.create();
    if (!id) {
      std::cerr << "error: all 255 token key ids are used; start a new data folder\n";
      return 1;
    }
    write_public_keyring(keys);
    std::cout << "Token key " << int{*id} << " created in "
              << (keys.folder() / (std::to_string(*id) + ".key")).string()
              << " (mode 0600); new tokens are signed with it. Older keys stay valid until "
                 "retired.\n";
    print_keyring_advice(keys);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int run_card_keys_list(const fs::path& data) {
  if (!open_data_folder(data)) return 1;
  try {
    const auto list = server::CardTokenKeys(data).list();
    if (list.empty()) {
      std::cout << "No token keys yet. Create one with: rapportctl card-keys new --data "
                << data.string() << "\n";
      return 0;
    }
    std::cout << "key  status   created\n";
    for (const auto& key : list) {
      std::printf("%-4d %-8s %s\n", int{key.id}, status_name(key.status), key.created.c_str());
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

int run_card_keys_retire(const fs::path& data, int id) {
  if (id < 1 || id > 255) {
    std::cerr << "error: a token key id is a number from 1 to 255, not " << id << "\n";
    return 2;
  }
  if (!open_data_folder(data)) return 1;
  server::CardTokenKeys keys(data);
  try {
    switch (keys.retire(static_cast<std::uint8_t>(id))) {
      case server::RetireOutcome::kRetired:
        break;
      case server::RetireOutcome::kNoSuchKey:
        std::cerr << "error: no token key " << id << " (see rapportctl card-keys list --data "
                  << data.string() << ")\n";
        return 1;
      case server::RetireOutcome::kAlreadyRetired:
        std::cerr << "error: token key " << id << " is already retired\n";
        return 1;
      case server::RetireOutcome::kActiveKey:
        std::cerr << "error: token key " << id
                  << " is the active key; create its successor first (rapportctl card-keys new "
                     "--data "
                  << data.string() << "), re-issue the cards signed with it, then retire it\n";
        return 1;
    }
    write_public_keyring(keys);
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  std::cout << "Token key " << id
            << " retired: its private key is destroyed, and cards signed with it are refused "
               "by every terminal that has the new keyring.\n";
  print_keyring_advice(keys);
  return 0;
}

int run_card_token(const CardTokenOptions& o) {
  auto folder = open_data_folder(o.data);
  if (!folder) return 1;
  const auto& config = folder->config;
  const auto number = card::CardNumber::parse(o.card, config.issuer_prefix);
  if (!number) {
    std::cerr << "error: card number '" << o.card << "': " << number.error().message() << "\n";
    return 2;
  }
  std::vector<std::uint8_t> uid;
  if (o.uid) {
    auto parsed = from_hex(*o.uid);
    if (!parsed || (parsed->size() != 4 && parsed->size() != 7 && parsed->size() != 10)) {
      std::cerr << "error: --uid must be the chip's UID as 8, 14 or 20 hex digits (4, 7 or 10 "
                   "bytes), not '"
                << *o.uid << "'\n";
      return 2;
    }
    uid = std::move(*parsed);
  }
  if (o.member < 1 || o.member > std::numeric_limits<std::uint32_t>::max()) {
    std::cerr << "error: --member must be a member id from 1 to 4294967295\n";
    return 2;
  }

  auto card_key = card::CardKey::load(config.card_key);
  if (!card_key) {
    std::cerr << "error: cannot read the card key " << config.card_key.string() << "\n";
    return 1;
  }
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  Result<server::IssuedMemberToken> issued = card::TokenErrc::kNoSigningKey;
  try {
    issued = server::issue_member_token(*folder->store, *card_key, server::CardTokenKeys(o.data),
                                        {o.member, *number, uid, std::chrono::sys_days(today)});
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  if (!issued) {
    std::cerr << "error: card " << number->grouped() << ", member " << o.member << ": "
              << issued.error().message();
    if (issued.error() == card::TokenErrc::kNotMembersCard) {
      std::cerr << " (see rapportctl member list --data " << o.data.string() << ")";
    }
    std::cerr << "\n";
    return 1;
  }
  const auto& token = issued->bytes;
  std::cout << "member " << o.member << "  card " << number->grouped() << "  key "
            << int{issued->key_id} << "  issued " << date_text(std::chrono::sys_days(today)) << "  "
            << token.size() << " bytes" << (uid.empty() ? "" : ", bound to UID " + to_hex(uid))
            << "\n";
  if (uid.empty()) std::cout << "qr: " << card::member_token_text(token) << "\n";
  std::cout << "ntag: " << to_hex(token) << "\n";
  std::cout << "(ntag: write from page 4, " << (token.size() + 3) / 4 << " pages of the "
            << card::kNtag213UserBytes << "-byte user memory";
  if (!uid.empty()) {
    std::cout << "; bound to the chip, so it is accepted only when read from that chip, never "
                 "as a QR code";
  }
  std::cout << ")\n";
  return 0;
}

}  // namespace rapport::ctl
