// terminal/chip_enrollment.h
//
// Writing a member's signed token to a blank contactless card at the counter (docs/cards.md,
// "Writing a card at the counter"). The private keys stay on the server, so the terminal
// asks it to sign a token for (card number, chip UID) over its mutual-TLS sync connection
// (POST /sync/v1/member-tokens), writes the token with ReaderControl::write_card, reads the
// card back and verifies it offline with its own keyring before it says the card is done.
// Any failure leaves a card that does not verify at the counter: a half-written card never
// counts.
//
// The cashier starts it at the counter prompt (until the cashier's screen, issue 9):
//   write-card 6275 9912 3456 7894     then tap the blank card;  cancel  to stop waiting.
//
// Threading: one thread (the counter loop).

#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/card_reader.h"
#include "drivers/reader_control.h"
#include "shared/card/card_number.h"
#include "shared/card/token_keyring.h"
#include "shared/protocol/card_messages.h"
#include "terminal/live_keyring.h"
#include "terminal/terminal_config.h"

namespace rapport::terminal {

// Signs tokens: the server. Errors: ChipWriteErrc kOffline, kUnknownCard, kCardBlocked,
// kServerRefused.
class MemberTokenIssuer {
 public:
  virtual ~MemberTokenIssuer() = default;
  [[nodiscard]] virtual Result<protocol::MemberTokenAnswer> issue(const card::CardNumber& number,
                                                                  std::string_view uid_hex) = 0;
};

// Over HTTPS to config's server with the terminal's certificate, each request bounded by
// config.request_timeout. Throws std::runtime_error (start-up) when the TLS files cannot be
// loaded.
[[nodiscard]] std::unique_ptr<MemberTokenIssuer> make_server_token_issuer(
    const TerminalConfig& config);

// The whole job for one tapped card: refuse a chip holding another card's token (kNotBlank),
// get the token signed, write it and read it back (within `timeout`), verify the card as read
// back with `keys`, bound to this chip, for `number` and the member the server named.
// Returns what the read-back card proves. Errors: ChipWriteErrc, drivers::CcidErrc (the card
// pulled away, write refused, read back different...), ReaderErrc, card::TokenErrc (the
// card as read back does not verify: kUnknownKey when the terminal lacks the signing key).
[[nodiscard]] Result<card::VerifiedMemberToken> write_member_chip(
    MemberTokenIssuer& issuer, drivers::ReaderControl& control, const card::TokenKeyring& keys,
    std::string_view issuer_prefix, const card::CardNumber& number, const drivers::CardRead& tap,
    std::chrono::milliseconds timeout);

// One line for the cashier after a failed write: what happened, that the card is NOT
// enrolled, and what to do.
[[nodiscard]] std::string chip_write_advice(const ErrorCode& error);

// The counter prompt's card-writing commands, and the one tap they wait for.
class ChipEnrollmentDesk {
 public:
  // Requires: issuer and keys outlive the desk; control may be null (no writing reader).
  ChipEnrollmentDesk(std::string issuer_prefix, std::shared_ptr<const LiveKeyring> keys,
                     MemberTokenIssuer& issuer, drivers::ReaderControl* control,
                     std::chrono::milliseconds write_timeout = std::chrono::seconds(5))
      : issuer_prefix_(std::move(issuer_prefix)),
        keys_(std::move(keys)),
        issuer_(issuer),
        control_(control),
        write_timeout_(write_timeout) {}

  // A typed line. "write-card NUMBER" waits for the next tap; "cancel" stops waiting. Returns
  // the answer for the cashier, or nullopt when the line is not a desk command (a card number
  // typed as usual).
  [[nodiscard]] std::optional<std::string> command(std::string_view line);

  // True while a write-card command waits for its tap.
  [[nodiscard]] bool waiting() const { return pending_.has_value(); }

  struct Outcome {
    bool enrolled = false;
    std::string message;  // one line for the cashier
  };
  // The tap that write-card waited for. Requires: waiting(). Waits no longer afterwards,
  // whatever the outcome (type write-card again to retry).
  [[nodiscard]] Outcome write(const drivers::CardRead& tap);

 private:
  std::string issuer_prefix_;
  std::shared_ptr<const LiveKeyring> keys_;
  MemberTokenIssuer& issuer_;
  drivers::ReaderControl* control_;
  std::chrono::milliseconds write_timeout_;
  std::optional<card::CardNumber> pending_;
};

}  // namespace rapport::terminal
