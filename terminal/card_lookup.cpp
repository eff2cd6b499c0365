// terminal/card_lookup.cpp
#include "terminal/card_lookup.h"

#include <spdlog/spdlog.h>

#include "shared/net/failover_client.h"
#include "shared/net/net_errc.h"
#include "shared/protocol/sync_messages.h"

namespace rapport::terminal {
namespace {

// How long an offline terminal skips lookups after every server failed.
constexpr std::chrono::seconds kQuietAfterFailure{15};

class ServerCardLookup final : public CardLookup {
 public:
  ServerCardLookup(std::unique_ptr<net::HttpsClient> client, std::chrono::milliseconds deadline)
      : client_(std::move(client)), deadline_(deadline) {}

  std::optional<domain::Member> find(const std::string& token) override {
    const std::string target = std::string(protocol::kCardsPath) + token;
    const auto response = client_->request("GET", target, "", deadline_);
    if (!response) {
      if (response.error() != net::NetErrc::kResting) {
        spdlog::warn("card lookup: no answer within {} ms ({})", deadline_.count(),
                     response.error().message());
      }
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
};

}  // namespace

std::unique_ptr<CardLookup> make_server_card_lookup(const TerminalConfig& config) {
  if (config.card_lookup_timeout.count() == 0) return nullptr;
  auto options = failover_options(config, "card lookup");
  options.rest_after_failure = kQuietAfterFailure;
  return std::make_unique<ServerCardLookup>(net::FailoverClient::create(options),
                                            config.card_lookup_timeout);
}

}  // namespace rapport::terminal
