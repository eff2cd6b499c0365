// server/ctl/seed_command.cpp
//
// `rapportctl seed`: a realistic chain in a server data folder, through the same path
// terminals' events take (Store::record_events), or with --bulk straight into a fresh
// folder's tables (server/seed_chain.h).

#include <iomanip>
#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/ctl/progress_printer.h"
#include "server/seed_chain.h"
#include "server/seed_points.h"
#include "server/value/synthetic_chain.h"
#include "shared/card/card_key.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::ctl {
namespace {

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
  // Seeding writes the SQLite file directly (bulk); a chain seeded there moves with
  // `rapportctl storage migrate`.
  if (!sqlite_file(*folder, "seeding is")) return 1;
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
  spec.r = o.r.value_or(spec.r);
  spec.alpha = o.alpha.value_or(spec.alpha);
  spec.a = o.a.value_or(spec.a);
  spec.b = o.b.value_or(spec.b);
  if (spec.r <= 0 || spec.alpha <= 0 || spec.a <= 0 || spec.b <= 0) {
    std::cerr << "error: --r, --alpha, --a and --b must be positive\n";
    return 2;
  }
  const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const auto period = value::chain_period(spec, today);
  print_spec(spec, period);

  folder->store.reset();  // seeding opens the file itself

  ProgressPrinter printer(o.progress);
  const auto start = std::chrono::steady_clock::now();
  const auto seeded =
      server::seed_chain({folder->config.database, *key, folder->config.issuer_prefix}, spec,
                         today, o.bulk ? server::SeedPath::kBulk : server::SeedPath::kEvents,
                         printer.callback());
  printer.clear();
  if (!seeded) {
    if (o.bulk && seeded.error() == storage::StorageErrc::kConstraint) {
      std::cerr << "error: --bulk seeds only a data folder without members; use a fresh one "
                   "(rapportctl init) or leave out --bulk\n";
    } else {
      std::cerr << "error: cannot seed: " << seeded.error().message() << "\n";
    }
    return 1;
  }
  const auto purchases = seeded->purchases;
  const auto churned = seeded->churned;
  std::cout << "seeded " << spec.members << " members with " << purchases << " purchases; "
            << churned << " churned before the end (generator's truth)\n";
  if (o.points) {
    const auto posted =
        server::seed_points_ledger(folder->config.database, today, printer.callback());
    printer.clear();
    if (!posted) {
      std::cerr << "error: cannot post the points ledger: " << posted.error().message() << "\n";
      return 1;
    }
    std::cout << "posted points: " << posted->earned << " earnings, " << posted->redeemed
              << " redemptions, " << posted->expired << " expiries\n";
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "done in " << std::fixed << std::setprecision(1) << seconds << " s\n"
            << "next: rapportctl value refresh --data " << o.data.string() << "\n";
  return 0;
}

}  // namespace rapport::ctl
