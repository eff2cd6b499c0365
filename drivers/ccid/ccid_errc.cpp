// drivers/ccid/ccid_errc.cpp
#include "drivers/ccid/ccid_errc.h"

#include "shared/util/error_category.h"

namespace rapport::drivers {
namespace {

const char* describe(int value) {
  switch (static_cast<CcidErrc>(value)) {
    case CcidErrc::kNoCard:
      return "no card on the reader: tap the card";
    case CcidErrc::kCardMoved:
      return "card moved away: tap again and hold it still for a second";
    case CcidErrc::kCardMute:
      return "the card stopped answering: tap again and hold it still";
    case CcidErrc::kTransmission:
      return "the card was read badly: tap again, flat on the reader";
    case CcidErrc::kCardInactive:
      return "the card did not wake up: tap again, flat on the reader";
    case CcidErrc::kCardOperationFailed:
      return "the card could not be read: tap again and hold it still";
    case CcidErrc::kNotSupportedByCard:
      return "this card type is not supported: use a membership card";
    case CcidErrc::kUnexpectedStatus:
      return "the card refused the request: tap again; if it repeats, use another card";
    case CcidErrc::kUnsupportedCard:
      return "this card type is not supported: use a membership card";
    case CcidErrc::kCardTooSmall:
      return "this card has too little memory for a membership card: use another card";
    case CcidErrc::kWrongCard:
      return "a different card is on the reader: put back the card being enrolled";
    case CcidErrc::kWriteNotKept:
      return "the card did not keep what was written: use another blank card";
    case CcidErrc::kBadWriteRequest:
      return "the data does not fit the card's user memory";
    case CcidErrc::kTimeout:
      return "the card reader did not answer in time: tap again; if it repeats, unplug the "
             "reader and plug it back in";
    case CcidErrc::kReaderBusy:
      return "the card reader is busy: tap again";
    case CcidErrc::kReaderHardware:
      return "the card reader reports a hardware fault: unplug it and plug it back in";
    case CcidErrc::kCommandRefused:
      return "the card reader refused a command: check the reader model in terminal.toml";
    case CcidErrc::kReaderError:
      return "the card reader reported an error: tap again; if it repeats, unplug the reader "
             "and plug it back in";
    case CcidErrc::kMalformedReply:
      return "the card reader sent a malformed reply: tap again; if it repeats, the reader is "
             "faulty or not a CCID reader";
    case CcidErrc::kUnexpectedMessage:
      return "the card reader answered out of turn: tap again";
    case CcidErrc::kWrongSequence:
      return "the card reader's reply did not match the request: tap again";
    case CcidErrc::kWrongSlot:
      return "the card reader answered for another slot: tap again";
    case CcidErrc::kNoSuchReader:
      return "that card reader is not attached (was it unplugged?)";
    case CcidErrc::kNotContactless:
      return "that card reader cannot write cards or signal the cashier";
  }
  return "unknown contactless reader error";
}

}  // namespace

const boost::system::error_category& ccid_category() noexcept {
  static const NamedErrorCategory category("rapport.ccid", &describe);
  return category;
}

}  // namespace rapport::drivers
