// drivers/ccid/ccid_message.h
//
// CCID bulk messages (USB CCID 1.1 §6, docs/card-readers.md "Contactless readers"): building
// the PC_to_RDR commands Rapport sends and parsing the RDR_to_PC replies and slot-change
// notifications a reader returns. Pure: no I/O, no state; sequence numbers are CcidLink's job
// (ccid_link.h). Every header is 10 bytes: type, data length (LE32), slot, sequence, then
// three message-specific bytes (for replies: bStatus, bError, and one more).

#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "drivers/ccid/ccid_errc.h"
#include "shared/util/result.h"

namespace rapport::drivers::ccid {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::size_t kHeaderBytes = 10;
// The longest reply data accepted: more than any reader's dwMaxCCIDMessageLength for short
// APDUs (271 on an ACR122U); a longer length field is a malformed reply.
inline constexpr std::size_t kMaxReplyData = 1024;

enum class MessageType : std::uint8_t {
  kIccPowerOn = 0x62,        // PC_to_RDR: power the card; reply kDataBlock with the ATR
  kIccPowerOff = 0x63,       // PC_to_RDR: reply kSlotStatus
  kGetSlotStatus = 0x65,     // PC_to_RDR: reply kSlotStatus
  kEscape = 0x6B,            // PC_to_RDR: vendor command; reply kEscapeReply
  kXfrBlock = 0x6F,          // PC_to_RDR: an APDU; reply kDataBlock with the response APDU
  kDataBlock = 0x80,         // RDR_to_PC
  kSlotStatus = 0x81,        // RDR_to_PC
  kEscapeReply = 0x83,       // RDR_to_PC
  kNotifySlotChange = 0x50,  // interrupt-IN
};

// The reply type that answers `command` (kDataBlock for power-on and XfrBlock, ...).
[[nodiscard]] MessageType reply_type_for(MessageType command) noexcept;

// A command before it is framed: CcidLink adds slot and sequence number.
struct Command {
  MessageType type = MessageType::kGetSlotStatus;
  Bytes data;              // the APDU (XfrBlock) or vendor bytes (Escape)
  std::uint8_t param = 0;  // byte 7: bPowerSelect (power-on, 0 = automatic) or bBWI
};

[[nodiscard]] Command power_on();
[[nodiscard]] Command power_off();
[[nodiscard]] Command get_slot_status();
[[nodiscard]] Command xfr_block(Bytes apdu);
[[nodiscard]] Command escape(Bytes vendor_command);

// The bulk-OUT bytes of `command` for `slot` with sequence number `sequence`.
[[nodiscard]] Bytes frame(const Command& command, std::uint8_t slot, std::uint8_t sequence);

// bStatus bits 0-1.
enum class CardState : std::uint8_t {
  kActive = 0,    // present and powered
  kInactive = 1,  // present, not powered
  kAbsent = 2,    // no card in the field
};

// bStatus bits 6-7.
enum class CommandStatus : std::uint8_t {
  kOk = 0,
  kFailed = 1,         // see bError
  kTimeExtension = 2,  // the reader needs more time: the real reply follows
};

struct Reply {
  MessageType type = MessageType::kSlotStatus;
  std::uint8_t slot = 0;
  std::uint8_t sequence = 0;
  CardState card = CardState::kAbsent;
  CommandStatus status = CommandStatus::kOk;
  std::uint8_t error = 0;     // bError, meaningful when status is kFailed
  std::uint8_t specific = 0;  // byte 9: bChainParameter / bClockStatus
  Bytes data;                 // ATR, response APDU or vendor reply
};

// Framing only: at least a header, a reply type (0x80, 0x81, 0x83), a length field equal to
// the bytes that follow (at most kMaxReplyData), bStatus with no reserved bit set and a known
// command status. A failed status is a well-formed reply (reply_error() judges it).
[[nodiscard]] Result<Reply> parse_reply(std::span<const std::uint8_t> message);

// What a failed reply means, from bError and the card state: kNoCard when the card is
// absent, otherwise the bError mapping (ICC_MUTE -> kCardMute, ...). Requires: status kFailed.
[[nodiscard]] CcidErrc reply_error(const Reply& reply) noexcept;

// bError values (CCID 1.1 §6.2.6) the mapping names.
inline constexpr std::uint8_t kErrorCommandNotSupported = 0x00;
inline constexpr std::uint8_t kErrorCmdSlotBusy = 0xE0;
inline constexpr std::uint8_t kErrorBusyWithAutoSequence = 0xF2;
inline constexpr std::uint8_t kErrorIccClassNotSupported = 0xF5;
inline constexpr std::uint8_t kErrorIccProtocolNotSupported = 0xF6;
inline constexpr std::uint8_t kErrorBadAtrTck = 0xF7;
inline constexpr std::uint8_t kErrorBadAtrTs = 0xF8;
inline constexpr std::uint8_t kErrorHwError = 0xFB;
inline constexpr std::uint8_t kErrorXfrOverrun = 0xFC;
inline constexpr std::uint8_t kErrorXfrParityError = 0xFD;
inline constexpr std::uint8_t kErrorIccMute = 0xFE;

// RDR_to_PC_NotifySlotChange (interrupt-IN): two bits per slot, bit 0 card present, bit 1
// changed since the last notification.
struct SlotChange {
  bool present = false;
  bool changed = false;
};
// kUnexpectedMessage for another message type (0x51 hardware error included), kMalformedReply
// when the bitmap does not reach `slot`.
[[nodiscard]] Result<SlotChange> parse_slot_change(std::span<const std::uint8_t> message,
                                                   std::uint8_t slot = 0);

}  // namespace rapport::drivers::ccid
