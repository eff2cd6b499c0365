// server/ctl/value_refresh_command.cpp
//
// `rapportctl value refresh` (every member's value snapshot, now) and `rapportctl member
// value` (one member's snapshot, explained).

#include <chrono>
#include <iomanip>
#include <cmath>
#include <iostream>
#include <sstream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "server/reports/warm_reports.h"
#include "server/storage/store_url.h"
#include "server/value_refresh.h"
#include "shared/util/clock.h"
#include "shared/util/money.h"

namespace rapport::ctl {
namespace {

// Today, or --as-of; prints the problem and returns nullopt when it is not a date.
std::optional<std::chrono::sys_days> day_option(const std::optional<std::string>& as_of) {
  auto day = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  if (as_of) {
    const auto parsed = is_valid_date(*as_of) ? from_iso8601(*as_of + "T00:00:00Z") : std::nullopt;
    if (!parsed) {
      std::cerr << "error: --as-of must be a date written YYYY-MM-DD, not '" << *as_of << "'\n";
      return std::nullopt;
    }
    day = std::chrono::floor<std::chrono::days>(*parsed);
  }
  return day;
}

// "coffee:6200,bakery:2000" as "coffee 62.00, bakery 20.00".
std::string categories_text(const std::string& top) {
  std::string out;
  std::istringstream items(top);
  std::string item;
  while (std::getline(items, item, ',')) {
    const auto colon = item.rfind(':');
    if (colon == std::string::npos) continue;
    out += (out.empty() ? "" : ", ") + item.substr(0, colon) + " " +
           format_cents(std::stoll(item.substr(colon + 1)));
  }
  return out;
}

// Which inputs gave which numbers: the member's totals as the refresh read them (now), the
// fit, and the scales that placed the tier and RFM scores.
void explain_inputs(server::Store& store, std::int64_t member_id, const value::ValueSnapshot& s,
                    const value::ValueConfig& c) {
  const std::int64_t ids[] = {member_id};
  const auto inputs = store.value_inputs_of(ids);
  const auto last = store.last_value_refresh();
  std::cout << std::defaultfloat << std::setprecision(4) << "how these numbers were made:\n";
  if (inputs && !inputs->empty()) {
    const auto& in = inputs->front();
    std::cout << "  inputs (now)       " << in.purchase_days << " purchase days";
    if (in.first_purchase && in.last_purchase) {
      std::cout << " from " << to_iso8601(*in.first_purchase).substr(0, 10) << " to "
                << to_iso8601(*in.last_purchase).substr(0, 10);
    }
    std::cout << ", revenue " << format_cents(in.revenue_cents) << ", margin "
              << (in.margin_cents ? format_cents(*in.margin_cents)
                                  : "not sent (revenue x " + std::to_string(c.margin_share) + ")")
              << ", " << in.visits << " visits, " << in.advocacy_notes << " advocacy and "
              << in.feedback_notes << " feedback notes"
              << (in.referred_by ? ", referred by member " + std::to_string(*in.referred_by) : "")
              << "\n"
              << "  model sees         x = purchase days - 1 = "
              << std::max<std::int64_t>(in.purchase_days - 1, 0)
              << ", t_x = first to last purchase day, T = first purchase day to the refresh day, "
                 "in weeks\n";
  }
  if (!last || !*last || !(*last)->fit) return;
  const auto& fit = *(*last)->fit;
  std::cout << "  fit                " << analytics::model_title(fit.model) << ":";
  for (const auto& p : fit.params) std::cout << " " << p.name << "=" << p.value;
  std::cout << " on " << fit.customers << " buyers";
  if (fit.spend) {
    std::cout << "; spend Gamma-Gamma p=" << fit.spend->p << " q=" << fit.spend->q
              << " v=" << fit.spend->v;
  }
  std::cout << "\n";
  if (const auto& scales = (*last)->scales) {
    std::cout << "  tier               BZ below 0; MVC from a total of "
              << (scales->mvc_floor_cents ? format_cents(*scales->mvc_floor_cents) : "- (none)")
              << " (top " << c.mvc_share * 100 << " %); MGC a lifetime value from "
              << format_cents(scales->mgc_floor_cents) << " and " << c.mgc_growth_ratio
              << "x the historic value; else LMC. This member: total "
              << format_cents(s.total_value_cents) << ", lifetime " << format_cents(s.lifetime_value_cents)
              << ", historic " << format_cents(s.historic_value_cents) << " -> "
              << value::to_string(s.tier) << "\n";
    std::cout << "  RFM                F from purchase days";
    for (const auto e : scales->frequency_edges) std::cout << " " << e;
    std::cout << ", M from revenue";
    for (const auto e : scales->monetary_edges) std::cout << " " << format_cents(static_cast<std::int64_t>(std::isfinite(e) ? e : 0));
    std::cout << " (scores 2-5)\n";
  }
  std::cout << "  at risk            MVC or MGC and probability alive below " << c.at_risk_p_alive
            << ", or gone more than " << c.rhythm_break_factor << " x their rhythm\n";
}

}  // namespace

int run_value_accuracy(const std::filesystem::path& data, const std::optional<std::string>& as_of,
                       const std::optional<std::string>& database) {
  auto folder = open_data_folder(data, database);
  if (!folder) return 1;
  const auto day = day_option(as_of);
  if (!day) return 2;
  const auto checks = folder->store->check_forecasts(folder->config.value.horizon_weeks, *day);
  if (!checks) {
    std::cerr << "error: cannot compare forecasts: " << checks.error().message() << "\n";
    return 1;
  }
  if (checks->empty()) {
    std::cout << "no forecast to compare yet: a full refresh keeps one every 4 weeks, and some "
                 "days must pass after it (rapportctl value refresh --data "
              << data.string() << ")\n";
    return 0;
  }
  for (const auto& c : *checks) {
    std::cout << "forecast of " << c.window_start << " (fit " << c.fit_id << "), purchases "
              << "after it up to " << c.window_end << " (" << std::fixed << std::setprecision(1)
              << c.elapsed_weeks << " weeks):\n"
              << "  bin (expected days)  members  expected days   actual days   expected spend"
                 "    actual spend\n";
    for (const auto& b : c.bins) {
      if (b.members == 0) continue;
      std::cout << "  " << std::left << std::setw(19) << b.bin << std::right << std::setw(9)
                << b.members << std::setw(15) << std::setprecision(1) << b.expected_visits
                << std::setw(14) << b.actual_visits << std::setw(17)
                << format_cents(b.expected_spend_cents) << std::setw(16) << format_cents(b.actual_spend_cents)
                << "\n";
    }
  }
  std::cout << "kept in value_accuracy; the model's forecast for the elapsed weeks when the "
               "horizon has not passed yet\n";
  return 0;
}

int run_value_refresh(const std::filesystem::path& data, const std::optional<std::string>& as_of,
                      bool changed, const std::optional<std::string>& database) {
  auto folder = open_data_folder(data, database);
  if (!folder) return 1;
  const auto day = day_option(as_of);
  if (!day) return 2;
  const auto stage = [](std::string_view name) { std::cerr << name << " ..." << std::endl; };
  const auto report =
      changed ? server::refresh_changed_values(*folder->store, folder->config.value, *day,
                                               folder->config.value_incremental_max_members, stage)
              : server::refresh_values(*folder->store, folder->config.value, *day, stage);
  if (!report) {
    std::cerr << "error: value refresh failed: " << report.error().message() << "\n";
    return 1;
  }
  if (report->kind == server::RefreshKind::kNothing) {
    std::cout << "no member changed since the last refresh; nothing to value\n";
    return 0;
  }
  if (report->kind == server::RefreshKind::kIncremental) {
    std::cout << "changed members only, on the last full refresh's fit and scales: ";
  }
  std::cout << "valued " << report->members << " members (" << report->buyers
            << " with purchases) in " << std::fixed << std::setprecision(2)
            << report->read_seconds + report->compute_seconds + report->save_seconds
            << " s (read " << report->read_seconds << ", model " << report->compute_seconds
            << ", save " << report->save_seconds << "; CPU "
            << report->read_cpu_seconds + report->compute_cpu_seconds + report->save_cpu_seconds
            << " s on all threads)\n";
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
  // The reports' cache: the folder's SQLite file or PostgreSQL database, or --database's.
  std::optional<std::filesystem::path> reports_file;
  std::optional<std::string> reports_url;  // PostgreSQL
  if (!folder->config.database.empty()) {
    reports_file = folder->config.database;
  } else {
    reports_url = folder->config.database_url;
  }
  if (database) {
    const auto url = server::parse_store_url(*database);
    reports_file.reset();
    reports_url.reset();
    if (url && url->backend == server::StoreUrl::Backend::kSqlite) reports_file = url->location;
    if (url && url->backend == server::StoreUrl::Backend::kPostgresql) reports_url = url->location;
  }
  if (report->kind == server::RefreshKind::kFull && (reports_file || reports_url)) {
    // As the server's scheduler does: head office's first view reads them ready.
    const auto started = std::chrono::steady_clock::now();
    const auto progress = [](std::string_view name) {
      std::cerr << "preparing report " << name << " ..." << std::endl;
    };
    const auto ran = reports_file ? server::reports::warm_report_cache(*reports_file, progress)
                                  : server::reports::warm_report_cache_pg(*reports_url, progress);
    std::cout << "head-office reports prepared (" << ran << ") in " << std::fixed
              << std::setprecision(1)
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
              << " s\n" << std::setprecision(2);
  }
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
            << "  historic value     " << format_cents(s.historic_value_cents) << " (revenue "
            << format_cents(s.historic_revenue_cents) << ")\n"
            << "  forecast           " << std::fixed << std::setprecision(2) << s.expected_visits
            << " purchase days and " << format_cents(s.expected_spend_cents) << " over "
            << c.horizon_weeks << " weeks; probability alive " << std::setprecision(3)
            << s.p_alive << "\n"
            << "  lifetime value     " << format_cents(s.lifetime_value_cents) << " (forecast at "
            << c.annual_discount_rate * 100 << " % a year, margin applied)\n"
            << "  referral value     " << format_cents(s.referral_value_cents) << " ("
            << c.referral_share * 100 << " % of referred members' lifetime value)\n"
            << "  advocacy value     " << format_cents(s.advocacy_value_cents) << "\n"
            << "  total value        " << format_cents(s.total_value_cents)
            << " = historic + lifetime + referral + advocacy - serving cost\n";
  if (s.rhythm_days) {
    std::cout << "  rhythm             a purchase day every " << std::setprecision(1)
              << *s.rhythm_days << " days\n";
  }
  std::cout << "  top categories     "
            << (s.top_categories.empty() ? "none yet" : categories_text(s.top_categories))
            << "\n";
  explain_inputs(*folder->store, member_id, s, c);
  return 0;
}

}  // namespace rapport::ctl
