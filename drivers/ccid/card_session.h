// drivers/ccid/card_session.h
//
// What one tap asks of a contactless card, as a sequence of CCID commands: power the slot,
// get the UID, read the user memory 16 bytes at a time; or, at enrollment, check the UID,
// write the pages and read them back. Pure and sans-I/O: start() gives the first command,
// each reply (already judged by CcidLink) gives the next, until the session ends with the
// card's contents or one typed error. The USB device drives it from libusb callbacks;
// run_session() (ccid_transport.h) drives it from a blocking transport.
//
// A card that leaves the field part-way (no card, card mute, a failed read) ends the session
// with CcidErrc::kCardMoved and nothing of the card: never a half-read member.

#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "drivers/ccid/ccid_message.h"

namespace rapport::drivers::ccid {

// Where a card type keeps the bytes Rapport reads and writes.
struct CardLayout {
  std::uint8_t first_user_page = 4;
  std::uint8_t user_pages = 36;
  [[nodiscard]] std::size_t user_bytes() const { return std::size_t{user_pages} * 4; }
};
// NTAG213: user pages 4-39, 144 bytes. Read in 9 Read Binary commands.
inline constexpr CardLayout kNtag213{4, 36};

struct CardContents {
  Bytes uid;          // 4, 7 or 10 bytes: identifies the card, does not authenticate it
  Bytes user_memory;  // layout.user_bytes() bytes from the first user page on
};

// After start() or a reply: the next command to send, or the end (contents or error).
struct SessionStep {
  std::optional<Command> next;
  std::optional<CardContents> card;
  ErrorCode error;
};

class CardSession {
 public:
  enum class Kind { kRead, kWrite };

  // Power on, UID, the whole user memory.
  [[nodiscard]] static CardSession read(CardLayout layout = kNtag213);
  // Power on, UID (must be `expected_uid`, else kWrongCard), `data` written page by page from
  // the first user page (zero-padded to a whole page), then the whole user memory read back:
  // the session ends with the contents read back, or kWriteNotKept if they differ. Fails at
  // once with kBadWriteRequest when `data` is empty or longer than the user memory.
  [[nodiscard]] static Result<CardSession> write(Bytes expected_uid, Bytes data,
                                                 CardLayout layout = kNtag213);

  [[nodiscard]] Kind kind() const { return kind_; }
  [[nodiscard]] const CardLayout& layout() const { return layout_; }

  // The first command. Requires: called once, before on_reply().
  [[nodiscard]] Command start();
  // The reply to the last command (or the link's error for it). Requires: the session has
  // not ended.
  [[nodiscard]] SessionStep on_reply(const Result<Reply>& reply);

 private:
  enum class Phase { kPowerOn, kUid, kWrite, kRead, kDone };

  CardSession(Kind kind, CardLayout layout) : kind_(kind), layout_(layout) {}
  [[nodiscard]] SessionStep fail(ErrorCode error);
  [[nodiscard]] SessionStep after_uid();
  [[nodiscard]] SessionStep next_read();
  [[nodiscard]] SessionStep next_write();
  [[nodiscard]] SessionStep finish();

  Kind kind_;
  CardLayout layout_;
  Phase phase_ = Phase::kPowerOn;
  Bytes expected_uid_;
  Bytes to_write_;           // whole pages
  std::size_t written_ = 0;  // pages written so far
  CardContents card_;
};

}  // namespace rapport::drivers::ccid
