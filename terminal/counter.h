// terminal/counter.h
//
// What happens at the counter when a card is read: validate the number, turn it into a
// token, recognise the member from the local cache, record the visit in the outbox, and
// say what the cashier should see. No network here: recognition never waits on it.
//
// Thread-safety: one thread (the counter loop) with its own Database connection.

#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>

#include "shared/card/card_key.h"
#include "shared/card/token_keyring.h"
#include "shared/util/result.h"
#include "terminal/card_lookup.h"
#include "terminal/live_keyring.h"
#include "terminal/member_cache.h"
#include "terminal/outbox.h"

namespace rapport::terminal {

enum class ScanOutcome {
  kMember = 1,    // a known member: greeted, visit recorded
  kUnknownCard,   // a valid card this store does not know: visit recorded against the card
  kBlockedCard,   // a known card that was blocked (lost, replaced): refused, nothing recorded
  kBadRead,       // not a valid card number of this chain: nothing recorded
  kNotRecorded,   // the visit could not be written (disk full, ...): tell the cashier
  kRefusedToken,  // a signed card token that is not genuine (altered, forged, copied, unknown
                  // or retired key; terminal/signed_cards.h), or a genuine one naming another
                  // member than the one the card now belongs to: refused, nothing recorded
};

struct ScanResult {
  ScanOutcome outcome = ScanOutcome::kBadRead;
  std::string message;                  // one line for the cashier
  std::optional<CardHolder> holder;     // for kMember and kBlockedCard
  std::optional<std::string> event_id;  // set when a visit was recorded
  std::int64_t visit_number = 0;        // this visit's number, counting pending ones
  // The member's visit before this one (ISO 8601), counting pending ones; for the screen.
  std::optional<std::string> last_visit{};
  // The card that was read, when its number was valid: for the cashier screen's actions on
  // it (enroll it, note something about its holder). Never shown.
  std::optional<std::string> card_token{};
  std::string card_last4{};
};

// A card read resolved as scan() does, with nothing recorded (terminal/sales.h, the POS API).
struct ReadCard {
  std::string token;                  // CardKey::token_for() of the card number
  std::string last4;
  std::optional<CardHolder> holder;   // nullopt: a valid card this store does not know
};

// Runs inside scan()'s transaction once its event is appended, before the commit: a failure
// rolls the visit back (scan() then answers kNotRecorded). The POS API stores its
// idempotency record here, so a visit and its record commit together or not at all.
using AlsoInTransaction = std::function<Result<void>(const ScanResult&)>;

class Counter {
 public:
  struct Identity {
    std::string terminal_id;
    std::string store_id;
    std::string issuer_prefix;
  };

  // Requires: db, cache, outbox and lookup (when given) outlive the counter; cache and
  // outbox work on `db`. `token_keys` verify signed member tokens (terminal.toml [cards]
  // token_keys; the SyncWorker may replace them at any time and the next card uses the new
  // ones); with none, every token is refused as signed by an unknown key. Without a lookup,
  // cards the cache does not know are unknown.
  Counter(Identity identity, card::CardKey key, storage::Database& db, MemberCache& cache,
          Outbox& outbox, std::shared_ptr<const LiveKeyring> token_keys = nullptr,
          CardLookup* lookup = nullptr)
      : identity_(std::move(identity)),
        key_(std::move(key)),
        token_keys_(token_keys ? std::move(token_keys) : std::make_shared<const LiveKeyring>()),
        db_(db),
        cache_(cache),
        outbox_(outbox),
        lookup_(lookup) {}

  // Handles one raw card read: a card number, or a signed member token's text, which is
  // verified first and then recognised by the card number it carries (and refused when the
  // card now belongs to another member than the token names: a re-assigned card). A visit is durable in the
  // outbox before this returns a result that says it was recorded. Lookup, pending count and append
  // form one transaction, so an acknowledgement committed by the sync worker in between cannot make
  // the visit number shown wrong.
  [[nodiscard]] ScanResult scan(std::string_view raw, std::chrono::system_clock::time_point now,
                                const AlsoInTransaction& also = {});

  // The card a raw read names, checked as scan() checks it (bad read, refused token,
  // blocked card, re-assigned card answer the ScanResult scan() would), recording nothing.
  [[nodiscard]] std::variant<ReadCard, ScanResult> read_card(std::string_view raw);

  // A contactless card tapped on a CCID reader: its UID (hex, as the driver reports it) and
  // user memory. The UID alone proves nothing (docs/cards.md): the card counts only when its
  // memory holds a member token that verifies offline and is bound to this chip, and then
  // goes on as scan() of the card number the token carries, with the same member check
  // (and `also`, as scan()'s).
  [[nodiscard]] ScanResult scan_chip(std::string_view uid_hex,
                                     std::span<const std::uint8_t> memory,
                                     std::chrono::system_clock::time_point now,
                                     const AlsoInTransaction& also = {});

 private:
  // A valid card number (from a verified token carrying `token_member`, or typed/scanned).
  ScanResult recognise(std::string_view raw, std::optional<std::int64_t> token_member,
                       std::chrono::system_clock::time_point now,
                       const AlsoInTransaction& also = {});
  // The refusal scan() answers for a card that is blocked or now held by another member
  // than its verified token names; nullopt when the card may be used.
  static std::optional<ScanResult> refusal(const std::optional<CardHolder>& found,
                                           std::optional<std::int64_t> token_member);
  // Asks the server about a card the cache does not know, and caches what it says.
  void look_up_unknown_card(const std::string& token);
  ScanResult record_visit(const std::string& token, const std::optional<CardHolder>& holder,
                          const std::string& last4, std::chrono::system_clock::time_point now);

  Identity identity_;
  card::CardKey key_;
  std::shared_ptr<const LiveKeyring> token_keys_;  // never null
  storage::Database& db_;
  MemberCache& cache_;
  Outbox& outbox_;
  CardLookup* lookup_;
};

}  // namespace rapport::terminal
