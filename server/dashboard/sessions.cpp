// server/dashboard/sessions.cpp
#include "server/dashboard/sessions.h"

#include <spdlog/spdlog.h>

#include <span>

#include "server/storage/session_store.h"
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

constexpr std::chrono::seconds kTouchEvery{60};

}  // namespace

Result<NewSession> SessionTable::open(std::int64_t user_id, TimePoint now,
                                      std::string credential) {
  sweep(now);
  NewSession fresh{random_token(), random_token()};
  const Session session{user_id, fresh.csrf_token, now, now, std::move(credential)};
  RAPPORT_TRY_VOID(store_.put_session(key_of(fresh.cookie_token), session));
  return fresh;
}

std::optional<Session> SessionTable::touch(std::string_view cookie_token, TimePoint now) {
  if (cookie_token.size() != 64) return std::nullopt;
  const std::string key = key_of(cookie_token);
  auto found = store_.find_session(key);
  if (!found) {
    spdlog::error("dashboard: cannot read sessions: {}", found.error().message());
    return std::nullopt;
  }
  if (!*found) return std::nullopt;
  Session session = std::move(**found);
  if (expired(session, now)) {
    close(cookie_token);
    return std::nullopt;
  }
  // A write per page would contend with syncs for the database's write lock: the last use is
  // stored at most once a minute, so the idle timeout is kept to within a minute.
  if (now - session.last_used >= kTouchEvery) {
    if (auto r = store_.touch_session(key, now); !r) {
      spdlog::error("dashboard: cannot record a session's use: {}", r.error().message());
      return std::nullopt;
    }
    session.last_used = now;
  }
  return session;
}

void SessionTable::close(std::string_view cookie_token) {
  if (auto r = store_.delete_session(key_of(cookie_token)); !r) {
    spdlog::error("dashboard: cannot end a session: {}", r.error().message());
  }
}

void SessionTable::sweep(TimePoint now) {
  if (auto r = store_.delete_sessions_before(now - limits_.idle, now - limits_.lifetime); !r) {
    spdlog::error("dashboard: cannot drop expired sessions: {}", r.error().message());
  }
}

std::size_t SessionTable::size() {
  const auto count = store_.session_count();
  return count ? *count : 0;
}

bool SessionTable::expired(const Session& session, TimePoint now) const {
  return now - session.last_used >= limits_.idle || now - session.created >= limits_.lifetime;
}

bool tokens_equal(std::string_view a, std::string_view b) {
  return crypto::constant_time_equal(bytes_of(a), bytes_of(b));
}

}  // namespace rapport::server
