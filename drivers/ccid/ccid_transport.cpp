// drivers/ccid/ccid_transport.cpp
#include "drivers/ccid/ccid_transport.h"

namespace rapport::drivers::ccid {

Result<Reply> exchange(CcidLink& link, CcidTransport& transport, const Command& command) {
  const Bytes message = link.send(command);
  if (auto sent = transport.send(message); !sent) {
    link.abandon();
    return sent.error();
  }
  for (;;) {
    auto bytes = transport.receive();
    if (!bytes) {
      link.abandon();
      return bytes.error();
    }
    RAPPORT_TRY(auto reply, link.receive(*bytes));
    if (reply) return std::move(*reply);
  }
}

Result<CardContents> run_session(CardSession& session, CcidLink& link, CcidTransport& transport) {
  Command command = session.start();
  for (;;) {
    SessionStep step = session.on_reply(exchange(link, transport, command));
    if (step.error) return step.error;
    if (step.card) return std::move(*step.card);
    command = std::move(*step.next);
  }
}

}  // namespace rapport::drivers::ccid
