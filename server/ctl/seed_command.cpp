// server/ctl/seed_command.cpp
//
// `rapportctl seed`: a realistic chain in a server data folder, through the same path
// terminals' events take (Store::record_events), so everything built on events sees it.

#include <iomanip>
#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/ctl/progress_printer.h"
#include "server/value/synthetic_chain.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/domain/event_id.h"
#include "shared/util/clock.h"

namespace rapport::ctl {
namespace {

constexpr std::size_t kEventsPerTransaction = 5000;

// Seeded cards are numbered prefix + "8" + the member's index, so a seeded chain never takes a
// number `member add` might draw at random (those start with other digits only by chance: a
// clash is refused and reported, never merged).
card::CardNumber seeded_card(const std::string& prefix, std::size_t index) {
  char body[16];
  std::snprintf(body, sizeof body, "8%08zu", index % 100'000'000);
  const std::string payload = prefix + body;
  return card::CardNumber::parse(payload + card::luhn_check_digit(payload), prefix).value();
}

std::string at(std::chrono::sys_days day, int minute_of_day) {
  return to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(day) +
                    std::chrono::minutes(minute_of_day));
}

void print_spec(const value::ChainSpec& spec, const value::ChainPeriod& period) {
  std::cout << "seeding " << spec.members << " members, " << spec.stores << " stores, "
            << spec.months << " months (" << to_iso8601(period.start).substr(0, 10) << " to "
            << to_iso8601(period.end).substr(0, 10) << "), seed " << spec.seed << "\n"
            << "  purchases: BG/NBD r=" << spec.r << " alpha=" << spec.alpha << " a=" << spec.a
            << " b=" << spec.b << " (weeks)\n"
            << "  spend:     Gamma-Gamma p=" << spec.p << " q=" << spec.q << " v=" << spec.v
            << " (currency units per purchase day)\n"
            << "  channels: ";
  for (const auto& c : value::synthetic_channels()) {
    std::cout << c.name << " " << std::fixed << std::setprecision(0) << c.share * 100 << " % at "
              << std::setprecision(2) << static_cast<double>(c.cost_cents) / 100 << "; ";
  }
  std::cout << "referral (free)\n";
}

}  // namespace

int run_seed(const SeedOptions& o) {
  if (o.members == 0 || o.stores == 0 || o.months <= 0) {
    std::cerr << "error: --members, --stores and --months must be at least 1\n";
    return 2;
  }
  auto folder = open_data_folder(o.data);
  if (!folder) return 1;
  auto& store = *folder->store;
  auto key = card::CardKey::load(folder->config.card_key);
  if (!key) {
    std::cerr << "error: cannot read the card key: " << key.error().message() << "\n";
    return 1;
  }
  value::ChainSpec spec;
  spec.members = o.members;
  spec.stores = o.stores;
  spec.months = o.months;
  spec.seed = o.seed;
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const auto period = value::chain_period(spec, today);
  print_spec(spec, period);

  const auto existing = store.list_stores();
  if (!existing) {
    std::cerr << "error: cannot read stores: " << existing.error().message() << "\n";
    return 1;
  }
  std::vector<std::string> stores;
  for (std::size_t s = 0; s < spec.stores; ++s) {
    stores.push_back("S" + std::to_string(s + 1));
    if (std::find(existing->begin(), existing->end(), stores.back()) == existing->end()) {
      if (auto added = store.add_store(stores.back(), "Store " + std::to_string(s + 1)); !added) {
        std::cerr << "error: cannot add store " << stores.back() << ": "
                  << added.error().message() << "\n";
        return 1;
      }
    }
  }

  ProgressPrinter printer(o.progress);
  analytics::ProgressTicker ticker(printer.callback(), "seeding members", spec.members);
  std::vector<domain::Event> batch;
  std::vector<std::string> tokens;  // by member index, for referrals
  std::size_t purchases = 0;
  std::size_t churned = 0;
  bool failed = false;
  auto flush = [&] {
    if (batch.empty() || failed) return;
    if (auto stored = store.record_events(batch); !stored) {
      std::cerr << "\nerror: cannot store events: " << stored.error().message() << "\n";
      failed = true;
    }
    batch.clear();
  };
  value::generate_chain(spec, today, [&](const value::SyntheticMember& m) {
    if (failed) return;
    const auto number = seeded_card(folder->config.issuer_prefix, m.index);
    tokens.push_back(key->token_for(number));
    const std::string& token = tokens.back();
    const std::string& store_id = stores[m.home_store];
    auto event = [&](domain::EventKind kind, std::string payload, std::string when) {
      domain::Event e;
      e.id = domain::new_event_id();
      e.kind = kind;
      e.terminal_id = "seed";
      e.store_id = store_id;
      e.card_token = token;
      e.occurred_at = std::move(when);
      e.payload = std::move(payload);
      batch.push_back(std::move(e));
    };
    const auto& first = m.purchases.front();
    protocol::EnrollmentPayload enrollment{m.name, m.birth_date, number.last4(), m.channel, {}};
    if (m.referred_by) enrollment.referred_by_token = tokens[*m.referred_by];
    event(domain::EventKind::kEnrollment, protocol::encode_payload(enrollment),
          at(first.day, first.minute_of_day - 1));
    for (const auto& p : m.purchases) {
      event(domain::EventKind::kVisit, "{}", at(p.day, p.minute_of_day));
      event(domain::EventKind::kPurchase, protocol::encode_payload(p.sale),
            at(p.day, p.minute_of_day));
    }
    purchases += m.purchases.size();
    churned += m.churned ? 1 : 0;
    if (batch.size() >= kEventsPerTransaction) flush();
    ticker.tick();
  });
  flush();
  ticker.finish();
  printer.clear();
  if (failed) return 1;
  std::cout << "seeded " << spec.members << " members with " << purchases << " purchases; "
            << churned << " churned before the end (generator's truth)\n"
            << "next: rapportctl value refresh --data " << o.data.string() << "\n";
  return 0;
}

}  // namespace rapport::ctl
