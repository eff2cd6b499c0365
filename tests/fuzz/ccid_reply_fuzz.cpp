// tests/fuzz/ccid_reply_fuzz.cpp
//
// Anything a CCID reader may send on bulk-IN or interrupt-IN: parsing never crashes, and a
// card session fed these bytes as its replies either fails with a typed error or delivers a
// whole card (a valid UID length and exactly the layout's user memory), never part of one.
//
// Input: the whole input is parsed as one reply and as one notification; then it is cut into
// messages, each prefixed by its length byte, and fed to a read session as its replies.

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <span>

#include "drivers/ccid/ccid_transport.h"

namespace {

using namespace rapport::drivers::ccid;

class FuzzTransport final : public CcidTransport {
 public:
  explicit FuzzTransport(std::span<const std::uint8_t> input) {
    while (!input.empty()) {
      const std::size_t n = std::min<std::size_t>(input[0], input.size() - 1);
      messages_.emplace_back(input.begin() + 1, input.begin() + 1 + static_cast<std::ptrdiff_t>(n));
      input = input.subspan(1 + n);
    }
  }
  rapport::Result<void> send(std::span<const std::uint8_t>) override { return {}; }
  rapport::Result<Bytes> receive() override {
    if (messages_.empty()) return rapport::drivers::CcidErrc::kTimeout;
    Bytes next = std::move(messages_.front());
    messages_.pop_front();
    return next;
  }

 private:
  std::deque<Bytes> messages_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  if (auto reply = parse_reply(input); reply) {
    if (reply->data.size() + kHeaderBytes != size) std::abort();
    if (reply->status == CommandStatus::kFailed) (void)reply_error(*reply);
  }
  (void)parse_slot_change(input);

  FuzzTransport transport(input);
  CcidLink link;
  auto session = CardSession::read();
  const auto card = run_session(session, link, transport);
  if (card) {
    const std::size_t uid = card->uid.size();
    if (uid != 4 && uid != 7 && uid != 10) std::abort();
    if (card->user_memory.size() != kNtag213.user_bytes()) std::abort();
  }
  return 0;
}
