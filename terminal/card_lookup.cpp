// terminal/card_lookup.cpp
#include "terminal/card_lookup.h"

#include <spdlog/spdlog.h>

#include "shared/net/https_client.h"
#include "shared/protocol/sync_messages.h"

namespace rapport::terminal {
namespace {

using Clock = std::chrono::steady_clock;
// How long an offline terminal skips lookups after one failed.
constexpr std::chrono::seconds kQuietAfterFailure{15};

class ServerCardLookup final : public CardLookup {
 public:
  ServerCardLookup(std::unique_ptr<net::HttpsClient> client, std::chrono::milliseconds deadline)
      : client_(std::move(client)), deadline_(deadline) {}

  std::optional<domain::Member> find(const std::string& token) override {
    if (Clock::now() < quiet_until_) return std::nullopt;
    const std::string target = std::string(protocol::kCardsPath) + token;
    const auto response = client_->request("GET", target, "", deadline_);
    if (!response) {
      spdlog::warn("card lookup: no answer within {} ms ({}); not asking again for {} s",
                   deadline_.count(), response.error().message(), kQuietAfterFailure.count());
      quiet_until_ = Clock::now() + kQuietAfterFailure;
      return std::nullopt;
    }
    if (response->status == 404) return std::nullopt;
    if (response->status != 200) {
      spdlog::warn("card lookup: server answered HTTP {}: {}", response->status, response->body);
      return std::nullopt;
    }
    auto member = protocol::decode_member(response->body);
    if (!member) {
      spdlog::error("card lookup: unreadable answer: {}", member.error().message());
      return std::nullopt;
    }
    return std::move(*member);
  }

 private:
  std::unique_ptr<net::HttpsClient> client_;
  std::chrono::milliseconds deadline_;
  Clock::time_point quiet_until_{};
};

}  // namespace

std::unique_ptr<CardLookup> make_server_card_lookup(const TerminalConfig& config) {
  if (config.card_lookup_timeout.count() == 0) return nullptr;
  net::ClientOptions options;
  options.host = config.server_host;
  options.port = config.server_port;
  options.server_name = config.server_name;
  options.tls = config.tls;
  return std::make_unique<ServerCardLookup>(net::HttpsClient::create(options),
                                            config.card_lookup_timeout);
}

}  // namespace rapport::terminal
