// server/reports/pg_campaign_store.cpp
//
// CampaignStore on PostgreSQL (campaign_store.h; table campaigns, PostgreSQL migration 8): the
// same checks (campaign_problems) and the same list as on SQLite.

#include <utility>

#include "server/reports/campaign_store.h"
#include "server/storage/pg_connection.h"
#include "server/storage/pg_schema.h"
#include "shared/util/clock.h"

namespace rapport::server::reports {
namespace {

using pg::Connection;
using pg::param;

Result<std::vector<Campaign>> read_campaigns(Connection& db) {
  RAPPORT_TRY(const auto rows, db.exec("SELECT id, name, channel, starts_on, ends_on, "
                                       "spend_cents FROM campaigns ORDER BY channel, starts_on"));
  std::vector<Campaign> campaigns;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    Campaign c;
    c.id = rows.text(r, 0);
    c.name = rows.text(r, 1);
    c.channel = rows.text(r, 2);
    c.starts_on = rows.text(r, 3);
    c.ends_on = rows.text(r, 4);
    c.spend_cents = rows.int64(r, 5);
    campaigns.push_back(std::move(c));
  }
  return campaigns;
}

class PgCampaignStore final : public CampaignStore {
 public:
  explicit PgCampaignStore(Connection db) : db_(std::move(db)) {}

  Result<std::vector<CampaignProblem>> add(std::span<const Campaign> campaigns) override {
    RAPPORT_TRY(auto tx, pg::Transaction::begin(db_));
    // As SQLite's BEGIN IMMEDIATE: a second adder (any instance) waits here, then checks
    // against what this one kept. Readers are not held up.
    RAPPORT_TRY_VOID(db_.exec("LOCK TABLE campaigns IN SHARE ROW EXCLUSIVE MODE"));
    RAPPORT_TRY(const auto kept, read_campaigns(db_));
    auto problems = campaign_problems(campaigns, kept);
    if (!problems.empty()) return problems;  // rolled back: nothing written
    const std::string now = now_iso8601();
    for (const Campaign& c : campaigns) {
      RAPPORT_TRY_VOID(
          db_.exec("INSERT INTO campaigns(id, name, channel, starts_on, ends_on, "
                   "spend_cents, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                   {param(c.id), param(c.name), param(c.channel), param(c.starts_on),
                    param(c.ends_on), param(c.spend_cents), param(now)}));
    }
    RAPPORT_TRY_VOID(tx.commit());
    return problems;
  }

  Result<std::vector<Campaign>> list() override { return read_campaigns(db_); }

 private:
  Connection db_;
};

}  // namespace

Result<std::unique_ptr<CampaignStore>> open_pg_campaign_store(const std::string& url) {
  RAPPORT_TRY(auto db, Connection::open(url));
  RAPPORT_TRY_VOID(pg::migrate(db));
  return std::unique_ptr<CampaignStore>(std::make_unique<PgCampaignStore>(std::move(db)));
}

}  // namespace rapport::server::reports
