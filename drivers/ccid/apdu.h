// drivers/ccid/apdu.h
//
// The PC/SC pseudo-APDUs a contactless CCID reader understands for NTAG / MIFARE Ultralight
// cards (get the UID, read and write 4-byte pages), the status word at the end of every
// response, and the ACS LED/buzzer command that tells the cashier how a tap went. Pure.
// docs/card-readers.md, "Contactless readers", lists the bytes.

#pragma once

#include <cstdint>
#include <span>

#include "drivers/ccid/ccid_message.h"
#include "drivers/reader_control.h"

namespace rapport::drivers::ccid {

inline constexpr std::size_t kPageBytes = 4;
inline constexpr std::size_t kReadBytes = 16;  // one Read Binary: four pages

// FF CA 00 00 00: the UID, then 90 00.
[[nodiscard]] Bytes get_uid_apdu();
// FF B0 00 <page> 10: 16 bytes from `page` on.
[[nodiscard]] Bytes read_binary_apdu(std::uint8_t page);
// FF D6 00 <page> 04 <4 bytes>: one NTAG / Ultralight page. Requires: data.size() == 4.
[[nodiscard]] Bytes update_binary_apdu(std::uint8_t page, std::span<const std::uint8_t> data);

// The data of a response APDU whose status word is 90 00; otherwise its error: 63 00
// kCardOperationFailed, 6A 81 kNotSupportedByCard, anything else (or fewer than two bytes)
// kUnexpectedStatus.
[[nodiscard]] Result<Bytes> response_data(std::span<const std::uint8_t> response);

// ACS (ACR122U) LED and buzzer pseudo-APDU FF 00 40 <LED control> 04 <T1> <T2> <repeats>
// <buzzer>, sent in a PC_to_RDR_Escape so it works with or without a card in the field. The
// reader answers 90 <LED state>.
[[nodiscard]] Bytes acs_signal_apdu(ReaderSignal signal);
// True for the reader's acknowledgement of acs_signal_apdu (SW1 = 90).
[[nodiscard]] bool acs_signal_accepted(std::span<const std::uint8_t> response) noexcept;

}  // namespace rapport::drivers::ccid
