// shared/net/failover_client.h
//
// One HttpsClient over several server instances of the same chain (docs/protocol.md,
// "Several server addresses"): requests go to the current server; when it cannot be reached
// (connection refused, TLS failure, timeout: any error of HttpsClient::request) the same
// request goes to the next one in the list, within what is left of the same deadline, and
// that one becomes current: the client sticks to a server that works. Every switch is logged.
// Only HTTP-level answers (any status) count as reached: a 503 does not switch.
//
// Repeating a request on another instance is safe for the sync protocol: every request is
// safe to repeat, and a pushed batch carries its event ids, which the server stores once
// whichever instance receives it.
//
// After a request for which every server failed in turn, it can rest (rest_after_failure):
// requests then fail at once with NetErrc::kResting, so an offline terminal does not wait out
// a deadline for each card it looks up.
//
// Threading: one thread at a time, like HttpsClient.

#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shared/net/https_client.h"

namespace rapport::net {

struct ServerAddress {
  std::string host;
  std::uint16_t port = 0;
};

struct FailoverOptions {
  std::vector<ServerAddress> servers;  // tried in this order, starting with the first
  // The name every server's certificate must carry; empty: each server's own host.
  std::string server_name;
  TlsFiles tls;
  Limits limits;
  // 0: never rest.
  std::chrono::milliseconds rest_after_failure{0};
  std::string purpose = "sync";  // for the log: "sync", "card lookup", "balance check"
};

class FailoverClient final : public HttpsClient {
 public:
  // Requires: options.servers is not empty. Throws std::runtime_error naming the file when
  // the TLS files cannot be loaded (as HttpsClient::create).
  [[nodiscard]] static std::unique_ptr<FailoverClient> create(const FailoverOptions& options);

  // Over ready-made clients, one per name (same order). Requires: at least one.
  FailoverClient(std::vector<std::unique_ptr<HttpsClient>> clients, std::vector<std::string> names,
                 std::chrono::milliseconds rest_after_failure, std::string purpose);

  [[nodiscard]] Result<HttpResponse> request(std::string_view method, std::string_view target,
                                             std::string_view body,
                                             std::chrono::milliseconds deadline) override;
  [[nodiscard]] Result<HttpResponse> request(std::string_view method, std::string_view target,
                                             std::string_view body,
                                             std::chrono::milliseconds deadline,
                                             const std::vector<HttpHeader>& headers) override;

  // "host:port" of the server the next request goes to first.
  [[nodiscard]] const std::string& current() const { return names_[current_]; }

 private:
  std::vector<std::unique_ptr<HttpsClient>> clients_;
  std::vector<std::string> names_;
  std::chrono::milliseconds rest_after_failure_;
  std::string purpose_;
  std::size_t current_ = 0;
  std::size_t failed_in_a_row_ = 0;  // servers that failed since the last answer
  std::chrono::steady_clock::time_point resting_until_{};
};

}  // namespace rapport::net
