// drivers/ccid/ccid_link.cpp
#include "drivers/ccid/ccid_link.h"

namespace rapport::drivers::ccid {

Bytes CcidLink::send(const Command& command) {
  const std::uint8_t sequence = next_sequence_++;
  outstanding_ = Pending{reply_type_for(command.type), sequence, 0};
  return frame(command, slot_, sequence);
}

Result<std::optional<Reply>> CcidLink::receive(std::span<const std::uint8_t> message) {
  if (!outstanding_) return CcidErrc::kUnexpectedMessage;  // nothing was asked
  auto parsed = parse_reply(message);
  if (!parsed) {
    outstanding_.reset();
    return parsed.error();
  }
  Reply& reply = *parsed;
  Pending& pending = *outstanding_;
  CcidErrc error{};
  const auto behind = static_cast<std::uint8_t>(pending.sequence - reply.sequence);
  if (behind >= 1 && behind <= kStaleWindow) {
    if (++pending.extensions <= kMaxTimeExtensions) return std::optional<Reply>{};
    error = CcidErrc::kTimeout;
  } else if (reply.sequence != pending.sequence) {
    error = CcidErrc::kWrongSequence;
  } else if (reply.slot != slot_) {
    error = CcidErrc::kWrongSlot;
  } else if (reply.type != pending.reply_type) {
    error = CcidErrc::kUnexpectedMessage;
  } else if (reply.status == CommandStatus::kTimeExtension) {
    if (++pending.extensions <= kMaxTimeExtensions) return std::optional<Reply>{};
    error = CcidErrc::kTimeout;
  } else if (reply.status == CommandStatus::kFailed) {
    error = reply_error(reply);
  }
  outstanding_.reset();
  if (error != CcidErrc{}) return error;
  return std::optional<Reply>(std::move(reply));
}

}  // namespace rapport::drivers::ccid
