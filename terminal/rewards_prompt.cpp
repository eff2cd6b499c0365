// terminal/rewards_prompt.cpp
#include "terminal/rewards_prompt.h"

#include <charconv>
#include <sstream>
#include <vector>

namespace rapport::terminal {
namespace {

std::vector<std::string> words(std::string_view line) {
  std::istringstream in{std::string(line)};
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::optional<std::int64_t> number(const std::string& text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Offers the member can redeem now first, as "[id] name (cost)"; one they cannot afford yet
// says how many points are missing and is not offered for redeeming (the server would refuse).
std::string list(const std::vector<domain::MemberOffer>& offers, std::int64_t spendable) {
  std::string text = "offers:";
  std::string later;
  for (const auto& o : offers) {
    const std::int64_t missing = points_to_go(o, spendable);
    if (missing > 0) {
      later += " " + o.name + " (" + std::to_string(o.points) + " points: " +
               std::to_string(missing) + " points to go, not redeemable yet);";
      continue;
    }
    text += " [" + o.id + "] " + o.name + " (" +
            (o.points > 0 ? std::to_string(o.points) + " points" : "free") + ");";
  }
  if (text == "offers:") return "offers: none redeemable yet -" + later;
  return text + " - type redeem ID or decline ID" + (later.empty() ? "" : " - later:" + later);
}

// What the member can spend as far as this terminal knows; 0 when that cannot be read (every
// offer with a cost then shows its points to go, none is offered as redeemable).
std::int64_t spendable(RewardsDesk& desk, const std::string& card_token) {
  const auto points = desk.spendable_points(card_token);
  return points ? *points : 0;
}

}  // namespace

std::optional<std::string> RewardsPrompt::scanned(const std::string& card_token,
                                                  std::chrono::system_clock::time_point now) {
  card_token_ = card_token;
  const auto offers = desk_.present_offers(card_token, now);
  if (!offers || offers->empty()) return std::nullopt;
  return list(*offers, spendable(desk_, card_token));
}

std::optional<std::string> RewardsPrompt::command(std::string_view line,
                                                  std::chrono::system_clock::time_point now) {
  const auto w = words(line);
  if (w.empty()) return std::nullopt;
  const std::string& verb = w[0];
  if (verb != "offers" && verb != "redeem" && verb != "redeem-points" && verb != "decline" &&
      verb != "gesture") {
    return std::nullopt;
  }
  if (!card_token_) return "!!  scan the member's card first";
  const auto refused = [](const ErrorCode& e) { return "!!  refused: " + e.message(); };
  if (verb == "offers") {
    const auto offers = desk_.present_offers(*card_token_, now);
    if (!offers) return refused(offers.error());
    return offers->empty() ? "no offers for this member"
                           : list(*offers, spendable(desk_, *card_token_));
  }
  if (verb == "redeem" || verb == "redeem-points") {
    RedeemRequest request;
    if (verb == "redeem" && w.size() == 2) {
      request.offer_id = w[1];
    } else if (verb == "redeem-points" && (w.size() == 2 || w.size() == 3) && number(w[1])) {
      request.points = *number(w[1]);
      if (w.size() == 3) request.reward = w[2];
    } else {
      return "usage: redeem OFFER_ID, or redeem-points N [REWARD]";
    }
    const auto receipt = desk_.redeem(*card_token_, request, now);
    if (!receipt) return refused(receipt.error());
    return "OK  " + receipt->message;
  }
  if (verb == "decline") {
    if (w.size() != 2) return "usage: decline OFFER_ID";
    const auto declined = desk_.decline(*card_token_, w[1], now);
    if (!declined) return refused(declined.error());
    return "OK  offer " + w[1] + " declined; it is not offered again for a while";
  }
  // gesture N CASHIER REASON...
  if (w.size() < 4 || !number(w[1])) return "usage: gesture N CASHIER REASON...";
  std::string reason;
  for (std::size_t i = 3; i < w.size(); ++i) reason += (i > 3 ? " " : "") + w[i];
  const auto receipt = desk_.give_gesture(*card_token_, w[2], *number(w[1]), reason, now);
  if (!receipt) return refused(receipt.error());
  return "OK  " + receipt->message;
}

}  // namespace rapport::terminal
