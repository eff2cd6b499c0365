// terminal/card_lookup.h
//
// Looks up a card the terminal's store does not know on the server, with a short deadline
// (docs/protocol.md, "GET /sync/v1/cards/TOKEN"): a member of another store is greeted by
// name, and a card blocked elsewhere is refused. Past the deadline, or offline, the counter
// goes on without it and records the visit against the card; the server resolves it later.
//
// Threading: one thread (the counter's); its own connection to the server.

#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "shared/domain/member.h"
#include "terminal/terminal_config.h"

namespace rapport::terminal {

class CardLookup {
 public:
  virtual ~CardLookup() = default;
  // The member holding `token`, or nullopt: unknown to the server, or no answer within the
  // deadline. Never waits longer than the deadline.
  [[nodiscard]] virtual std::optional<domain::Member> find(const std::string& token) = 0;
};

// Over HTTPS with config.card_lookup_timeout; nullptr when that is 0 (lookup off).
// After a network failure it does not try again for a short while, so an offline terminal
// greets unknown cards at once instead of waiting out the deadline each time.
// Throws std::runtime_error (start-up) when the TLS files cannot be loaded.
[[nodiscard]] std::unique_ptr<CardLookup> make_server_card_lookup(const TerminalConfig& config);

}  // namespace rapport::terminal
