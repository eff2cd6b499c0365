// server/seed_chain.cpp
#include "server/seed_chain.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <vector>

#include "server/storage/sqlite_bulk_load.h"
#include "server/storage/store.h"
#include "shared/card/card_number.h"
#include "shared/domain/event_id.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

// Events per record_events transaction; the bulk loader takes far larger batches.
constexpr std::size_t kEventsPerBatch = 5'000;
constexpr std::size_t kBulkEventsPerBatch = 400'000;

// Seeded cards are numbered prefix + "8" + the member's index, so a seeded chain never takes a
// number `member add` might draw at random (those start with other digits only by chance: a
// clash is refused and reported, never merged).
card::CardNumber seeded_card(const std::string& prefix, std::size_t index) {
  char body[16];
  std::snprintf(body, sizeof body, "8%08zu", index % 100'000'000);
  const std::string payload = prefix + body;
  return card::CardNumber::parse(payload + card::luhn_check_digit(payload), prefix).value();
}

// Stores S1, S2, ... go round a few regions: North, South, East, West, North, ...
std::string seeded_region(std::size_t store_index) {
  static constexpr std::array<const char*, 4> kRegions{"North", "South", "East", "West"};
  return kRegions[store_index % kRegions.size()];
}

std::string at(std::chrono::sys_days day, int minute_of_day) {
  return to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(day) +
                    std::chrono::minutes(minute_of_day));
}

}  // namespace

std::string seeded_card_token(const SeedTarget& target, std::size_t index) {
  return target.key.token_for(seeded_card(target.issuer_prefix, index));
}

Result<SeedResult> seed_chain(const SeedTarget& target, const value::ChainSpec& spec,
                              std::chrono::sys_days end, SeedPath path,
                              const analytics::ProgressCallback& progress) {
  std::unique_ptr<BulkLoader> loader;
  std::unique_ptr<Store> store;
  {
    RAPPORT_TRY(auto setup, open_sqlite_store(target.database));
    RAPPORT_TRY(const auto existing, setup->list_stores());
    for (std::size_t s = 0; s < spec.stores; ++s) {
      const std::string id = "S" + std::to_string(s + 1);
      if (std::find(existing.begin(), existing.end(), id) == existing.end()) {
        RAPPORT_TRY_VOID(setup->add_store(id, "Store " + std::to_string(s + 1)));
        RAPPORT_TRY_VOID(setup->set_store_region(id, seeded_region(s)));
      }
    }
    if (path == SeedPath::kEvents) store = std::move(setup);
  }
  if (path == SeedPath::kBulk) {
    RAPPORT_TRY(loader, open_sqlite_bulk_loader(target.database));
  }

  analytics::ProgressTicker ticker(progress, "seeding members", spec.members);
  SeedResult result;
  std::vector<domain::Event> batch;
  std::vector<std::string> tokens;  // by member index, for referrals
  tokens.reserve(spec.members);
  Result<void> failed;
  const std::size_t batch_size = loader ? kBulkEventsPerBatch : kEventsPerBatch;
  auto flush = [&] {
    if (batch.empty() || !failed) return;
    if (loader) {
      failed = loader->add(batch);
    } else if (auto stored = store->record_events(batch); !stored) {
      failed = stored.error();
    }
    batch.clear();
  };
  value::generate_chain(spec, end, [&](const value::SyntheticMember& m) {
    if (!failed) return;
    const auto number = seeded_card(target.issuer_prefix, m.index);
    tokens.push_back(target.key.token_for(number));
    const std::string& token = tokens.back();
    const std::string store_id = "S" + std::to_string(m.home_store + 1);
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
    ++result.members;
    result.purchases += m.purchases.size();
    result.churned += m.churned ? 1 : 0;
    if (batch.size() >= batch_size) flush();
    ticker.tick();
  });
  flush();
  if (!failed) return failed.error();
  if (loader) RAPPORT_TRY_VOID(loader->finish());
  ticker.finish();
  return result;
}

}  // namespace rapport::server
