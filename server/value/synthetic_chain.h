// server/value/synthetic_chain.h
//
// A realistic chain to try the value engine on (`rapportctl seed`): members with home stores,
// acquisition channels and referrals, visits and spend drawn from buy-till-you-die processes
// with known parameters, churn, and purchases with lines across a product catalogue. The
// generator is deterministic for a seed and keeps its truth (each member's purchase rate,
// whether they churned) so tests can check the value engine against it.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shared/protocol/event_payloads.h"

namespace rapport::value {

struct ChainSpec {
  std::size_t members = 1000;
  std::size_t stores = 3;
  int months = 12;
  std::uint64_t seed = 1;
  // BG/NBD, per week: purchase rate ~ Gamma(r, alpha), dropout after a repeat purchase ~
  // Beta(a, b). Defaults: a visit every ~5 weeks on average; a third churn within a year.
  double r = 0.9;
  double alpha = 4.5;
  double a = 0.8;
  double b = 4.0;
  // Gamma-Gamma spend per purchase day, in currency units: mean p * v / (q - 1) = 24.
  double p = 6.0;
  double q = 4.0;
  double v = 12.0;
  double referral_share = 0.12;  // of members brought in by an earlier member
};

struct AcquisitionChannel {
  std::string name;
  std::int64_t cost_cents = 0;  // what one member acquired this way costs
  double share = 0;
};

// The channels the generator draws from, with their costs (printed by `rapportctl seed`).
[[nodiscard]] const std::vector<AcquisitionChannel>& synthetic_channels();

struct SyntheticPurchase {
  std::chrono::sys_days day;
  int minute_of_day = 600;
  protocol::PurchasePayload sale;
};

struct SyntheticMember {
  std::size_t index = 0;  // 0-based, in enrollment order
  std::string name;
  std::size_t home_store = 0;  // 0-based
  std::string channel;
  std::optional<std::size_t> referred_by;  // index of an earlier member
  std::optional<std::string> birth_date;
  double purchase_rate = 0;  // truth: purchases per week while alive
  double dropout = 0;        // truth: chance of leaving after each repeat purchase
  bool churned = false;      // truth: left before the end
  std::vector<SyntheticPurchase> purchases;  // the first is the enrollment day
};

// The period the chain covers: [start, end], end being the value engine's as_of.
struct ChainPeriod {
  std::chrono::sys_days start;
  std::chrono::sys_days end;
};
[[nodiscard]] ChainPeriod chain_period(const ChainSpec& spec, std::chrono::sys_days end);

// Calls `member` once per member, in enrollment order (so a referrer always comes first).
void generate_chain(const ChainSpec& spec, std::chrono::sys_days end,
                    const std::function<void(const SyntheticMember&)>& member);

}  // namespace rapport::value
