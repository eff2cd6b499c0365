// server/seed_points.cpp
#include "server/seed_points.h"

#include <algorithm>
#include <string>

#include "server/storage/sqlite_schema.h"
#include "shared/storage/database.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

constexpr std::int64_t kPurchasesPerChunk = 50'000;

// ?1, ?2: the chunk's purchase rowids. Causes are the seed's own ("seed:earn:<event>"), so a
// second run posts nothing new (ON CONFLICT(cause) DO NOTHING) and never clashes with what
// the rewards engine would post for the same purchase.
constexpr std::string_view kEarn =
    "INSERT INTO points_postings(kind, cause, event_id, purchase_id, occurred_at, posted_at) "
    "SELECT 'earn', 'seed:earn:' || event_id, event_id, event_id, day || 'T12:00:00.000Z', "
    "  day || 'T12:00:00.000Z' FROM purchases WHERE rowid BETWEEN ?1 AND ?2 "
    "  AND member_id IS NOT NULL AND amount_cents >= 100 ORDER BY rowid "
    "ON CONFLICT(cause) DO NOTHING";
// Every fifth purchase (by rowid) of a member who bought on an earlier day redeems twice what
// it earns: about 40 % of what five purchases earn, so balances mostly stay positive.
constexpr std::string_view kRedeem =
    "INSERT INTO points_postings(kind, cause, event_id, purchase_id, occurred_at, posted_at) "
    "SELECT 'redemption', 'seed:redeem:' || p.event_id, p.event_id, p.event_id, "
    "  p.day || 'T12:30:00.000Z', p.day || 'T12:30:00.000Z' FROM purchases p "
    "WHERE p.rowid BETWEEN ?1 AND ?2 AND p.rowid % 5 = 0 AND p.member_id IS NOT NULL "
    "  AND p.amount_cents >= 100 AND EXISTS (SELECT 1 FROM purchases q "
    "  WHERE q.member_id = p.member_id AND q.day < p.day) ORDER BY p.rowid "
    "ON CONFLICT(cause) DO NOTHING";
// The entries of the postings made since ?1 (the largest posting id before them).
constexpr std::string_view kEntries =
    "INSERT INTO points_entries(posting_id, account, member_id, points) "
    "SELECT t.id, CASE a.side WHEN 0 THEN 'member' WHEN 1 THEN 'chain:issued' "
    "  ELSE 'chain:redeemed' END, CASE a.side WHEN 0 THEN u.member_id END, "
    "  (CASE WHEN t.kind = 'earn' THEN 1 ELSE -2 END) * (u.amount_cents / 100) "
    "  * (CASE a.side WHEN 0 THEN 1 ELSE -1 END) "
    "FROM points_postings t JOIN purchases u ON u.event_id = t.purchase_id "
    "JOIN (SELECT 0 AS side UNION ALL SELECT 1 UNION ALL SELECT 2) a "
    "WHERE t.id > ?1 AND (a.side = 0 OR (a.side = 1) = (t.kind = 'earn')) "
    "ORDER BY t.id, a.side";
// ?1 the chain's end: members whose last purchase is more than 365 days before it lose
// their positive balance on the 365th day after it. Their balances are read first: the
// entries' triggers change member_rewards as they are written.
constexpr std::string_view kExpiring =
    "CREATE TEMP TABLE seed_expiring AS SELECT m.id AS member_id, r.outstanding AS points, "
    "  date(m.last_purchase_day, '+365 days') || 'T03:00:00.000Z' AS at "
    "FROM members m JOIN member_rewards r ON r.member_id = m.id "
    "WHERE m.last_purchase_day < date(?1, '-365 days') AND r.outstanding > 0";
constexpr std::string_view kExpire =
    "INSERT INTO points_postings(kind, cause, occurred_at, posted_at) "
    "SELECT 'expiry', 'seed:expiry:' || member_id, at, at FROM seed_expiring "
    "ORDER BY member_id ON CONFLICT(cause) DO NOTHING";
constexpr std::string_view kExpireEntries =
    "INSERT INTO points_entries(posting_id, account, member_id, points) "
    "SELECT t.id, CASE a.side WHEN 0 THEN 'member' ELSE 'chain:expired' END, "
    "  CASE a.side WHEN 0 THEN x.member_id END, "
    "  CASE a.side WHEN 0 THEN -x.points ELSE x.points END "
    "FROM points_postings t JOIN seed_expiring x ON t.cause = 'seed:expiry:' || x.member_id "
    "JOIN (SELECT 0 AS side UNION ALL SELECT 1) a WHERE t.id > ?1 ORDER BY t.id, a.side";

Result<std::int64_t> single(storage::Database& db, std::string_view sql) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  RAPPORT_TRY(const bool row, stmt.step());
  return row && !stmt.column_is_null(0) ? stmt.column_int64(0) : 0;
}

Result<std::size_t> postings_of(storage::Database& db, std::string_view kind) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT count(*) FROM points_postings WHERE kind = ?1 "
                                    "AND cause LIKE 'seed:%'"));
  stmt.bind(1, kind);
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? static_cast<std::size_t>(stmt.column_int64(0)) : 0;
}

}  // namespace

Result<SeedPointsResult> seed_points_ledger(const std::filesystem::path& database,
                                            std::chrono::sys_days end,
                                            const analytics::ProgressCallback& progress) {
  RAPPORT_TRY(auto db, storage::Database::open(database, kSqliteMigrations));
  RAPPORT_TRY(const std::int64_t first, single(db, "SELECT min(rowid) FROM purchases"));
  RAPPORT_TRY(const std::int64_t last, single(db, "SELECT max(rowid) FROM purchases"));
  analytics::ProgressTicker ticker(progress, "posting points",
                                   static_cast<std::size_t>(last - first + 1));
  for (std::int64_t from = first; from <= last; from += kPurchasesPerChunk) {
    const std::int64_t to = std::min(last, from + kPurchasesPerChunk - 1);
    RAPPORT_TRY(auto tx, storage::Transaction::begin(db));
    RAPPORT_TRY(const std::int64_t before, single(db, "SELECT coalesce(max(id), 0) FROM points_postings"));
    for (const std::string_view sql : {kEarn, kRedeem}) {
      RAPPORT_TRY(auto post, db.prepare(sql));
      RAPPORT_TRY_VOID(post.bind(1, from).bind(2, to).run());
    }
    RAPPORT_TRY(auto entries, db.prepare(kEntries));
    RAPPORT_TRY_VOID(entries.bind(1, before).run());
    RAPPORT_TRY_VOID(tx.commit());
    for (std::int64_t i = from; i <= to; ++i) ticker.tick();
  }
  {
    RAPPORT_TRY(auto tx, storage::Transaction::begin(db));
    RAPPORT_TRY(const std::int64_t before, single(db, "SELECT coalesce(max(id), 0) FROM points_postings"));
    const std::string end_day = to_iso8601(std::chrono::sys_time<std::chrono::milliseconds>(end))
                                    .substr(0, 10);
    RAPPORT_TRY(auto expiring, db.prepare(kExpiring));
    RAPPORT_TRY_VOID(expiring.bind(1, std::string_view(end_day)).run());
    RAPPORT_TRY_VOID(db.execute(kExpire));
    RAPPORT_TRY(auto entries, db.prepare(kExpireEntries));
    RAPPORT_TRY_VOID(entries.bind(1, before).run());
    RAPPORT_TRY_VOID(db.execute("DROP TABLE seed_expiring"));
    RAPPORT_TRY_VOID(tx.commit());
  }
  ticker.finish();
  SeedPointsResult result;
  RAPPORT_TRY(result.earned, postings_of(db, "earn"));
  RAPPORT_TRY(result.redeemed, postings_of(db, "redemption"));
  RAPPORT_TRY(result.expired, postings_of(db, "expiry"));
  return result;
}

}  // namespace rapport::server
