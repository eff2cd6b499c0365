// terminal/sync_worker.h
//
// The terminal's background sync: sends the outbox to the server in batches and deletes
// what the server acknowledged; pulls the members changed since its cursor, and the chain's
// public token keyring (GET /sync/v1/token-keys, stored with store_keyring() so the counter
// verifies with the new keys at once), at start and then every members_refresh. While the
// server is away it retries with exponential backoff and jitter, and probes it every few
// seconds so it is back online within seconds of the server's return (sync_backoff.h).
// An event the server refuses on its own (400/413) is set aside in rejected_events so it
// does not hold back the rest (docs/protocol.md, "Refused events").
// The counter never waits for it.
//
// Threading: owns one thread and its own Database connection; wake() and stop() may be
// called from any thread.

#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "terminal/live_keyring.h"
#include "terminal/sync_backoff.h"
#include "terminal/terminal_config.h"

namespace rapport::terminal {

class SyncWorker {
 public:
  // Throws std::runtime_error (start-up) when the database or TLS files cannot be opened.
  // `keyring`, when given, receives the server's token keyring (written to
  // keyring_file(config.token_keys, config.card_key) first); it must be the counter's.
  explicit SyncWorker(const TerminalConfig& config,
                      std::shared_ptr<LiveKeyring> keyring = nullptr);
  ~SyncWorker();  // stop()s if still running

  // Delivers and pulls changed members once (each request bounded by the request timeout;
  // offline it goes on with the local copy), then starts the thread.
  void start();
  // Sends soon rather than at the next interval (a visit was just recorded).
  void wake();
  // Tries to deliver what is left for up to config.drain_on_exit, then joins the thread.
  void stop();
  // Whether the last delivery and pull reached the server (the cashier screen's offline
  // indicator). False until the first attempt ends. Any thread.
  [[nodiscard]] bool online() const { return online_.load(); }

 private:
  struct State;  // the client, database, outbox and cache; lives on the worker thread
  void run();
  // Pulls changed members, then the token keyring; false when either failed.
  bool pull(State& s);
  // True when the server answers its health check.
  bool probe(State& s);

  TerminalConfig config_;
  std::shared_ptr<LiveKeyring> keyring_;  // may be null: keys are then not pulled
  std::unique_ptr<State> state_;
  std::thread thread_;

  std::mutex mutex_;
  std::condition_variable wakeup_;
  bool woken_ = false;     // guarded by mutex_
  bool stopping_ = false;  // guarded by mutex_
  std::atomic<bool> online_{false};
};

}  // namespace rapport::terminal
