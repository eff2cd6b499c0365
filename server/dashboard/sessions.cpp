// server/dashboard/sessions.cpp
#include "server/dashboard/sessions.h"

#include <span>

#include "shared/crypto/digest.h"
#include "shared/crypto/random.h"
#include "shared/util/hex.h"

namespace rapport::server {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string key_of(std::string_view cookie_token) {
  return to_hex(crypto::sha256(bytes_of(cookie_token)));
}

std::string random_token() { return to_hex(crypto::random_bytes(32)); }

}  // namespace

NewSession SessionTable::open(std::int64_t user_id, TimePoint now, std::string credential) {
  sweep(now);
  NewSession fresh{random_token(), random_token()};
  sessions_[key_of(fresh.cookie_token)] = Session{user_id, fresh.csrf_token, now, now, std::move(credential)};
  return fresh;
}

std::optional<Session> SessionTable::touch(std::string_view cookie_token, TimePoint now) {
  if (cookie_token.size() != 64) return std::nullopt;
  const auto found = sessions_.find(key_of(cookie_token));
  if (found == sessions_.end()) return std::nullopt;
  if (expired(found->second, now)) {
    sessions_.erase(found);
    return std::nullopt;
  }
  found->second.last_used = now;
  return found->second;
}

void SessionTable::close(std::string_view cookie_token) { sessions_.erase(key_of(cookie_token)); }

void SessionTable::sweep(TimePoint now) {
  std::erase_if(sessions_, [&](const auto& entry) { return expired(entry.second, now); });
}

bool SessionTable::expired(const Session& session, TimePoint now) const {
  return now - session.last_used >= limits_.idle || now - session.created >= limits_.lifetime;
}

bool tokens_equal(std::string_view a, std::string_view b) {
  return crypto::constant_time_equal(bytes_of(a), bytes_of(b));
}

}  // namespace rapport::server
