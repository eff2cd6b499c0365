// shared/net/failover_client.cpp
#include "shared/net/failover_client.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "shared/net/net_errc.h"

namespace rapport::net {

using Clock = std::chrono::steady_clock;

std::unique_ptr<FailoverClient> FailoverClient::create(const FailoverOptions& options) {
  if (options.servers.empty()) throw std::runtime_error("no server address configured");
  std::vector<std::unique_ptr<HttpsClient>> clients;
  std::vector<std::string> names;
  for (const auto& server : options.servers) {
    ClientOptions one;
    one.host = server.host;
    one.port = server.port;
    one.server_name = options.server_name;
    one.tls = options.tls;
    one.limits = options.limits;
    clients.push_back(HttpsClient::create(one));
    const bool v6 = server.host.find(':') != std::string::npos;
    names.push_back((v6 ? "[" + server.host + "]" : server.host) + ":" +
                    std::to_string(server.port));
  }
  return std::make_unique<FailoverClient>(std::move(clients), std::move(names),
                                          options.rest_after_failure, options.purpose);
}

FailoverClient::FailoverClient(std::vector<std::unique_ptr<HttpsClient>> clients,
                               std::vector<std::string> names,
                               std::chrono::milliseconds rest_after_failure, std::string purpose)
    : clients_(std::move(clients)),
      names_(std::move(names)),
      rest_after_failure_(rest_after_failure),
      purpose_(std::move(purpose)) {
  if (clients_.empty() || clients_.size() != names_.size()) {
    throw std::invalid_argument("FailoverClient needs one name for each of at least one client");
  }
}

Result<HttpResponse> FailoverClient::request(std::string_view method, std::string_view target,
                                             std::string_view body,
                                             std::chrono::milliseconds deadline) {
  return request(method, target, body, deadline, {});
}

Result<HttpResponse> FailoverClient::request(std::string_view method, std::string_view target,
                                             std::string_view body,
                                             std::chrono::milliseconds deadline,
                                             const std::vector<HttpHeader>& headers) {
  const auto start = Clock::now();
  if (start < resting_until_) return make_error_code(NetErrc::kResting);
  const auto end = start + deadline;
  ErrorCode last = make_error_code(NetErrc::kTimeout);
  for (std::size_t tried = 0; tried < clients_.size(); ++tried) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) break;
    auto response = clients_[current_]->request(method, target, body, left, headers);
    if (response) {
      failed_in_a_row_ = 0;
      return response;
    }
    last = response.error();
    ++failed_in_a_row_;
    if (clients_.size() > 1) {
      const std::size_t from = current_;
      current_ = (current_ + 1) % clients_.size();
      spdlog::warn("{}: server {} failed ({}); failing over to {}", purpose_, names_[from],
                   last.message(), names_[current_]);
    }
    if (failed_in_a_row_ >= clients_.size()) {
      failed_in_a_row_ = 0;
      if (rest_after_failure_.count() > 0) {
        resting_until_ = Clock::now() + rest_after_failure_;
        spdlog::warn("{}: no server answered; not asking again for {} s", purpose_,
                     std::chrono::duration_cast<std::chrono::seconds>(rest_after_failure_).count());
      }
      break;
    }
  }
  return last;
}

}  // namespace rapport::net
