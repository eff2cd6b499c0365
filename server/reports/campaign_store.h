// server/reports/campaign_store.h
//
// The campaigns table (server migration 19, docs/reports.md "Campaigns"): adds campaigns all
// or none, after checking each against the campaigns already kept (an id taken, days shared
// with another campaign of the same channel), and lists them.
//
// Thread-safety: one thread, on the Database it is given.
// Requires: `db` is the server's database (server/storage/sqlite_schema.h).

#pragma once

#include <span>
#include <vector>

#include "server/reports/campaigns_csv.h"
#include "shared/storage/database.h"
#include "shared/util/result.h"

namespace rapport::server::reports {

// Every problem found, each with its campaign's line, and nothing written; or an empty list
// when every campaign was added (in one transaction). Campaigns are checked on their own
// too (campaign_field_problems), so `campaign add` needs no other check.
[[nodiscard]] Result<std::vector<CampaignProblem>> add_campaigns(
    storage::Database& db, std::span<const Campaign> campaigns);

// Every campaign, by channel then first day.
[[nodiscard]] Result<std::vector<Campaign>> list_campaigns(storage::Database& db);

}  // namespace rapport::server::reports
