// drivers/ccid/ccid_errc.h
//
// Why a contactless (CCID) reader did not deliver a card, or did not write one: the framing
// and sequencing of CCID messages, the reader's bStatus/bError, the card's status word, and
// the card session built on them share this closed set. Every message tells the cashier (or
// the installer) what to do next. Values follow docs/card-readers.md, "Contactless readers".

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::drivers {

enum class CcidErrc {
  // The tap itself: expected at a counter, the cashier asks for another tap.
  kNoCard = 1,    // the slot reports no card (bStatus card state 2)
  kCardMoved,     // the card left the field mid-session; nothing of it is delivered
  kCardMute,      // bError ICC_MUTE: the card stopped answering
  kTransmission,  // bError parity/overrun: the radio link garbled a transfer
  kCardInactive,  // the card is present but could not be powered (bStatus card state 1)
  // The card's answer to an APDU (its status word).
  kCardOperationFailed,  // SW 63 00: the card (or the reader's radio) failed the operation
  kNotSupportedByCard,   // SW 6A 81: this card type does not support the command
  kUnexpectedStatus,     // any other status word
  kUnsupportedCard,      // bError bad ATR / protocol or class not supported: not an NTAG card
  kCardTooSmall,         // fewer user pages than a membership card needs
  kWrongCard,            // a write was asked for one card and another is on the reader
  kWriteNotKept,         // read back after a write differs: the card did not keep the data
  kBadWriteRequest,      // a write of a size or page range the card layout does not allow
  // The reader and the link to it.
  kTimeout,            // no reply in time (also: too many time extensions)
  kReaderBusy,         // bError CMD_SLOT_BUSY / busy with auto sequence
  kReaderHardware,     // bError HW_ERROR
  kCommandRefused,     // bError 0 (command not supported) or a bad parameter index
  kReaderError,        // any other bError
  kMalformedReply,     // shorter than a header, length field disagrees, reserved bits set
  kUnexpectedMessage,  // a message type that does not answer the command sent
  kWrongSequence,      // a reply whose sequence number is not the one of the command sent
  kWrongSlot,          // a reply for another slot
  kNoSuchReader,       // a feedback or write request named a reader that is not attached
  kNotContactless,     // feedback or a write asked of a reader that cannot do it
};

[[nodiscard]] const boost::system::error_category& ccid_category() noexcept;

inline ErrorCode make_error_code(CcidErrc e) noexcept {
  return {static_cast<int>(e), ccid_category()};
}

}  // namespace rapport::drivers

template <>
struct boost::system::is_error_code_enum<rapport::drivers::CcidErrc> : std::true_type {};
