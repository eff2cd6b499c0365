// drivers/ccid/ccid_message.cpp
#include "drivers/ccid/ccid_message.h"

namespace rapport::drivers::ccid {
namespace {

constexpr std::uint8_t kStatusReservedBits = 0x3C;

std::uint32_t le32(std::span<const std::uint8_t> b) {
  return static_cast<std::uint32_t>(b[0]) | static_cast<std::uint32_t>(b[1]) << 8 |
         static_cast<std::uint32_t>(b[2]) << 16 | static_cast<std::uint32_t>(b[3]) << 24;
}

bool is_reply_type(std::uint8_t type) {
  return type == static_cast<std::uint8_t>(MessageType::kDataBlock) ||
         type == static_cast<std::uint8_t>(MessageType::kSlotStatus) ||
         type == static_cast<std::uint8_t>(MessageType::kEscapeReply);
}

}  // namespace

MessageType reply_type_for(MessageType command) noexcept {
  switch (command) {
    case MessageType::kIccPowerOn:
    case MessageType::kXfrBlock:
      return MessageType::kDataBlock;
    case MessageType::kEscape:
      return MessageType::kEscapeReply;
    default:
      return MessageType::kSlotStatus;
  }
}

Command power_on() { return {MessageType::kIccPowerOn, {}, 0}; }
Command power_off() { return {MessageType::kIccPowerOff, {}, 0}; }
Command get_slot_status() { return {MessageType::kGetSlotStatus, {}, 0}; }
Command xfr_block(Bytes apdu) { return {MessageType::kXfrBlock, std::move(apdu), 0}; }
Command escape(Bytes vendor_command) {
  return {MessageType::kEscape, std::move(vendor_command), 0};
}

Bytes frame(const Command& command, std::uint8_t slot, std::uint8_t sequence) {
  Bytes out;
  out.reserve(kHeaderBytes + command.data.size());
  out.push_back(static_cast<std::uint8_t>(command.type));
  const auto length = static_cast<std::uint32_t>(command.data.size());
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<std::uint8_t>((length >> shift) & 0xFF));
  }
  out.push_back(slot);
  out.push_back(sequence);
  out.push_back(command.param);
  out.push_back(0);  // XfrBlock wLevelParameter / reserved
  out.push_back(0);
  out.insert(out.end(), command.data.begin(), command.data.end());
  return out;
}

Result<Reply> parse_reply(std::span<const std::uint8_t> message) {
  if (message.size() < kHeaderBytes) return CcidErrc::kMalformedReply;
  if (!is_reply_type(message[0])) return CcidErrc::kUnexpectedMessage;
  const std::uint32_t length = le32(message.subspan(1, 4));
  if (length > kMaxReplyData || length != message.size() - kHeaderBytes) {
    return CcidErrc::kMalformedReply;
  }
  const std::uint8_t status = message[7];
  if ((status & kStatusReservedBits) != 0 || (status & 0x03) == 3 || (status >> 6) == 3) {
    return CcidErrc::kMalformedReply;
  }
  Reply reply;
  reply.type = static_cast<MessageType>(message[0]);
  reply.slot = message[5];
  reply.sequence = message[6];
  reply.card = static_cast<CardState>(status & 0x03);
  reply.status = static_cast<CommandStatus>(status >> 6);
  reply.error = message[8];
  reply.specific = message[9];
  reply.data.assign(message.begin() + kHeaderBytes, message.end());
  return reply;
}

CcidErrc reply_error(const Reply& reply) noexcept {
  if (reply.card == CardState::kAbsent) return CcidErrc::kNoCard;
  switch (reply.error) {
    case kErrorIccMute:
      return CcidErrc::kCardMute;
    case kErrorXfrParityError:
    case kErrorXfrOverrun:
      return CcidErrc::kTransmission;
    case kErrorHwError:
      return CcidErrc::kReaderHardware;
    case kErrorBadAtrTs:
    case kErrorBadAtrTck:
    case kErrorIccProtocolNotSupported:
    case kErrorIccClassNotSupported:
      return CcidErrc::kUnsupportedCard;
    case kErrorCmdSlotBusy:
    case kErrorBusyWithAutoSequence:
      return CcidErrc::kReaderBusy;
    case kErrorCommandNotSupported:
      return CcidErrc::kCommandRefused;
    default:
      // 1..127: the index of the header byte the reader found wrong.
      return reply.error < 0x80 ? CcidErrc::kCommandRefused : CcidErrc::kReaderError;
  }
}

Result<SlotChange> parse_slot_change(std::span<const std::uint8_t> message, std::uint8_t slot) {
  if (message.empty()) return CcidErrc::kMalformedReply;
  if (message[0] != static_cast<std::uint8_t>(MessageType::kNotifySlotChange)) {
    return CcidErrc::kUnexpectedMessage;
  }
  const std::size_t bit = std::size_t{2} * slot;
  const std::size_t byte = 1 + bit / 8;
  if (byte >= message.size()) return CcidErrc::kMalformedReply;
  const auto bits = static_cast<unsigned>(message[byte] >> (bit % 8));
  return SlotChange{.present = (bits & 1U) != 0, .changed = (bits & 2U) != 0};
}

}  // namespace rapport::drivers::ccid
