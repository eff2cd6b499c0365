// tests/support/ccid_responder.cpp
#include "tests/support/ccid_responder.h"

#include <algorithm>

namespace rapport::testing {
namespace {

constexpr std::uint8_t kDataBlock = 0x80;
constexpr std::uint8_t kSlotStatus = 0x81;
constexpr std::uint8_t kEscapeReply = 0x83;
constexpr std::uint8_t kCardActive = 0x00;
constexpr std::uint8_t kCardInactive = 0x01;
constexpr std::uint8_t kNoCard = 0x02;
constexpr std::uint8_t kFailed = 0x40;
constexpr std::uint8_t kTimeExtension = 0x80;
constexpr std::uint8_t kIccMute = 0xFE;
constexpr std::size_t kPages = 45;

// The ATR a PC/SC contactless reader synthesises for a MIFARE Ultralight / NTAG card.
const Bytes kAtr = {0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00,
                    0x03, 0x06, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x68};

Bytes sw(std::uint8_t sw1, std::uint8_t sw2) { return {sw1, sw2}; }

}  // namespace

NtagCard NtagCard::blank(Bytes uid) {
  NtagCard card;
  card.uid = uid;
  std::copy(uid.begin(), uid.begin() + std::min<std::ptrdiff_t>(8, std::ssize(uid)),
            card.pages.begin());
  const Bytes capability = {0xE1, 0x10, 0x12, 0x00};  // NDEF, 144 bytes
  std::copy(capability.begin(), capability.end(), card.pages.begin() + 12);
  return card;
}

Bytes NtagCard::user_memory() const { return Bytes(pages.begin() + 16, pages.begin() + 160); }

Bytes ccid_reply(std::uint8_t type, std::uint8_t sequence, std::uint8_t status, std::uint8_t error,
                 const Bytes& data) {
  const auto n = static_cast<std::uint32_t>(data.size());
  Bytes out = {type,
               static_cast<std::uint8_t>(n & 0xFF),
               static_cast<std::uint8_t>((n >> 8) & 0xFF),
               static_cast<std::uint8_t>((n >> 16) & 0xFF),
               static_cast<std::uint8_t>(n >> 24),
               0x00,
               sequence,
               status,
               error,
               0x00};
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void CcidResponder::place(NtagCard card) {
  std::lock_guard lock(mutex_);
  card_ = std::move(card);
  powered_ = false;
  absent_by_status_word_ = false;
}

void CcidResponder::remove() {
  std::lock_guard lock(mutex_);
  card_.reset();
  powered_ = false;
}

void CcidResponder::remove_after(int after, bool status_word) {
  std::lock_guard lock(mutex_);
  remove_countdown_ = after;
  remove_with_status_word_ = status_word;
}

void CcidResponder::inject(CcidFault fault, int after) {
  std::lock_guard lock(mutex_);
  fault_ = fault;
  fault_countdown_ = after;
}

std::optional<NtagCard> CcidResponder::card() const {
  std::lock_guard lock(mutex_);
  return card_;
}

std::optional<NtagCard> CcidResponder::removed_card() const {
  std::lock_guard lock(mutex_);
  return removed_;
}

std::vector<Bytes> CcidResponder::signals() const {
  std::lock_guard lock(mutex_);
  return signals_;
}

int CcidResponder::xfr_blocks() const {
  std::lock_guard lock(mutex_);
  return xfr_blocks_;
}

int CcidResponder::slot_status_polls() const {
  std::lock_guard lock(mutex_);
  return polls_;
}

std::vector<Bytes> CcidResponder::answer(std::span<const std::uint8_t> message) {
  std::lock_guard lock(mutex_);
  if (message.size() < 10) return {};
  const std::uint8_t type = message[0];
  const std::uint8_t seq = message[6];
  const Bytes data(message.begin() + 10, message.end());
  const auto card_state = [&] {
    if (!card_) return kNoCard;
    return powered_ ? kCardActive : kCardInactive;
  };
  switch (type) {
    case 0x65:  // GetSlotStatus
      ++polls_;
      return {ccid_reply(kSlotStatus, seq, card_state(), 0)};
    case 0x63:  // IccPowerOff
      powered_ = false;
      return {ccid_reply(kSlotStatus, seq, card_state(), 0)};
    case 0x62:  // IccPowerOn
      if (!card_) return {ccid_reply(kDataBlock, seq, kFailed | kNoCard, kIccMute)};
      powered_ = true;
      return {ccid_reply(kDataBlock, seq, kCardActive, 0, kAtr)};
    case 0x6B:  // Escape: the ACS LED/buzzer pseudo-APDU
      if (data.size() >= 3 && data[0] == 0xFF && data[1] == 0x00 && data[2] == 0x40) {
        signals_.push_back(data);
        return {ccid_reply(kEscapeReply, seq, card_state(), 0, sw(0x90, 0x02))};
      }
      return {ccid_reply(kEscapeReply, seq, card_state(), 0, sw(0x63, 0x00))};
    case 0x6F:
      break;
    default:
      return {ccid_reply(kSlotStatus, seq, kFailed | card_state(), 0x00)};  // not supported
  }

  ++xfr_blocks_;
  if (remove_countdown_ && (*remove_countdown_)-- == 0) {
    remove_countdown_.reset();
    removed_ = std::move(card_);
    card_.reset();
    powered_ = false;
    absent_by_status_word_ = remove_with_status_word_;
  }
  std::optional<CcidFault> fault;
  if (fault_ && fault_countdown_-- == 0) {
    fault = fault_;
    fault_.reset();
  }
  if (fault == CcidFault::kSilent) return {};
  if (fault == CcidFault::kMalformed) return {Bytes{kDataBlock, 0x02, 0x00, 0x00}};
  const std::uint8_t reply_seq =
      fault == CcidFault::kWrongSequence ? static_cast<std::uint8_t>(seq + 1) : seq;
  std::vector<Bytes> replies;
  if (fault == CcidFault::kTimeExtension) {
    replies.push_back(ccid_reply(kDataBlock, seq, kTimeExtension | card_state(), 0x01));
  }
  if (!card_) {
    if (absent_by_status_word_) {
      replies.push_back(ccid_reply(kDataBlock, reply_seq, kCardActive, 0, sw(0x63, 0x00)));
    } else {
      replies.push_back(ccid_reply(kDataBlock, reply_seq, kFailed | kNoCard, kIccMute));
    }
    return replies;
  }
  Bytes response = answer_apdu(data);
  if (fault == CcidFault::kTruncatedData && response.size() == 18) {
    response.erase(response.begin() + 8, response.begin() + 16);
  }
  replies.push_back(ccid_reply(kDataBlock, reply_seq, card_state(), 0, response));
  return replies;
}

Result<void> MemoryCcidTransport::send(std::span<const std::uint8_t> message) {
  for (auto& reply : reader_.answer(message)) replies_.push_back(std::move(reply));
  return {};
}

Result<Bytes> MemoryCcidTransport::receive() {
  if (replies_.empty()) return drivers::CcidErrc::kTimeout;
  Bytes next = std::move(replies_.front());
  replies_.pop_front();
  return next;
}

Bytes CcidResponder::answer_apdu(std::span<const std::uint8_t> apdu) {
  if (apdu.size() < 5 || apdu[0] != 0xFF) return sw(0x6E, 0x00);  // class not supported
  const std::uint8_t ins = apdu[1];
  const std::size_t page = apdu[3];
  if (ins == 0xCA && apdu[2] == 0x00) {
    Bytes out = card_->uid;
    out.insert(out.end(), {0x90, 0x00});
    return out;
  }
  if (ins == 0xB0 && apdu[4] == 16) {
    if (page >= kPages) return sw(0x63, 0x00);
    Bytes out;
    for (std::size_t i = 0; i < 16; ++i) out.push_back(card_->pages[(page * 4 + i) % (kPages * 4)]);
    out.insert(out.end(), {0x90, 0x00});
    return out;
  }
  if (ins == 0xD6 && apdu[4] == 4 && apdu.size() == 9) {
    if (page < 4 || page > 39) return sw(0x63, 0x00);
    std::copy(apdu.begin() + 5, apdu.end(),
              card_->pages.begin() + static_cast<std::ptrdiff_t>(page * 4));
    return sw(0x90, 0x00);
  }
  return sw(0x6A, 0x81);
}

}  // namespace rapport::testing
