// tests/support/event_stream_client.h
//
// A TLS client for held-open responses (Server-Sent Events), for tests and benchmarks: sends
// one GET and then reads as the caller says, or not at all (a client that stops reading).
// HttpsClient cannot do this: it waits for a whole response. OpenSSL directly, on a plain
// socket, so it shares no code with the server it checks.
//
// Threading: one thread at a time.

#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shared/net/https.h"

namespace rapport::testing {

class EventStreamClient {
 public:
  // Connects to 127.0.0.1:`port`, verifies the server against tls.ca_certificates (presents
  // tls.certificate when set), and sends GET `target` with `headers` (a Cookie...).
  // `small_buffer`: a 4 KiB receive buffer, so a client that stops reading stalls the
  // server's writes soon. Throws std::runtime_error when the connection or handshake fails.
  EventStreamClient(std::uint16_t port, const net::TlsFiles& tls, const std::string& target,
                    const std::vector<net::HttpHeader>& headers = {}, bool small_buffer = false);
  ~EventStreamClient();
  EventStreamClient(const EventStreamClient&) = delete;
  EventStreamClient& operator=(const EventStreamClient&) = delete;

  // Reads until `text` is in what was received or the deadline passes; true when it is.
  bool read_until(std::string_view text, std::chrono::milliseconds deadline);
  // Reads until the server ends the connection or the deadline passes; true when it ended.
  bool read_to_end(std::chrono::milliseconds deadline);
  // Everything received (header, chunk framing and all) since the start or the last discard().
  [[nodiscard]] const std::string& received() const { return received_; }
  void discard() { received_.clear(); }

 private:
  void read_some();

  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::string received_;
  bool closed_ = false;
};

}  // namespace rapport::testing
