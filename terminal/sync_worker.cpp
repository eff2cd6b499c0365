// terminal/sync_worker.cpp
#include "terminal/sync_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "shared/net/failover_client.h"
#include "shared/protocol/card_messages.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"
#include "terminal/local_database.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"

namespace rapport::terminal {
namespace {

using Clock = std::chrono::steady_clock;
// The server's health endpoint (server/sync_handler.h): 200 {"status":"ok"}, nothing read.
constexpr std::string_view kHealthPath = "/sync/v1/health";
constexpr std::size_t kBatchSize = protocol::kMaxEventsPerBatch;  // 500: fewer fsyncs on each side when catching up
// A page holds at most kMaxMembersPerPage members; a member with many cards is still small.
constexpr std::size_t kMaxChangesPageBytes = std::size_t{16} << 20;

enum class Delivery { kAllSent, kFailed };

}  // namespace

struct SyncWorker::State {
  storage::Database db;
  Outbox outbox;
  MemberCache cache;
  std::unique_ptr<net::HttpsClient> client;
  SyncBackoff backoff;
  Clock::time_point next_refresh{};
  std::mt19937_64 jitter{std::random_device{}()};

  State(storage::Database database, std::unique_ptr<net::HttpsClient> https,
        std::chrono::milliseconds interval)
      : db(std::move(database)),
        outbox(db),
        cache(db),
        client(std::move(https)),
        backoff(interval) {}
};

SyncWorker::SyncWorker(const TerminalConfig& config, std::shared_ptr<LiveKeyring> keyring)
    : config_(config), keyring_(std::move(keyring)) {
  auto db = open_local_database(config.database);
  if (!db) {
    throw std::runtime_error("cannot open " + config.database.string() + ": " +
                             db.error().message());
  }
  // Several servers: a failed request goes to the next at once, the same batch with the same
  // event ids, so each event is still stored once (docs/protocol.md).
  auto options = failover_options(config, "sync");
  options.limits.max_body_bytes = kMaxChangesPageBytes;
  state_ = std::make_unique<State>(std::move(*db), net::FailoverClient::create(options),
                                   config.sync_interval);
}

SyncWorker::~SyncWorker() { stop(); }

void SyncWorker::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wakeup_.notify_one();
}

void SyncWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wakeup_.notify_one();
  if (thread_.joinable()) thread_.join();
}

namespace {

// True for the answers that say something in the request itself is wrong, as opposed to the
// server or the network: sending the same bytes again can never succeed.
bool refuses_the_content(unsigned status) { return status == 400 || status == 413; }

// Keeps the server's answer bounded in rejected_events and in the log.
std::string short_reason(const std::string& body) {
  constexpr std::size_t kMaxReason = 1000;
  return body.size() <= kMaxReason ? body : body.substr(0, kMaxReason) + "...";
}

// Sends batches until the outbox is empty or a request fails. A batch refused with 400 or
// 413 is sent again in halves, down to one event; an event refused on its own moves to
// rejected_events (Outbox::reject) and delivery goes on with full batches. Other failures
// (network, 403, 5xx) leave everything in the outbox for the next round.
Delivery deliver(Outbox& outbox, net::HttpsClient& client, std::chrono::milliseconds timeout) {
  std::size_t batch_size = kBatchSize;
  for (;;) {
    auto batch = outbox.oldest(batch_size);
    if (!batch) return Delivery::kFailed;
    if (batch->empty()) return Delivery::kAllSent;
    const auto response =
        client.request("POST", protocol::kPushEventsPath,
                       protocol::encode(protocol::PushEventsRequest{*batch}), timeout);
    if (!response) {
      spdlog::warn("sync: server unreachable ({}); {} event(s) wait in the outbox",
                   response.error().message(), batch->size());
      return Delivery::kFailed;
    }
    if (refuses_the_content(response->status) && batch->size() > 1) {
      batch_size = batch->size() / 2;
      spdlog::warn("sync: server refused {} event(s) with HTTP {}; trying {} at a time",
                   batch->size(), response->status, batch_size);
      continue;
    }
    if (refuses_the_content(response->status)) {
      const domain::Event& refused = batch->front();
      const Rejection why{response->status, short_reason(response->body), now_iso8601()};
      if (auto r = outbox.reject(refused.id, why); !r) {
        spdlog::error("sync: could not set aside refused event {}: {}", refused.id,
                      r.error().message());
        return Delivery::kFailed;
      }
      spdlog::error(
          "sync: server refused event {} with HTTP {}: {}; kept in rejected_events, "
          "not sent again",
          refused.id, why.http_status, why.reason);
      batch_size = kBatchSize;
      continue;
    }
    if (response->status != 200) {
      spdlog::error("sync: server refused the batch with HTTP {}: {}", response->status,
                    response->body);
      return Delivery::kFailed;
    }
    const auto acks = protocol::decode_push_events_response(response->body);
    if (!acks) {
      spdlog::error("sync: unreadable acknowledgement: {}", acks.error().message());
      return Delivery::kFailed;
    }
    // Only ids of this batch leave the outbox, whatever else the answer lists.
    std::vector<std::string> sent_and_acked;
    for (const auto& id : acks->acknowledged) {
      if (std::any_of(batch->begin(), batch->end(), [&](const auto& e) { return e.id == id; })) {
        sent_and_acked.push_back(id);
      }
    }
    if (auto r = outbox.acknowledge(sent_and_acked); !r) {
      // The events stay and are sent again; the server stores each id once.
      spdlog::error("sync: could not clear acknowledged events: {}", r.error().message());
      return Delivery::kFailed;
    }
    spdlog::info("sync: server acknowledged {} event(s)", sent_and_acked.size());
    if (sent_and_acked.empty()) return Delivery::kFailed;  // avoid a busy loop
  }
}

// Pulls the members changed since the cache's cursor, page by page, until the server says
// there is no more. Each page is applied with its cursor in one transaction, so a terminal
// cut off mid-catch-up goes on from the last page it stored.
bool pull_changes(MemberCache& cache, net::HttpsClient& client,
                  std::chrono::milliseconds timeout) {
  std::size_t pulled = 0;
  for (;;) {
    const auto cursor = cache.cursor();
    if (!cursor) {
      spdlog::error("sync: cannot read the pull cursor: {}", cursor.error().message());
      return false;
    }
    const std::string target = std::string(protocol::kChangesPath) + "?since=" + *cursor;
    const auto response = client.request("GET", target, "", timeout);
    if (!response) {
      spdlog::warn("sync: cannot pull changes ({}); using the local copy",
                   response.error().message());
      return false;
    }
    if (response->status != 200) {
      spdlog::error("sync: server refused the changes pull with HTTP {}: {}", response->status,
                    response->body);
      return false;
    }
    const auto page = protocol::decode_changes_page(response->body);
    if (!page) {
      spdlog::error("sync: unreadable changes: {}", page.error().message());
      return false;
    }
    if (auto r = cache.apply(*page); !r) {
      spdlog::error("sync: cannot store changed members: {}", r.error().message());
      return false;
    }
    pulled += page->members.size();
    if (!page->more) break;
  }
  if (pulled > 0) spdlog::info("sync: {} changed member(s) pulled", pulled);
  return true;
}

// Fetches the chain's public token keyring and, when it changed, stores it for the counter.
// A server without the endpoint (404, an older one) is not an error: the keys stay as they are.
bool pull_token_keys(LiveKeyring& live, const std::filesystem::path& file,
                     net::HttpsClient& client, std::chrono::milliseconds timeout) {
  const auto response = client.request("GET", protocol::kTokenKeysPath, "", timeout);
  if (!response) {
    spdlog::warn("sync: cannot pull the token keys ({}); keeping the ones we have",
                 response.error().message());
    return false;
  }
  if (response->status == 404) return true;
  if (response->status != 200) {
    spdlog::error("sync: server refused the token keys pull with HTTP {}: {}", response->status,
                  response->body);
    return false;
  }
  const auto answer = protocol::decode_token_keys_answer(response->body);
  if (!answer) {
    spdlog::error("sync: unreadable token keys: {}", answer.error().message());
    return false;
  }
  try {
    const auto changed = store_keyring(live, file, answer->keyring);
    if (!changed) {
      spdlog::error("sync: the server's token keyring is malformed: {}",
                    changed.error().message());
      return false;
    }
    if (*changed) {
      std::string keys;
      for (const auto id : live.current()->key_ids()) keys += " " + std::to_string(id);
      std::string retired;
      for (const auto id : answer->retired) retired += " " + std::to_string(id);
      spdlog::info("sync: new token keys stored in {}: keys{}; retired (cards refused):{}",
                   file.string(), keys, retired.empty() ? " none" : retired);
    }
  } catch (const std::exception& e) {
    spdlog::error("sync: cannot store the token keys: {}", e.what());
    return false;
  }
  return true;
}

}  // namespace

bool SyncWorker::probe(State& s) {
  const auto response = s.client->request("GET", kHealthPath, "", config_.request_timeout);
  return response && response->status == 200;
}

bool SyncWorker::pull(State& s) {
  if (!pull_changes(s.cache, *s.client, config_.request_timeout)) return false;
  if (!keyring_) return true;
  return pull_token_keys(*keyring_, keyring_file(config_.token_keys, config_.card_key), *s.client,
                         config_.request_timeout);
}

void SyncWorker::start() {
  // One bounded fetch before the counter opens, so the first customer is recognised even on
  // a fresh terminal. Offline, the terminal starts at once with whatever it has. Deliver
  // first: visits the server already stored (an acknowledgement lost before a restart) are
  // in its counts, and must leave the outbox before the new counts arrive, or they would be
  // counted twice at the counter until the next refresh.
  State& s = *state_;
  if (deliver(s.outbox, *s.client, config_.request_timeout) == Delivery::kAllSent && pull(s)) {
    s.next_refresh = Clock::now() + config_.members_refresh;
    online_.store(true);
  }
  thread_ = std::thread([this] { run(); });
}

void SyncWorker::run() {
  State& s = *state_;
  auto step = SyncBackoff::Step::kAttempt;
  for (;;) {
    if (step == SyncBackoff::Step::kProbe) {
      // Cheap: no batch, no pull. Answered, a full attempt follows at once (its success
      // forgets the backoff); not answered, the backoff stays as it was (sync_backoff.h).
      const bool answered = probe(s);
      s.backoff.probe_ended(answered);
      if (answered) {
        spdlog::info("sync: the server answers again; sending and pulling now");
        step = SyncBackoff::Step::kAttempt;
        continue;
      }
    } else {
      const auto now = Clock::now();
      bool ok = deliver(s.outbox, *s.client, config_.request_timeout) == Delivery::kAllSent;
      if (ok && now >= s.next_refresh) {
        ok = pull(s);
        if (ok) s.next_refresh = now + config_.members_refresh;
      }
      online_.store(ok);
      s.backoff.attempt_ended(ok, Clock::now(), s.jitter);
    }
    const auto next = s.backoff.next(Clock::now(), s.jitter);
    std::unique_lock lock(mutex_);
    const bool woken = wakeup_.wait_for(lock, next.wait, [this] { return woken_ || stopping_; });
    if (stopping_) break;
    woken_ = false;
    // Woken by an action at the counter during an outage: probe before a full attempt, so
    // the cashier's work never grows the backoff.
    step = woken && s.backoff.probing() ? SyncBackoff::Step::kProbe
           : woken                          ? SyncBackoff::Step::kAttempt
                                            : next.step;
  }

  // Clean stop: a last try to deliver, bounded, so a scripted session ends with its visits
  // on the server when it can. Whatever is left is sent at the next start.
  if (config_.drain_on_exit.count() > 0) {
    const auto left = s.outbox.size();
    if (left && *left > 0) {
      spdlog::info("sync: delivering {} event(s) before exit", *left);
      const auto deadline = Clock::now() + config_.drain_on_exit;
      while (Clock::now() < deadline) {
        const auto remaining =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (deliver(s.outbox, *s.client, std::min(remaining, config_.request_timeout)) ==
            Delivery::kAllSent) {
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
      if (const auto after = s.outbox.size(); after && *after > 0) {
        spdlog::warn("sync: {} event(s) stay in the outbox until the next start", *after);
      }
    }
  }
}

}  // namespace rapport::terminal
