// drivers/ccid/apdu.cpp
#include "drivers/ccid/apdu.h"

namespace rapport::drivers::ccid {
namespace {

constexpr std::uint8_t kPseudoClass = 0xFF;

// LED control byte (ACR122U API, "Bi-color LED and buzzer control"): bit 0/1 final red/green
// state, bit 2/3 red/green state mask, bit 4/5 initial red/green blinking state, bit 6/7
// red/green blinking mask.
constexpr std::uint8_t kGreenBlinkOnceRedOff = 0xAC;  // green blinks, red forced off
constexpr std::uint8_t kRedBlinkGreenOff = 0x5C;      // red blinks, green forced off
constexpr std::uint8_t kBuzzerDuringT1 = 0x01;

}  // namespace

Bytes get_uid_apdu() { return {kPseudoClass, 0xCA, 0x00, 0x00, 0x00}; }

Bytes read_binary_apdu(std::uint8_t page) {
  return {kPseudoClass, 0xB0, 0x00, page, static_cast<std::uint8_t>(kReadBytes)};
}

Bytes update_binary_apdu(std::uint8_t page, std::span<const std::uint8_t> data) {
  Bytes apdu{kPseudoClass, 0xD6, 0x00, page, static_cast<std::uint8_t>(kPageBytes)};
  apdu.insert(apdu.end(), data.begin(), data.end());
  return apdu;
}

Result<Bytes> response_data(std::span<const std::uint8_t> response) {
  if (response.size() < 2) return CcidErrc::kUnexpectedStatus;
  const std::uint8_t sw1 = response[response.size() - 2];
  const std::uint8_t sw2 = response[response.size() - 1];
  if (sw1 == 0x90 && sw2 == 0x00) return Bytes(response.begin(), response.end() - 2);
  if (sw1 == 0x63 && sw2 == 0x00) return CcidErrc::kCardOperationFailed;
  if (sw1 == 0x6A && sw2 == 0x81) return CcidErrc::kNotSupportedByCard;
  return CcidErrc::kUnexpectedStatus;
}

Bytes acs_signal_apdu(ReaderSignal signal) {
  // T1/T2 in units of 100 ms; the buzzer sounds during each T1.
  if (signal == ReaderSignal::kGoodRead) {
    return {kPseudoClass, 0x00, 0x40, kGreenBlinkOnceRedOff, 0x04,
            0x01,         0x01, 0x01, kBuzzerDuringT1};
  }
  // Two short beeps: red blinks twice (100 ms on, 100 ms off), the buzzer on during each.
  return {kPseudoClass, 0x00, 0x40, kRedBlinkGreenOff, 0x04, 0x01, 0x01, 0x02, kBuzzerDuringT1};
}

bool acs_signal_accepted(std::span<const std::uint8_t> response) noexcept {
  return response.size() == 2 && response[0] == 0x90;
}

}  // namespace rapport::drivers::ccid
