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

// The day `birth_date` falls on in `year`.
std::chrono::sys_days birthday_in(std::chrono::year year, std::chrono::month month,
                                  std::chrono::day day) {
  const std::chrono::year_month_day date{year, month, day};
  if (date.ok()) return std::chrono::sys_days{date};
  return std::chrono::sys_days{std::chrono::year_month_day{year, std::chrono::March,
                                                           std::chrono::day{1}}};
}

}  // namespace

std::optional<std::string> birthday_hint(const std::optional<std::string>& birth_date,
                                         std::chrono::system_clock::time_point now) {
  using namespace std::chrono;
  if (!birth_date || !is_valid_date(*birth_date)) return std::nullopt;
  const int month_number = std::stoi(birth_date->substr(5, 2));
  const int day_number = std::stoi(birth_date->substr(8, 2));
  const auto today = floor<days>(now);
  const year this_year = year_month_day{today}.year();
  constexpr int kWithin = 3;
  for (const year y : {this_year - years{1}, this_year, this_year + years{1}}) {
    const auto when = birthday_in(y, month{static_cast<unsigned>(month_number)},
                                  day{static_cast<unsigned>(day_number)});
    const auto in = (when - today).count();
    if (in == 0) return "Birthday today";
    if (in > 0 && in <= kWithin) {
      return "Birthday in " + std::to_string(in) + (in == 1 ? " day" : " days");
    }
    if (in < 0 && in >= -kWithin) {
      return "Birthday " + std::to_string(-in) + (in == -1 ? " day ago" : " days ago");
    }
  }
  return std::nullopt;
}

std::string scan_json(const ScanResult& result, std::chrono::system_clock::time_point now,
                      const std::vector<domain::MemberNote>& notes, const boost::json::object* panel) {
  boost::json::object scan;
  scan["outcome"] = outcome_name(result.outcome);
  scan["headline"] = headline(result.outcome);
  scan["message"] = result.message;
  scan["recorded"] = result.event_id.has_value();
  scan["at"] = to_iso8601(now);
  if (result.outcome == ScanOutcome::kUnknownCard && result.card_token) {
    scan["card_last4"] = result.card_last4;  // the card the page offers to enroll
  }
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
      if (const auto birthday = birthday_hint(member.birth_date, now)) {
        scan["birthday_hint"] = *birthday;
      }
      // Today's offers as the server last sent them (the panel); none: "No offers yet".
      scan["offers"] = boost::json::array();
      if (panel != nullptr) {
        if (const auto* offers = panel->if_contains("offers")) scan["offers"] = *offers;
        scan["panel"] = *panel;
      }
      boost::json::array listed;
      for (const auto& note : notes) {
        // `store`: where it was taken; empty for a note written at this terminal.
        listed.push_back(boost::json::object{{"topic", note.topic},
                                             {"text", note.text},
                                             {"noted_at", note.noted_at},
                                             {"store", note.store_id}});
      }
      scan["notes"] = std::move(listed);
      if (member.usual_order) scan["usual_order"] = *member.usual_order;
      // The last note, turned into something to ask; the answer is recorded as a note.
      if (!notes.empty()) {
        scan["prompt"] = "Last time: " + notes.front().text + " - ask how it was";
      }
    }
  }
  return boost::json::serialize(scan);
}

}  // namespace rapport::terminal
