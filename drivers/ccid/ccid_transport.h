// drivers/ccid/ccid_transport.h
//
// A CCID reader's two bulk pipes behind one small interface, and the blocking helpers built
// on CcidLink and CardSession over it. The USB driver does not use these (it is asynchronous,
// on the libusb event thread); they run the same pure state machines against an in-memory
// reader in tests, and against any blocking transport a tool may want.

#pragma once

#include <span>

#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_link.h"

namespace rapport::drivers::ccid {

class CcidTransport {
 public:
  virtual ~CcidTransport() = default;
  // Sends one bulk-OUT message.
  [[nodiscard]] virtual Result<void> send(std::span<const std::uint8_t> message) = 0;
  // The next bulk-IN message; CcidErrc::kTimeout when none comes in time.
  [[nodiscard]] virtual Result<Bytes> receive() = 0;
};

// Sends `command` and waits for its reply through any time extensions. On a timeout the
// command is abandoned (its late reply is refused as kWrongSequence).
[[nodiscard]] Result<Reply> exchange(CcidLink& link, CcidTransport& transport,
                                     const Command& command);

// Runs `session` to its end.
[[nodiscard]] Result<CardContents> run_session(CardSession& session, CcidLink& link,
                                               CcidTransport& transport);

}  // namespace rapport::drivers::ccid
