// server/ctl/value_refresh_command.cpp
//
// `rapportctl value refresh` (every member's value snapshot, now) and `rapportctl member
// value` (one member's snapshot, explained).

#include <iomanip>
#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/value_refresh.h"
#include "shared/util/clock.h"

namespace rapport::ctl {
namespace {

std::string money(std::int64_t cents) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(2) << static_cast<double>(cents) / 100.0;
  return out.str();
}

}  // namespace

int run_value_refresh(const std::filesystem::path& data, const std::optional<std::string>& as_of) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  if (as_of) {
    const auto parsed = is_valid_date(*as_of) ? from_iso8601(*as_of + "T00:00:00Z") : std::nullopt;
    if (!parsed) {
      std::cerr << "error: --as-of must be a date written YYYY-MM-DD, not '" << *as_of << "'\n";
      return 2;
    }
    day = std::chrono::floor<std::chrono::days>(*parsed);
  }
  const auto report = server::refresh_values(*folder->store, folder->config.value, day,
                                             [](std::string_view stage) {
                                               std::cerr << stage << " ..." << std::endl;
                                             });
  if (!report) {
    std::cerr << "error: value refresh failed: " << report.error().message() << "\n";
    return 1;
  }
  std::cout << "valued " << report->members << " members (" << report->buyers
            << " with purchases) in " << std::fixed << std::setprecision(2)
            << report->read_seconds + report->compute_seconds + report->save_seconds
            << " s (read " << report->read_seconds << ", model " << report->compute_seconds
            << ", save " << report->save_seconds << ")\n";
  if (report->fit) {
    std::cout << "model " << analytics::model_title(report->fit->model) << ":";
    for (const auto& p : report->fit->params) std::cout << " " << p.name << "=" << p.value;
    std::cout << "  log-likelihood " << report->fit->log_likelihood << "\n";
    if (report->fit->spend) {
      std::cout << "spend Gamma-Gamma: p=" << report->fit->spend->p
                << " q=" << report->fit->spend->q << " v=" << report->fit->spend->v << "\n";
    }
  } else {
    std::cout << "no purchases yet: forecasts are zero until members buy\n";
  }
  std::cout << "tiers: MVC " << report->tiers[0] << ", MGC " << report->tiers[1] << ", LMC "
            << report->tiers[2] << ", BZ " << report->tiers[3] << "; at risk " << report->at_risk
            << "; " << report->migrated << " changed tier or segment\n";
  return 0;
}

int run_member_value(const std::filesystem::path& data, std::int64_t member_id) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto snapshot = folder->store->value_snapshot(member_id);
  if (!snapshot) {
    std::cerr << "error: cannot read the snapshot: " << snapshot.error().message() << "\n";
    return 1;
  }
  if (!*snapshot) {
    std::cerr << "no value snapshot for member " << member_id
              << " (unknown member, or run `rapportctl value refresh --data " << data.string()
              << "` first)\n";
    return 1;
  }
  const auto& s = **snapshot;
  const auto& c = folder->config.value;
  std::cout << "member " << member_id << ": tier " << value::to_string(s.tier) << ", segment "
            << s.segment << " (" << (s.rfm.empty() ? "no purchases" : s.rfm) << ")"
            << (s.at_risk ? ", AT RISK" : "") << "\n"
            << "  historic value     " << money(s.historic_value_cents) << " (revenue "
            << money(s.historic_revenue_cents) << ")\n"
            << "  forecast           " << std::fixed << std::setprecision(2) << s.expected_visits
            << " purchase days and " << money(s.expected_spend_cents) << " over "
            << c.horizon_weeks << " weeks; probability alive " << std::setprecision(3)
            << s.p_alive << "\n"
            << "  lifetime value     " << money(s.lifetime_value_cents) << " (forecast at "
            << c.annual_discount_rate * 100 << " % a year, margin applied)\n"
            << "  referral value     " << money(s.referral_value_cents) << " ("
            << c.referral_share * 100 << " % of referred members' lifetime value)\n"
            << "  advocacy value     " << money(s.advocacy_value_cents) << "\n"
            << "  total value        " << money(s.total_value_cents)
            << " = historic + lifetime + referral + advocacy - serving cost\n";
  if (s.rhythm_days) {
    std::cout << "  rhythm             a purchase day every " << std::setprecision(1)
              << *s.rhythm_days << " days\n";
  }
  return 0;
}

}  // namespace rapport::ctl
