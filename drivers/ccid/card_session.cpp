// drivers/ccid/card_session.cpp
#include "drivers/ccid/card_session.h"

#include <algorithm>

#include "drivers/ccid/apdu.h"

namespace rapport::drivers::ccid {
namespace {

bool is_valid_uid_length(std::size_t n) { return n == 4 || n == 7 || n == 10; }

// Errors that, once the card has been found, mean it left the field (or is leaving it).
bool means_card_left(const ErrorCode& error) {
  return error == CcidErrc::kNoCard || error == CcidErrc::kCardMute ||
         error == CcidErrc::kTransmission || error == CcidErrc::kCardOperationFailed ||
         error == CcidErrc::kCardInactive;
}

}  // namespace

CardSession CardSession::read(CardLayout layout) { return CardSession(Kind::kRead, layout); }

Result<CardSession> CardSession::write(Bytes expected_uid, Bytes data, CardLayout layout) {
  if (data.empty() || data.size() > layout.user_bytes()) return CcidErrc::kBadWriteRequest;
  data.resize((data.size() + kPageBytes - 1) / kPageBytes * kPageBytes, 0);
  CardSession session(Kind::kWrite, layout);
  session.expected_uid_ = std::move(expected_uid);
  session.to_write_ = std::move(data);
  return session;
}

Command CardSession::start() {
  phase_ = Phase::kPowerOn;
  return power_on();
}

SessionStep CardSession::fail(ErrorCode error) {
  phase_ = Phase::kDone;
  card_ = {};
  return SessionStep{.next = std::nullopt, .card = std::nullopt, .error = error};
}

SessionStep CardSession::on_reply(const Result<Reply>& reply) {
  if (phase_ == Phase::kDone) return fail(CcidErrc::kUnexpectedMessage);
  if (!reply) {
    // Power-on is when the card is first touched: past that, losing it is "tap again".
    return fail(means_card_left(reply.error()) ? ErrorCode(CcidErrc::kCardMoved) : reply.error());
  }
  // Power-on answers with the ATR, which contactless readers synthesise: nothing to check.
  if (phase_ == Phase::kPowerOn) {
    phase_ = Phase::kUid;
    return SessionStep{.next = xfr_block(get_uid_apdu()), .card = std::nullopt, .error = {}};
  }
  auto data = response_data(reply->data);
  if (!data) {
    return fail(means_card_left(data.error()) ? ErrorCode(CcidErrc::kCardMoved) : data.error());
  }
  switch (phase_) {
    case Phase::kUid:
      if (!is_valid_uid_length(data->size())) return fail(CcidErrc::kUnsupportedCard);
      card_.uid = std::move(*data);
      return after_uid();
    case Phase::kWrite:
      if (!data->empty()) return fail(CcidErrc::kMalformedReply);
      ++written_;
      return next_write();
    case Phase::kRead: {
      if (data->size() != kReadBytes) return fail(CcidErrc::kMalformedReply);
      const std::size_t want = layout_.user_bytes() - card_.user_memory.size();
      card_.user_memory.insert(
          card_.user_memory.end(), data->begin(),
          data->begin() + static_cast<std::ptrdiff_t>(std::min(want, kReadBytes)));
      return next_read();
    }
    default:
      return fail(CcidErrc::kUnexpectedMessage);
  }
}

SessionStep CardSession::after_uid() {
  if (kind_ == Kind::kWrite) {
    if (card_.uid != expected_uid_) return fail(CcidErrc::kWrongCard);
    phase_ = Phase::kWrite;
    return next_write();
  }
  phase_ = Phase::kRead;
  return next_read();
}

SessionStep CardSession::next_write() {
  const std::size_t pages = to_write_.size() / kPageBytes;
  if (written_ == pages) {
    phase_ = Phase::kRead;
    return next_read();
  }
  const auto page = static_cast<std::uint8_t>(layout_.first_user_page + written_);
  const auto* at = to_write_.data() + written_ * kPageBytes;
  return SessionStep{.next = xfr_block(update_binary_apdu(page, std::span(at, kPageBytes))),
                     .card = std::nullopt,
                     .error = {}};
}

SessionStep CardSession::next_read() {
  const std::size_t have = card_.user_memory.size();
  if (have >= layout_.user_bytes()) return finish();
  const auto page = static_cast<std::uint8_t>(layout_.first_user_page + have / kPageBytes);
  return SessionStep{.next = xfr_block(read_binary_apdu(page)), .card = std::nullopt, .error = {}};
}

SessionStep CardSession::finish() {
  if (kind_ == Kind::kWrite &&
      !std::equal(to_write_.begin(), to_write_.end(), card_.user_memory.begin())) {
    return fail(CcidErrc::kWriteNotKept);
  }
  phase_ = Phase::kDone;
  return SessionStep{.next = std::nullopt, .card = std::move(card_), .error = {}};
}

}  // namespace rapport::drivers::ccid
