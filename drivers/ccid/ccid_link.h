// drivers/ccid/ccid_link.h
//
// One command at a time on one slot of a CCID reader: numbers each command (bSeq counts up
// and wraps), and judges every bulk-IN message against the command outstanding, so that a
// reply is only ever taken for the command it answers. Time extensions (bStatus 0x80) are
// honoured up to a bound; a failed status becomes its typed error (reply_error()). A late
// reply to an abandoned command (a sequence number up to kStaleWindow behind) is dropped and
// the real reply awaited, as pcsc-lite's CCID driver does with duplicate frames; any other
// sequence number is kWrongSequence.
//
// Pure and single-threaded: the USB device (drivers/usb/detail/ccid_device.cpp) feeds it from
// the event thread, run_exchange() (card_session.h) from a blocking transport in tests.

#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "drivers/ccid/ccid_message.h"

namespace rapport::drivers::ccid {

class CcidLink {
 public:
  // A reader that asks for more time than this many times in a row is given up on (each
  // extension is a fresh reply timeout on the USB side).
  // Stale replies dropped count against the same bound.
  static constexpr int kMaxTimeExtensions = 16;
  static constexpr std::uint8_t kStaleWindow = 16;

  explicit CcidLink(std::uint8_t slot = 0) : slot_(slot) {}

  // The bulk-OUT bytes of `command`, which becomes the command outstanding (a previous one
  // still outstanding is abandoned: its late reply will be refused as kWrongSequence).
  [[nodiscard]] Bytes send(const Command& command);

  // A bulk-IN message arrived. Returns nothing for a time extension or a stale reply (keep
  // waiting for the real reply), the reply when it answers the command outstanding with status ok,
  // or the error (malformed, wrong type, sequence or slot, failed status). After anything but a
  // time extension no command is outstanding.
  [[nodiscard]] Result<std::optional<Reply>> receive(std::span<const std::uint8_t> message);

  // No reply came in time: the command is given up.
  void abandon() noexcept { outstanding_.reset(); }
  [[nodiscard]] bool outstanding() const noexcept { return outstanding_.has_value(); }
  [[nodiscard]] std::uint8_t slot() const noexcept { return slot_; }

 private:
  struct Pending {
    MessageType reply_type;
    std::uint8_t sequence;
    int extensions = 0;
  };

  std::uint8_t slot_;
  std::uint8_t next_sequence_ = 0;
  std::optional<Pending> outstanding_;
};

}  // namespace rapport::drivers::ccid
