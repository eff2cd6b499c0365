// tests/support/ccid_responder.h
//
// The firmware side of an emulated ACR122U-class contactless reader with an NTAG213 card in
// or out of its field: answers each CCID bulk-OUT message with the bulk-IN replies the real
// reader sends (USB CCID 1.1 §6, docs/card-readers.md "Contactless readers"). Used in memory
// by the pure session tests and behind the umockdev test bed (usb_testbed.h) by the USB
// tests, so both speak to the same device. Faults can be scripted: a card pulled away after
// N commands, a reader that stays silent, a malformed reply, a wrong sequence number, a time
// extension.
//
// Threading: every method locks; answer() runs on umockdev's thread in the USB tests.

#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "drivers/ccid/ccid_transport.h"

namespace rapport::testing {

using Bytes = std::vector<std::uint8_t>;

// An NTAG213: 45 pages of 4 bytes; pages 4-39 are user memory.
struct NtagCard {
  Bytes uid = {0x04, 0xA2, 0x3C, 0x5A, 0x6B, 0x80, 0x81};
  Bytes pages = Bytes(45 * 4, 0);  // the whole memory, page 0 first
  // A blank card: UID in pages 0-2, capability container in page 3, user memory zero.
  static NtagCard blank(Bytes uid);
  [[nodiscard]] Bytes user_memory() const;  // pages 4-39
};

enum class CcidFault {
  kSilent,         // no reply at all (the driver times out)
  kMalformed,      // a reply cut inside its header
  kWrongSequence,  // the reply carries another sequence number
  kTimeExtension,  // one time-extension reply before the real one
  kTruncatedData,  // a Read Binary answer with 8 bytes instead of 16 (then 90 00)
};

class CcidResponder {
 public:
  void place(NtagCard card);
  void remove();
  // The card leaves the field just before the XfrBlock that follows `after` more XfrBlocks.
  // `status_word`: the reader answers 63 00 with the card still "present" (what an ACR122U
  // often does) instead of a failed bStatus with no card.
  void remove_after(int after, bool status_word = false);
  // `fault` hits the XfrBlock that follows `after` more XfrBlocks.
  void inject(CcidFault fault, int after = 0);

  // The replies to one bulk-OUT message.
  [[nodiscard]] std::vector<Bytes> answer(std::span<const std::uint8_t> message);

  [[nodiscard]] std::optional<NtagCard> card() const;
  // The card as it was when remove_after() took it away (a write cut short shows here).
  [[nodiscard]] std::optional<NtagCard> removed_card() const;
  [[nodiscard]] std::vector<Bytes> signals() const;  // LED/buzzer APDUs received
  [[nodiscard]] int xfr_blocks() const;
  [[nodiscard]] int slot_status_polls() const;

 private:
  Bytes answer_apdu(std::span<const std::uint8_t> apdu);

  mutable std::mutex mutex_;
  std::optional<NtagCard> card_;
  std::optional<NtagCard> removed_;
  bool powered_ = false;
  std::optional<int> remove_countdown_;
  bool remove_with_status_word_ = false;
  bool absent_by_status_word_ = false;
  std::optional<CcidFault> fault_;
  int fault_countdown_ = 0;
  std::vector<Bytes> signals_;
  int xfr_blocks_ = 0;
  int polls_ = 0;
};

// The responder as a blocking CcidTransport, in memory: send() queues its replies, receive()
// takes the next one or fails with CcidErrc::kTimeout. For the pure session tests and the
// benchmark; the USB tests put the responder behind the umockdev test bed instead.
class MemoryCcidTransport final : public drivers::ccid::CcidTransport {
 public:
  explicit MemoryCcidTransport(CcidResponder& reader) : reader_(reader) {}
  Result<void> send(std::span<const std::uint8_t> message) override;
  Result<Bytes> receive() override;
  // A reply left over from an abandoned command, delivered before the next ones.
  void push(Bytes reply) { replies_.push_back(std::move(reply)); }

 private:
  CcidResponder& reader_;
  std::deque<Bytes> replies_;
};

// Reply messages, for tests that script bytes themselves.
[[nodiscard]] Bytes ccid_reply(std::uint8_t type, std::uint8_t sequence, std::uint8_t status,
                               std::uint8_t error, const Bytes& data = {});

}  // namespace rapport::testing
