// terminal/screen/scan_view.cpp
#include "terminal/screen/scan_view.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "shared/util/clock.h"

namespace rapport::terminal {
namespace {

const char* outcome_name(ScanOutcome outcome) {
  switch (outcome) {
    case ScanOutcome::kMember:
      return "member";
    case ScanOutcome::kUnknownCard:
      return "unknown";
    case ScanOutcome::kBlockedCard:
      return "blocked";
    case ScanOutcome::kBadRead:
      return "bad-read";
    case ScanOutcome::kNotRecorded:
      return "not-recorded";
    case ScanOutcome::kRefusedToken:
      return "refused";
  }
  return "bad-read";
}

// The headline for a card that is not greeted, and what the cashier does next.
const char* headline(ScanOutcome outcome) {
  switch (outcome) {
    case ScanOutcome::kMember:
      return "";
    case ScanOutcome::kUnknownCard:
      return "Unknown card";
    case ScanOutcome::kBlockedCard:
      return "Blocked card";
    case ScanOutcome::kBadRead:
      return "Card not read";
    case ScanOutcome::kNotRecorded:
      return "Visit NOT recorded";
    case ScanOutcome::kRefusedToken:
      return "Card refused";
  }
  return "";
}

// The staff-only hint: value tier, and a nudge for a valuable member who is slipping away.
std::string staff_hint(const domain::Member& member) {
  if (!member.value_tier) return "";
  std::string hint = "Value tier " + *member.value_tier;
  if (member.at_risk) {
    hint += " - at risk";
    if (member.rhythm_days) {
      hint += " (usually every " + std::to_string(static_cast<long>(*member.rhythm_days + 0.5)) +
              " days)";
    }
    hint += ": make them feel welcome";
  }
  return hint;
}

}  // namespace

std::string scan_json(const ScanResult& result, std::chrono::system_clock::time_point now) {
  boost::json::object scan;
  scan["outcome"] = outcome_name(result.outcome);
  scan["headline"] = headline(result.outcome);
  scan["message"] = result.message;
  scan["recorded"] = result.event_id.has_value();
  scan["at"] = to_iso8601(now);
  if (result.holder) {
    const auto& member = result.holder->member;
    scan["card_last4"] = result.holder->card.last4;
    if (result.outcome == ScanOutcome::kMember) {
      scan["name"] = member.name;
      scan["visit_number"] = result.visit_number;
      const auto when = result.last_visit ? from_iso8601(*result.last_visit) : std::nullopt;
      if (when) {
        scan["last_visit"] = *result.last_visit;
        scan["last_visit_ago"] = describe_age(*when, now);
      }
      if (member.reward_tier) scan["reward_tier"] = *member.reward_tier;
      if (member.points_balance) scan["points_balance"] = *member.points_balance;
      scan["at_risk"] = member.at_risk;
      if (member.value_tier) scan["value_tier"] = *member.value_tier;
      scan["staff_hint"] = staff_hint(member);
      // Not in Rapport yet: said to be missing on the page, never invented.
      scan["offers"] = boost::json::array();
      scan["notes"] = boost::json::array();
    }
  }
  return boost::json::serialize(scan);
}

}  // namespace rapport::terminal
