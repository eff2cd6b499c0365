// server/value_scheduler.cpp
#include "server/value_scheduler.h"

#include <spdlog/spdlog.h>

#include "server/reports/warm_reports.h"
#include "server/storage/staff_store.h"
#include "server/storage/store.h"
#include "server/storage/store_url.h"
#include "server/value_refresh.h"
#include "shared/util/clock.h"

namespace rapport::server {

ValueScheduler::ValueScheduler(std::string database_url, value::ValueConfig config,
                               std::chrono::hours every, std::chrono::minutes changed_every,
                               std::size_t max_changed, const LeaseKeeper* lease)
    : database_url_(std::move(database_url)),
      config_(config),
      every_(every),
      changed_every_(changed_every),
      max_changed_(max_changed),
      lease_(lease) {
  if (const auto url = parse_store_url(database_url_);
      url && url->backend == StoreUrl::Backend::kSqlite) {
    sqlite_file_ = url->location;
  }
  if (every_.count() > 0) thread_ = std::thread([this] { run(); });
}

ValueScheduler::~ValueScheduler() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void ValueScheduler::run() {
  using Clock = std::chrono::steady_clock;
  auto next_full = Clock::now() + every_;
  for (;;) {
    const auto wake = changed_every_.count() > 0 ? std::min(next_full, Clock::now() + changed_every_)
                                                 : next_full;
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, wake, [this] { return stopping_; })) return;
    }
    const bool full = Clock::now() >= next_full;
    if (full) next_full = Clock::now() + every_;
    if (lease_ != nullptr && !lease_->held()) continue;  // another instance refreshes
    auto store = open_store(database_url_);
    if (!store) {
      // Not the URL itself: a postgresql:// one may hold a password.
      spdlog::error("value refresh: cannot open the database: {}", store.error().message());
      continue;
    }
    const auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
    const auto report = full ? refresh_values(**store, config_, today)
                             : refresh_changed_values(**store, config_, today, max_changed_);
    if (!report) {
      spdlog::error("value refresh failed: {}; the previous snapshots stay",
                    report.error().message());
      continue;
    }
    if (report->kind == RefreshKind::kNothing) continue;
    spdlog::info("value refresh ({}): {} members ({} buyers) in {:.2f} s; MVC {}, MGC {}, LMC {}, BZ {}; "
                 "{} at risk; {} changed tier or segment",
                 report->kind == RefreshKind::kFull ? "full" : "changed members",
                 report->members, report->buyers,
                 report->read_seconds + report->compute_seconds + report->save_seconds,
                 report->tiers[0], report->tiers[1], report->tiers[2], report->tiers[3],
                 report->at_risk, report->migrated);
    // Head office's reports are kept per full refresh: fill them now, not at the first view.
    if (report->kind == RefreshKind::kFull) {
      const auto started = Clock::now();
      const auto ran = sqlite_file_ ? reports::warm_report_cache(*sqlite_file_)
                                    : reports::warm_report_cache_pg(database_url_);
      spdlog::info("head-office reports prepared ({} of them) in {:.1f} s", ran,
                   std::chrono::duration<double>(Clock::now() - started).count());
    }
    // Fresh snapshots may show valuable members slipping: open their follow-ups now
    // (docs/dashboard.md, "Follow-ups"), on either backend.
    auto staff = open_staff_store(database_url_);
    if (!staff) {
      spdlog::error("follow-ups: cannot open the database: {}", staff.error().message());
      continue;
    }
    const auto opened = (*staff)->raise_follow_ups(to_iso8601(std::chrono::system_clock::now()));
    if (!opened) {
      spdlog::error("follow-ups: cannot raise them: {}", opened.error().message());
    } else {
      spdlog::info("follow-ups: {} opened", *opened);
    }
  }
}

}  // namespace rapport::server
