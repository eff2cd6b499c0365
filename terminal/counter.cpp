// terminal/counter.cpp
#include "terminal/counter.h"

#include <spdlog/spdlog.h>

#include "shared/domain/event_id.h"
#include "shared/util/clock.h"
#include "shared/util/hex.h"
#include "terminal/signed_cards.h"

namespace rapport::terminal {
namespace {

std::string bad_read_advice(const ErrorCode& error) {
  if (error == card::CardErrc::kOtherIssuer) {
    return "not one of our cards: " + error.message() + " - ask for the membership card";
  }
  return "bad read: " + error.message() + " - scan again or type the number on the card";
}

// The later of the server's last visit and the newest visit still in the outbox.
std::optional<std::string> latest_of(const std::optional<std::string>& a,
                                     const std::optional<std::string>& b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);  // ISO 8601 UTC sorts as text
}

// What staff should know and the customer never sees: the value tier and, for a valuable
// member who is slipping away, a nudge (docs/value-engine.md).
std::string staff_hint(const domain::Member& member) {
  if (!member.value_tier) return "";
  std::string hint = " [staff: " + *member.value_tier;
  if (member.at_risk) {
    hint += ", AT RISK";
    if (member.rhythm_days) {
      hint += " (usually every " + std::to_string(static_cast<long>(*member.rhythm_days + 0.5)) +
              " days)";
    }
    hint += " - make them feel welcome";
  }
  return hint + "]";
}

// What the customer may hear: their reward tier and points as the server last sent them
// (docs/rewards.md); nothing for a server without rewards.
std::string rewards_note(const domain::Member& member) {
  const std::int64_t points = member.points_balance.value_or(0);
  if (!member.reward_tier && points == 0) return "";
  std::string note = " - ";
  if (member.reward_tier) note += *member.reward_tier + ", ";
  return note + std::to_string(points) + " points";
}

// The usual order and the newest note, for the cashier to bring up (docs/offers.md, "Notes
// and the usual order at every counter").
std::string relationship_note(const domain::Member& member,
                              const std::vector<domain::MemberNote>& notes) {
  std::string note;
  if (member.usual_order) note += " - usual: " + *member.usual_order;
  if (!notes.empty()) {
    const auto& last = notes.front();
    note += " - last time: " + last.text + " (" + last.topic + ", " +
            last.noted_at.substr(0, 10) +
            (last.store_id.empty() ? std::string(" here") : " at " + last.store_id) +
            ") - ask how it was";
  }
  return note;
}

}  // namespace

ScanResult Counter::scan_chip(std::string_view uid_hex, std::span<const std::uint8_t> memory,
                             std::chrono::system_clock::time_point now,
                             const AlsoInTransaction& also) {
  const auto uid = from_hex(uid_hex);
  if (!uid) {
    return {ScanOutcome::kBadRead, "unreadable card - tap again", std::nullopt, std::nullopt, 0};
  }
  const auto verified =
      verify_chip_token(*token_keys_->current(), memory, *uid, identity_.issuer_prefix);
  if (!verified) {
    spdlog::warn("contactless card {} refused: {}", uid_hex, verified.error().message());
    return {ScanOutcome::kRefusedToken, token_refusal_advice(verified.error()), std::nullopt,
            std::nullopt, 0};
  }
  return recognise(verified->number.digits(), verified->member_id, now, also);
}

ScanResult Counter::scan(std::string_view raw, std::chrono::system_clock::time_point now,
                         const AlsoInTransaction& also) {
  // A signed member token is checked offline first; a genuine one goes on as its card number.
  if (card::is_member_token_text(raw)) {
    const auto verified = verify_token_text(*token_keys_->current(), raw, identity_.issuer_prefix);
    if (!verified) {
      spdlog::warn("member token refused ({} characters): {}", raw.size(),
                   verified.error().message());
      return {ScanOutcome::kRefusedToken, token_refusal_advice(verified.error()), std::nullopt,
              std::nullopt, 0};
    }
    return recognise(verified->number.digits(), verified->member_id, now, also);
  }
  return recognise(raw, std::nullopt, now, also);
}

std::variant<ReadCard, ScanResult> Counter::read_card(std::string_view raw) {
  std::string digits(raw);
  std::optional<std::int64_t> token_member;
  if (card::is_member_token_text(raw)) {
    const auto verified = verify_token_text(*token_keys_->current(), raw, identity_.issuer_prefix);
    if (!verified) {
      return ScanResult{ScanOutcome::kRefusedToken, token_refusal_advice(verified.error()),
                        std::nullopt, std::nullopt, 0};
    }
    digits = verified->number.digits();
    token_member = verified->member_id;
  }
  const auto number = card::CardNumber::parse(digits, identity_.issuer_prefix);
  if (!number) {
    return ScanResult{ScanOutcome::kBadRead, bad_read_advice(number.error()), std::nullopt,
                      std::nullopt, 0};
  }
  ReadCard read{key_.token_for(*number), number->last4(), std::nullopt};
  look_up_unknown_card(read.token);
  const auto holder = cache_.find_by_token(read.token);
  if (!holder) {
    return ScanResult{ScanOutcome::kNotRecorded,
                      "member cache unreadable (" + holder.error().message() + ") - try again",
                      std::nullopt, std::nullopt, 0};
  }
  if (auto refused = refusal(*holder, token_member)) return *refused;
  read.holder = *holder;
  return read;
}

std::optional<ScanResult> Counter::refusal(const std::optional<CardHolder>& found,
                                           std::optional<std::int64_t> token_member) {
  if (found && found->card.status == domain::CardStatus::kBlocked) {
    return ScanResult{ScanOutcome::kBlockedCard,
                      "card ending " + found->card.last4 +
                          " is BLOCKED (reported lost or replaced) - "
                          "do not accept it; ask " +
                          found->member.name + " for their current card",
                      found, std::nullopt, 0};
  }
  // The token is genuine, but the chain has since given this card to someone else (a card
  // re-assigned): greeting the member the card now belongs to would be as wrong as greeting
  // the one the token names. Nothing is recorded.
  if (found && token_member && found->member.id != *token_member) {
    spdlog::warn("card ending {}: its token names member {} but the card belongs to member {}",
                 found->card.last4, *token_member, found->member.id);
    return ScanResult{ScanOutcome::kRefusedToken,
                      "card REFUSED: card ending " + found->card.last4 +
                          " now belongs to another member than its chip or code says - do not "
                          "accept it; ask for the member's current card, or have this card "
                          "re-issued",
                      std::nullopt, std::nullopt, 0};
  }
  return std::nullopt;
}

ScanResult Counter::recognise(std::string_view raw, std::optional<std::int64_t> token_member,
                              std::chrono::system_clock::time_point now,
                              const AlsoInTransaction& also) {
  const auto number = card::CardNumber::parse(raw, identity_.issuer_prefix);
  if (!number) {
    spdlog::info("bad card read ({} characters): {}", raw.size(), number.error().message());
    return {ScanOutcome::kBadRead, bad_read_advice(number.error()), std::nullopt, std::nullopt, 0};
  }
  const std::string token = key_.token_for(*number);
  look_up_unknown_card(token);  // before the transaction: it may wait on the network
  auto tx = storage::Transaction::begin(db_);
  if (!tx) {
    spdlog::error("could not start recording the visit: {}", tx.error().message());
    return {ScanOutcome::kNotRecorded,
            "visit NOT recorded (" + tx.error().message() + ") - scan again", std::nullopt,
            std::nullopt, 0};
  }
  const auto holder = cache_.find_by_token(token);
  if (!holder) {
    // The cache is unreadable: still record the visit against the card, as for an unknown one.
    spdlog::error("member cache lookup failed: {}", holder.error().message());
  }
  const std::optional<CardHolder> found = holder ? *holder : std::nullopt;
  if (auto refused = refusal(found, token_member)) return *refused;
  auto result = record_visit(token, found, number->last4(), now);
  result.card_token = token;
  result.card_last4 = number->last4();
  if (result.event_id && also) {
    if (auto extra = also(result); !extra) {
      spdlog::error("could not record the visit's companion rows: {}", extra.error().message());
      return {ScanOutcome::kNotRecorded,
              "visit NOT recorded (" + extra.error().message() + ") - scan again",
              result.holder, std::nullopt, 0};
    }
  }
  if (result.event_id) {
    if (auto committed = tx->commit(); !committed) {
      spdlog::error("could not commit the visit: {}", committed.error().message());
      return {ScanOutcome::kNotRecorded,
              "visit NOT recorded (" + committed.error().message() +
                  ") - the terminal needs attention; scan again",
              result.holder, std::nullopt, 0};
    }
  }
  return result;
}

void Counter::look_up_unknown_card(const std::string& token) {
  if (lookup_ == nullptr) return;
  const auto local = cache_.find_by_token(token);
  if (!local || *local) return;
  const auto member = lookup_->find(token);
  if (!member) return;
  if (auto stored = cache_.upsert(*member); !stored) {
    spdlog::error("could not cache member {} from the server: {}", member->id,
                  stored.error().message());
  }
}

ScanResult Counter::record_visit(const std::string& token, const std::optional<CardHolder>& holder,
                                 const std::string& last4,
                                 std::chrono::system_clock::time_point now) {
  ScanResult result;
  result.holder = holder;
  PendingVisits pending;
  if (holder) {
    if (auto p = outbox_.pending_visits(holder->member.id); p) pending = *p;
  }

  domain::Event event;
  event.id = domain::new_event_id();
  event.kind = domain::EventKind::kVisit;
  event.terminal_id = identity_.terminal_id;
  event.store_id = identity_.store_id;
  event.card_token = token;
  if (holder) event.member_id = holder->member.id;
  event.occurred_at = to_iso8601(now);

  if (auto appended = outbox_.append(event); !appended) {
    spdlog::error("could not record the visit: {}", appended.error().message());
    result.outcome = ScanOutcome::kNotRecorded;
    result.message = "visit NOT recorded (" + appended.error().message() +
                     ") - the terminal needs attention; scan again";
    return result;
  }
  result.event_id = event.id;

  if (!holder) {
    result.outcome = ScanOutcome::kUnknownCard;
    result.message =
        "unknown card ending " + last4 + " - visit recorded; offer to enroll the customer";
    return result;
  }
  const auto& member = holder->member;
  result.outcome = ScanOutcome::kMember;
  result.visit_number = member.visit_count + pending.count + 1;
  std::string message =
      "welcome back, " + member.name + " - visit " + std::to_string(result.visit_number);
  const auto last = latest_of(member.last_visit, pending.latest);
  result.last_visit = last;
  if (const auto when = last ? from_iso8601(*last) : std::nullopt; when) {
    message += ", last visit " + describe_age(*when, now);
  } else {
    message = "welcome, " + member.name + " - first visit";
  }
  std::vector<domain::MemberNote> notes;
  if (auto found = cache_.notes_to_show(member.id, token, 1); found) {
    notes = std::move(*found);
  } else {
    spdlog::error("cannot read the notes of member {}: {}", member.id, found.error().message());
  }
  result.message = message + " - visit recorded" + rewards_note(member) +
                   relationship_note(member, notes) + staff_hint(member);
  return result;
}

}  // namespace rapport::terminal
