// server/ctl/offers_commands.cpp
//
// `rapportctl offers ...`: what the offers engine would offer a member and why (and,
// with --record, recording it), recording outcomes, a member's consent to personalisation,
// and per offer the uplift of those shown it over those held out (docs/offers.md).

#include "server/ctl/offers_commands.h"

#include <chrono>
#include <cstdio>
#include <iostream>

#include "server/ctl/data_folder.h"
#include "server/rewards/offers.h"
#include "server/rewards/uplift.h"
#include "server/storage/offer_store.h"
#include "shared/util/clock.h"

namespace rapport::ctl {
namespace {

using std::chrono::system_clock;

std::optional<system_clock::time_point> time_option(const std::optional<std::string>& text,
                                                    const char* name) {
  if (!text) return system_clock::now();
  const auto parsed = from_iso8601(*text);
  if (!parsed) std::cerr << "error: " << name << " must be a time written 2026-11-26T09:00:00Z\n";
  return parsed;
}

// The folder's rules and offer store, or nullopt after printing what to do.
struct Opened {
  std::shared_ptr<const rewards::RewardsRules> rules;
  std::unique_ptr<server::OfferStore> offers;
};

std::optional<Opened> open_offers(const std::filesystem::path& data) {
  auto folder = open_data_folder(data);
  if (!folder) return std::nullopt;
  if (!folder->config.rewards) {
    std::cerr << "error: server.toml names no rewards rules: set [rewards] rules = "
                 "\"rewards.toml\" (see config/rewards.toml) to have a catalogue to offer\n";
    return std::nullopt;
  }
  folder->store.reset();  // the offer store's connection is enough
  auto store = server::OfferStore::open(folder->config.database_url);
  if (!store) {
    std::cerr << "error: cannot open the database: " << store.error().message() << "\n";
    return std::nullopt;
  }
  return Opened{folder->config.rewards, std::move(*store)};
}

std::string money(double cents) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f", cents / 100);
  return text;
}

std::string figure(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

}  // namespace

int run_offers_for(const OffersForOptions& o) {
  const auto now = time_option(o.now, "--now");
  if (!now) return 2;
  auto opened = open_offers(o.data);
  if (!opened) return 1;
  const auto facts = opened->offers->member_facts(o.member);
  if (!facts) {
    std::cerr << "error: cannot read the member: " << facts.error().message() << "\n";
    return 1;
  }
  if (!*facts) {
    std::cerr << "error: there is no member " << o.member << " (see: rapportctl member list --data "
              << o.data.string() << ")\n";
    return 1;
  }
  const auto history = opened->offers->history(o.member);
  if (!history) {
    std::cerr << "error: cannot read the offer history: " << history.error().message() << "\n";
    return 1;
  }
  const auto today = std::chrono::floor<std::chrono::days>(*now);
  const auto choice = rewards::choose_offers(**facts, *opened->rules, *history, today);

  std::cout << "member " << o.member << "  tier " << value::to_string((*facts)->tier);
  if (!(*facts)->top_categories.empty()) {
    std::cout << "  top categories";
    for (const auto& c : (*facts)->top_categories) std::cout << " " << c;
  }
  std::cout << "\n";
  for (const auto& note : choice.notes) std::cout << "  " << note << "\n";
  if (choice.offers.empty()) std::cout << "no offers\n";
  for (const auto& c : choice.offers) {
    std::cout << (c.held_out ? "HELD OUT " : "OFFER    ") << c.item->id << "  \"" << c.item->name
              << "\" (" << rewards::to_string(c.item->kind) << ")";
    if (c.held_out) std::cout << "  [hold-out group: recorded, not shown]";
    std::cout << "\n";
    for (const auto& reason : c.reasons) std::cout << "           - " << reason << "\n";
  }
  for (const auto& e : choice.excluded) {
    std::cout << "left out  " << e.item->id << ": " << e.reason << "\n";
  }
  if (o.record) {
    const auto at = to_iso8601(*now);
    for (const auto& c : choice.offers) {
      const server::OfferRecord record{
          o.member, c.item->id,
          c.held_out ? rewards::OfferOutcome::kHeldOut : rewards::OfferOutcome::kShown, at,
          o.store};
      if (const auto done = opened->offers->record(record); !done) {
        std::cerr << "error: cannot record the offer: " << done.error().message() << "\n";
        return 1;
      }
    }
    std::cout << "recorded " << choice.offers.size() << " offer(s)\n";
  }
  return 0;
}

int run_offers_record(const OfferRecordOptions& o) {
  const auto outcome = rewards::offer_outcome_from_string(o.outcome);
  if (!outcome || *outcome == rewards::OfferOutcome::kHeldOut) {
    std::cerr << "error: --outcome must be shown, accepted or declined (held_out is recorded by "
                 "`offers for --record`)\n";
    return 2;
  }
  const auto at = time_option(o.at, "--at");
  if (!at) return 2;
  auto opened = open_offers(o.data);
  if (!opened) return 1;
  if (!opened->rules->find_reward(o.offer)) {
    std::cerr << "error: '" << o.offer << "' is not in the catalogue (config/rewards.toml)\n";
    return 2;
  }
  const auto facts = opened->offers->member_facts(o.member);
  if (!facts || !*facts) {
    std::cerr << "error: there is no member " << o.member << "\n";
    return 1;
  }
  if (const auto done =
          opened->offers->record({o.member, o.offer, *outcome, to_iso8601(*at), o.store});
      !done) {
    std::cerr << "error: nothing recorded: " << done.error().message() << "\n";
    return 1;
  }
  std::cout << "member " << o.member << "  " << o.offer << "  " << o.outcome << "\n";
  return 0;
}

int run_offers_consent(const std::filesystem::path& data, std::int64_t member,
                       const std::string& personalisation) {
  auto opened = open_offers(data);
  if (!opened) return 1;
  const bool on = personalisation == "on";
  const auto done = opened->offers->set_personalisation_consent(member, on);
  if (!done) {
    std::cerr << "error: nothing changed: " << done.error().message() << "\n";
    return 1;
  }
  if (!*done) {
    std::cerr << "error: there is no member " << member << "\n";
    return 1;
  }
  std::cout << "member " << member << "  personalised offers "
            << (on ? "on" : "off (standard offers only)") << "\n";
  return 0;
}

int run_offers_uplift(const std::filesystem::path& data, const std::optional<std::string>& now) {
  const auto at = time_option(now, "--now");
  if (!at) return 2;
  auto opened = open_offers(data);
  if (!opened) return 1;
  const auto window = opened->rules->offers.uplift_window_days;
  const auto day = to_iso8601(*at).substr(0, 10);
  const auto observed = opened->offers->uplift_observations(window, day);
  if (!observed) {
    std::cerr << "error: cannot read the offers: " << observed.error().message() << "\n";
    return 1;
  }
  std::cout << "uplift over the " << window
            << " days after each offer (shown minus held out, 95% confidence interval)\n";
  if (observed->empty()) {
    std::cout << "no offer has been shown or held out long enough to measure yet\n";
    return 0;
  }
  for (const auto& [offer, observations] : *observed) {
    const auto u = rewards::measure_uplift(observations);
    std::cout << offer << "  shown " << u.treated << "  held out " << u.held_out;
    if (!u.measurable()) {
      std::cout << "  (too few members in a group to measure)\n";
      continue;
    }
    std::cout << "\n  visits " << figure(u.visits.treated_mean, 2) << " vs "
              << figure(u.visits.held_out_mean, 2) << "  uplift " << figure(u.visits.uplift, 2)
              << " +/- " << figure(u.visits.ci_high - u.visits.uplift, 2) << " ["
              << figure(u.visits.ci_low, 2) << ", " << figure(u.visits.ci_high, 2) << "]\n"
              << "  spend  " << money(u.spend_cents.treated_mean) << " vs "
              << money(u.spend_cents.held_out_mean) << "  uplift " << money(u.spend_cents.uplift)
              << " +/- " << money(u.spend_cents.ci_high - u.spend_cents.uplift) << " ["
              << money(u.spend_cents.ci_low) << ", " << money(u.spend_cents.ci_high) << "]\n";
  }
  return 0;
}

}  // namespace rapport::ctl
