// server/reports/campaign_store.cpp
//
// The campaigns' checks, their SQLite backend, and CampaignStore::open choosing the backend.
#include "server/reports/campaign_store.h"

#include "server/analytics/text_fields.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/store_url.h"
#include "shared/util/clock.h"

namespace rapport::server::reports {
namespace {

class SqliteCampaignStore final : public CampaignStore {
 public:
  explicit SqliteCampaignStore(storage::Database db) : db_(std::move(db)) {}
  Result<std::vector<CampaignProblem>> add(std::span<const Campaign> campaigns) override {
    return add_campaigns(db_, campaigns);
  }
  Result<std::vector<Campaign>> list() override { return list_campaigns(db_); }

 private:
  storage::Database db_;
};

}  // namespace

Result<std::unique_ptr<CampaignStore>> CampaignStore::open(const std::string& url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) {
    return open_pg_campaign_store(parsed.location);
  }
  RAPPORT_TRY(auto db, storage::Database::open(parsed.location, kSqliteMigrations));
  return std::unique_ptr<CampaignStore>(std::make_unique<SqliteCampaignStore>(std::move(db)));
}

std::vector<CampaignProblem> campaign_problems(std::span<const Campaign> campaigns,
                                               std::span<const Campaign> kept) {
  std::vector<CampaignProblem> problems;
  const auto fail = [&](std::size_t line, std::string problem) {
    if (problems.size() < kMaxCampaignProblems) problems.push_back({line, std::move(problem)});
  };
  for (std::size_t i = 0; i < campaigns.size(); ++i) {
    const Campaign& c = campaigns[i];
    for (auto& problem : campaign_field_problems(c)) fail(c.line, std::move(problem));
    for (std::size_t j = 0; j < i; ++j) {
      if (campaigns[j].id == c.id) fail(c.line, "id " + analytics::in_quotes(c.id) + " twice");
    }
    for (const auto& k : kept) {
      if (k.id == c.id) {
        fail(c.line, "a campaign " + analytics::in_quotes(c.id) +
                         " exists already (give this one another id)");
      } else if (campaigns_overlap(k, c)) {
        fail(c.line, "shares days with the kept campaign " + analytics::in_quotes(k.id) + " (" +
                         k.starts_on + " to " + k.ends_on + ") on channel " +
                         analytics::in_quotes(c.channel) +
                         ": one channel's campaigns must not overlap");
      }
    }
  }
  return problems;
}

Result<std::vector<CampaignProblem>> add_campaigns(storage::Database& db,
                                                   std::span<const Campaign> campaigns) {
  // BEGIN IMMEDIATE: a second adder waits, then checks against what this one kept.
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db));
  RAPPORT_TRY(const auto kept, list_campaigns(db));
  auto problems = campaign_problems(campaigns, kept);
  if (!problems.empty()) return problems;  // the transaction rolls back: nothing written
  RAPPORT_TRY(auto insert,
              db.prepare("INSERT INTO campaigns(id, name, channel, starts_on, ends_on, "
                         "spend_cents, added_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  const std::string now = now_iso8601();
  for (const Campaign& c : campaigns) {
    RAPPORT_TRY_VOID(insert.bind(1, c.id)
                         .bind(2, c.name)
                         .bind(3, c.channel)
                         .bind(4, c.starts_on)
                         .bind(5, c.ends_on)
                         .bind(6, c.spend_cents)
                         .bind(7, now)
                         .run());
  }
  RAPPORT_TRY_VOID(tx.commit());
  return problems;
}

Result<std::vector<Campaign>> list_campaigns(storage::Database& db) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT id, name, channel, starts_on, ends_on, spend_cents "
                                    "FROM campaigns ORDER BY channel, starts_on"));
  std::vector<Campaign> campaigns;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    Campaign c;
    c.id = stmt.column_text(0);
    c.name = stmt.column_text(1);
    c.channel = stmt.column_text(2);
    c.starts_on = stmt.column_text(3);
    c.ends_on = stmt.column_text(4);
    c.spend_cents = stmt.column_int64(5);
    campaigns.push_back(std::move(c));
  }
  return campaigns;
}

}  // namespace rapport::server::reports
