// server/reports/campaign_store.h
//
// The campaigns table (SQLite migration 19, PostgreSQL migration 8; docs/reports.md
// "Campaigns"): adds campaigns all or none, after checking each against the campaigns already
// kept (an id taken, days shared with another campaign of the same channel), and lists them.
// CampaignStore is the backend-neutral door (`rapportctl campaign` on either backend); the
// free functions are its SQLite half, for callers that already hold the server's Database
// (the reports and their tests).
//
// Thread-safety: one thread per CampaignStore, or on the Database the functions are given.

#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "server/reports/campaigns_csv.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::reports {

class CampaignStore {
 public:
  virtual ~CampaignStore() = default;

  // Opens (and migrates) the server database `url` names (server/storage/store_url.h: a
  // SQLite path or sqlite:// URL, or a postgresql:// one), on a connection of its own.
  [[nodiscard]] static Result<std::unique_ptr<CampaignStore>> open(const std::string& url);

  // Every problem found, each with its campaign's line, and nothing written; or an empty list
  // when every campaign was added (in one transaction, which two adders at once cannot
  // interleave). Campaigns are checked on their own too (campaign_field_problems).
  [[nodiscard]] virtual Result<std::vector<CampaignProblem>> add(
      std::span<const Campaign> campaigns) = 0;

  // Every campaign, by channel then first day.
  [[nodiscard]] virtual Result<std::vector<Campaign>> list() = 0;
};

// What add() checks, on both backends: the campaigns on their own, against each other and
// against those `kept` (at most kMaxCampaignProblems).
[[nodiscard]] std::vector<CampaignProblem> campaign_problems(std::span<const Campaign> campaigns,
                                                             std::span<const Campaign> kept);

// CampaignStore::add and ::list on the server's SQLite Database.
// Requires: `db` is the server's database (server/storage/sqlite_schema.h).
[[nodiscard]] Result<std::vector<CampaignProblem>> add_campaigns(
    storage::Database& db, std::span<const Campaign> campaigns);
[[nodiscard]] Result<std::vector<Campaign>> list_campaigns(storage::Database& db);

// The PostgreSQL backend (pg_campaign_store.cpp): `url` is a libpq URI.
[[nodiscard]] Result<std::unique_ptr<CampaignStore>> open_pg_campaign_store(const std::string& url);

}  // namespace rapport::server::reports
