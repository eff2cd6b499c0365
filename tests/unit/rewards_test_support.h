// tests/unit/rewards_test_support.h
//
// Rules and events for the points ledger tests: a small complete rules file (every section
// the loader requires) with the earning settings a test chooses, and sale / refund / void /
// redemption events as terminals send them.

#pragma once

#include <memory>
#include <string>

#include "server/rewards/rewards_config.h"
#include "shared/domain/event.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/event_payloads.h"

namespace rapport::testing {

// `earning` is the body of [earning]; `tiers` the [[reward_tiers.tier]] tables.
inline std::shared_ptr<const rewards::RewardsRules> rules_with(
    const std::string& earning,
    const std::string& tiers = "[[reward_tiers.tier]]\nname = \"Member\"\nthreshold = 0\n",
    const std::string& tier_policy = "measure = \"points\"\nqualifying_days = 365\n") {
  std::string text = "[earning]\n" + earning + "\n[reward_tiers]\n" + tier_policy + "\n" + tiers;
  for (const char* tier : {"MVC", "MGC", "LMC", "BZ"}) {
    text += std::string("\n[treatment.") + tier +
            "]\nbudget_cents_per_member = 0\noffer_kinds = []\npersonalisation = \"none\"\n"
            "max_contacts_per_month = 0\n";
  }
  text += "\n[offline]\nredemption_points_per_member_per_day = 500\n";
  return std::make_shared<const rewards::RewardsRules>(
      rewards::parse_rewards_rules(text, "test-rewards.toml"));
}

inline domain::Event make_event(domain::EventKind kind, const std::string& token,
                                std::string payload, std::string at = "2026-11-25T10:00:00.000Z",
                                std::string terminal = "T1") {
  domain::Event e;
  e.id = domain::new_event_id();
  e.kind = kind;
  e.card_token = token;
  e.payload = std::move(payload);
  e.occurred_at = std::move(at);
  e.terminal_id = std::move(terminal);
  e.store_id = "S1";
  return e;
}

inline domain::Event sale(const std::string& token, std::int64_t cents,
                          std::string category = "general",
                          std::string at = "2026-11-25T10:00:00.000Z") {
  protocol::PurchasePayload p;
  p.lines.push_back({"Item", std::move(category), 1, cents, std::nullopt});
  p.total_cents = cents;
  return make_event(domain::EventKind::kPurchase, token, protocol::encode_payload(p),
                    std::move(at));
}

inline domain::Event refund(const std::string& token, const std::string& purchase,
                            std::int64_t cents) {
  return make_event(domain::EventKind::kRefund, token,
                    protocol::encode_payload(protocol::RefundPayload{purchase, cents}));
}

inline domain::Event cancel(const std::string& token, const std::string& purchase) {
  return make_event(domain::EventKind::kVoid, token,
                    protocol::encode_payload(protocol::VoidPayload{purchase}));
}

inline domain::Event redeem(const std::string& token, std::int64_t points,
                            std::optional<std::string> purchase = std::nullopt,
                            std::string terminal = "T1") {
  return make_event(domain::EventKind::kRedemption, token,
                    protocol::encode_payload(
                        protocol::RedemptionPayload{"free-coffee", points, std::move(purchase)}),
                    "2026-11-25T10:00:00.000Z", std::move(terminal));
}

}  // namespace rapport::testing
