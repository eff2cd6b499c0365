// server/storage/sqlite_value.cpp
#include "server/storage/sqlite_value.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

#include "server/storage/sqlite_acquisition_days.h"
#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_rewards_days.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_store_equity.h"
#include "server/storage/sqlite_tier_checkpoints.h"
#include "server/storage/value_rows.h"
#include "shared/util/clock.h"
#include "shared/util/huge_pages.h"

namespace rapport::server::sqlite {
namespace {

using value_rows::day_of;
using value_rows::whole_days;

Result<void> keep_forecasts(storage::Database& db, const value::ValueRefresh& refresh,
                            std::int64_t fit_id, const std::string& as_of) {
  RAPPORT_TRY(auto latest, db.prepare("SELECT max(f.as_of) FROM value_fits f WHERE EXISTS "
                                      "(SELECT 1 FROM value_forecasts v WHERE v.fit_id = f.id)"));
  RAPPORT_TRY(const bool row, latest.step());
  if (row && !value_rows::forecast_cohort_due(latest.column_optional_text(0), as_of)) return {};
  RAPPORT_TRY(auto insert, db.prepare("INSERT OR REPLACE INTO value_forecasts(fit_id, member_id, "
                                      "frequency, recency, age, expected_visits, "
                                      "expected_spend_cents) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  const std::int64_t stride = value_rows::forecast_panel_stride(refresh);
  for (const auto& s : refresh.snapshots) {
    if (!s.history || (stride > 1 && s.member_id % stride != 0)) continue;
    RAPPORT_TRY_VOID(insert.bind(1, fit_id)
                         .bind(2, s.member_id)
                         .bind(3, s.history->frequency)
                         .bind(4, s.history->recency)
                         .bind(5, s.history->age)
                         .bind(6, s.expected_visits)
                         .bind(7, s.expected_spend_cents)
                         .run());
  }
  return {};
}

// A fit from the columns model, params, log_likelihood, customers, spend_params at `first`.
std::optional<value::ValueFitInfo> fit_from_columns(const storage::Statement& stmt, int first) {
  return value_rows::fit_from_text(stmt.column_text(first), stmt.column_text(first + 1),
                                   stmt.column_double(first + 2), stmt.column_int64(first + 3),
                                   stmt.column_optional_text(first + 4));
}

struct Previous {
  std::string tier;
  std::string segment;
  bool at_risk = false;
  long rhythm = -1;
  std::int64_t lifetime_value_cents = 0;  // for the stores' equity changes
  double p_alive = 0;
};

}  // namespace

namespace {

constexpr std::string_view kInputColumns =
    "m.id, m.purchase_days, m.first_purchase_day, m.last_purchase_day, m.revenue_cents, "
    "m.margin_cents, m.visit_count, m.referred_by, m.home_store";

value::MemberValueInput input_from_row(const storage::Statement& stmt) {
  value::MemberValueInput in;
  in.member_id = stmt.column_int64(0);
  in.purchase_days = stmt.column_int64(1);
  in.first_purchase = day_of(stmt.column_optional_text(2));
  in.last_purchase = day_of(stmt.column_optional_text(3));
  in.revenue_cents = stmt.column_int64(4);
  // Margins are summed only from lines that carried one: 0 means none were sent.
  if (const auto margin = stmt.column_int64(5); margin != 0) in.margin_cents = margin;
  in.visits = stmt.column_int64(6);
  if (!stmt.column_is_null(7)) in.referred_by = stmt.column_int64(7);
  in.home_store = stmt.column_text(8);
  in.advocacy_notes = stmt.column_int64(9);
  in.feedback_notes = stmt.column_int64(10);
  return in;
}

// Keeps a member's three largest categories as rows of (category, spend) arrive. It runs
// once per member_categories row (millions), so it inserts in place (an equal spend keeps
// arrival order) and allocates nothing: category names fit in a short string.
struct TopCategories {
  struct Entry {
    std::int64_t cents = 0;
    std::string category;
  };
  std::array<Entry, 3> top{};
  std::size_t count = 0;
  void add(std::int64_t cents, std::string_view category) {
    if (count == top.size() && cents <= top.back().cents) return;
    if (count < top.size()) ++count;
    std::size_t at = count - 1;  // the last place, free or the one dropped
    for (; at > 0 && top[at - 1].cents < cents; --at) top[at] = std::move(top[at - 1]);
    top[at].cents = cents;
    top[at].category.assign(category);
  }
  std::string text() const {
    std::string out;
    out.reserve(64);
    for (std::size_t i = 0; i < count; ++i) {
      if (i) out += ',';
      out += top[i].category;
      out += ':';
      std::array<char, 24> digits{};
      const auto end = std::to_chars(digits.data(), digits.data() + digits.size(), top[i].cents).ptr;
      out.append(digits.data(), end);
    }
    return out;
  }
};

// SQLite's page cache for one connection while a full refresh writes a million snapshots in
// one transaction: with the default 2 MB, dirty pages spill to the WAL mid-transaction and
// the same pages are written again. Restores the connection's own size when done. The read
// passes keep the default size: they go through each page once, and a large cache would
// only allocate fresh memory (page faults, costly on a virtual machine) they never reuse.
// Clean pages are also read through a memory map for that while (SQLite's largest, 2 GB):
// a million-row pass then costs no read() call and no copy per page.
// A connection that only reads once through each page (the category pass) keeps the small
// default cache: a large one only makes it allocate (and, on a virtual machine, fault in)
// fresh memory for pages it never reads again.
class LargerPageCache {
 public:
  enum class Size { kLarge, kDefault };
  explicit LargerPageCache(storage::Database& db, Size size = Size::kLarge) : db_(db) {
    if (size == Size::kLarge) cache_before_ = set("cache_size", -262144);  // 256 MiB
    mmap_before_ = set("mmap_size", 2'147'418'112);
  }
  LargerPageCache(const LargerPageCache&) = delete;
  LargerPageCache& operator=(const LargerPageCache&) = delete;
  ~LargerPageCache() {
    if (cache_before_) (void)set("cache_size", *cache_before_);
    if (mmap_before_) (void)set("mmap_size", *mmap_before_);
  }

 private:
  // Sets a pragma, returning its value before (nullopt when it could not be read or set).
  std::optional<std::int64_t> set(std::string_view pragma, std::int64_t value) {
    auto read = db_.prepare("PRAGMA " + std::string(pragma));
    if (!read) return std::nullopt;
    auto row = read->step();
    if (!row || !*row) return std::nullopt;
    const std::int64_t before = read->column_int64(0);
    if (!db_.execute("PRAGMA " + std::string(pragma) + "=" + std::to_string(value))) return std::nullopt;
    return before;
  }

  storage::Database& db_;
  std::optional<std::int64_t> cache_before_;
  std::optional<std::int64_t> mmap_before_;
};

// Member ids are the table's rowid, handed out in order, so the largest is the count of
// members ever enrolled: an upper bound found in one b-tree descent (count(*) walks them all).
Result<std::int64_t> largest_member_id(storage::Database& db) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT coalesce(max(id), 0) FROM members"));
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

// Ids are not reused, but a gap-ridden table must not make us reserve absurdly.
constexpr std::int64_t kMaxReserve = 50'000'000;

// Each member's three largest categories, "category:cents,..." by member id, from one pass
// over member_categories in member order.
Result<std::vector<std::pair<std::int64_t, std::string>>> read_top_categories(storage::Database& db) {
  RAPPORT_TRY(auto categories, db.prepare("SELECT member_id, category, spend_cents FROM "
                                          "member_categories ORDER BY member_id"));
  std::vector<std::pair<std::int64_t, std::string>> tops;
  RAPPORT_TRY(const std::int64_t largest_id, largest_member_id(db));
  reserve_with_huge_pages(tops, static_cast<std::size_t>(std::clamp<std::int64_t>(largest_id, 0, kMaxReserve)));
  TopCategories top;
  std::int64_t member = -1;
  for (;;) {
    RAPPORT_TRY(const bool row, categories.step());
    if (!row) break;
    const std::int64_t id = categories.column_int64(0);
    if (id != member) {
      if (member >= 0) tops.emplace_back(member, top.text());
      top = {};
      member = id;
    }
    top.add(categories.column_int64(2), categories.column_text(1));
  }
  if (member >= 0) tops.emplace_back(member, top.text());
  return tops;
}

// The file `db` has open, from SQLite itself; empty for an in-memory database (or if asking
// fails: the caller then reads on the one connection it has).
std::string main_file(storage::Database& db) {
  auto list = db.prepare("SELECT file FROM pragma_database_list WHERE name = 'main'");
  if (!list) return {};
  auto row = list->step();
  if (!row || !*row) return {};
  return list->column_text(0);
}

// The category pass on its own connection and thread, so it overlaps the members pass
// (half of a full refresh's read at 1,000,000 members and 4.8 million category rows). Both
// read committed data in WAL mode; a purchase landing between the two passes only changes
// one member's top categories, which the next refresh corrects. Null when the database has
// no file to open twice (in memory): then the caller reads them itself.
std::optional<std::future<Result<std::vector<std::pair<std::int64_t, std::string>>>>>
top_categories_in_parallel(storage::Database& db) {
  const auto file = main_file(db);
  if (file.empty()) return std::nullopt;
  return std::async(std::launch::async,
                    [file]() -> Result<std::vector<std::pair<std::int64_t, std::string>>> {
                      storage::OpenOptions options;
                      options.create_if_missing = false;
                      RAPPORT_TRY(auto second, storage::Database::open(file, server::kSqliteMigrations,
                                                                      options));
                      const LargerPageCache cache(second, LargerPageCache::Size::kDefault);
                      return read_top_categories(second);
                    });
}

}  // namespace

Result<std::vector<value::MemberValueInput>> read_value_inputs(storage::Database& db) {
  const LargerPageCache cache(db, LargerPageCache::Size::kDefault);  // one pass: no reuse
  auto parallel = top_categories_in_parallel(db);
  // One pass over members (with their notes counted) and one over member_categories, both
  // in member order, merged.
  RAPPORT_TRY(auto stmt,
              db.prepare("SELECT " + std::string(kInputColumns) +
                         ", coalesce(n.advocacy, 0), coalesce(n.feedback, 0) "
                         "FROM members m LEFT JOIN (SELECT member_id, "
                         "  sum(topic = 'advocacy') AS advocacy, "
                         "  sum(topic = 'feedback') AS feedback "
                         "  FROM notes WHERE member_id IS NOT NULL GROUP BY member_id) n "
                         "ON n.member_id = m.id ORDER BY m.id"));
  std::vector<value::MemberValueInput> inputs;
  // Sized once: growing a million-row vector by doubling copies it and faults in fresh
  // pages at every step (a third of the read stage at 1,000,000 members, by perf).
  RAPPORT_TRY(const std::int64_t largest_id, largest_member_id(db));
  reserve_with_huge_pages(inputs, static_cast<std::size_t>(std::clamp<std::int64_t>(largest_id, 0, kMaxReserve)));
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    inputs.push_back(input_from_row(stmt));
  }
  stmt.reset();  // no read transaction left open while the other connection works
  auto tops = parallel ? parallel->get() : read_top_categories(db);
  if (!tops) return tops.error();
  std::size_t at = 0;
  for (auto& [member, text] : *tops) {
    while (at < inputs.size() && inputs[at].member_id < member) ++at;
    if (at < inputs.size() && inputs[at].member_id == member) inputs[at].top_categories = std::move(text);
  }
  return inputs;
}

Result<std::vector<value::MemberValueInput>> read_value_inputs_of(
    storage::Database& db, std::span<const std::int64_t> members) {
  std::vector<std::int64_t> ids(members.begin(), members.end());
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  RAPPORT_TRY(auto stmt,
              db.prepare("SELECT " + std::string(kInputColumns) +
                         ", (SELECT count(*) FROM notes WHERE member_id = m.id AND topic = "
                         "'advocacy'), (SELECT count(*) FROM notes WHERE member_id = m.id AND "
                         "topic = 'feedback') FROM members m WHERE m.id = ?1"));
  RAPPORT_TRY(auto categories, db.prepare("SELECT category, spend_cents FROM member_categories "
                                          "WHERE member_id = ?1"));
  std::vector<value::MemberValueInput> inputs;
  for (const auto id : ids) {
    stmt.bind(1, id);
    RAPPORT_TRY(const bool row, stmt.step());
    if (row) inputs.push_back(input_from_row(stmt));
    stmt.reset();
    if (!row) continue;
    categories.bind(1, id);
    TopCategories top;
    for (;;) {
      RAPPORT_TRY(const bool more, categories.step());
      if (!more) break;
      top.add(categories.column_int64(1), categories.column_text(0));
    }
    categories.reset();
    inputs.back().top_categories = top.text();
  }
  return inputs;
}


Result<std::size_t> save_value_refresh(storage::Database& db, const value::ValueRefresh& refresh,
                                       const std::string& computed_at, const std::string& as_of,
                                       const ValueSaveMark& mark) {
  std::optional<LargerPageCache> cache;
  if (mark.full) cache.emplace(db);
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db));
  std::optional<std::int64_t> fit_id = mark.fit_id;
  if (mark.full && refresh.fit) {
    RAPPORT_TRY(auto fit, db.prepare("INSERT INTO value_fits(computed_at, as_of, model, params, "
                                     "log_likelihood, customers, spend_params, scales) VALUES "
                                     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    const auto text = value_rows::fit_text(*refresh.fit);
    fit.bind(1, computed_at)
        .bind(2, as_of)
        .bind(3, text.model)
        .bind(4, text.params)
        .bind(5, refresh.fit->log_likelihood)
        .bind(6, static_cast<std::int64_t>(refresh.fit->customers));
    fit.bind_optional(7, text.spend_params);
    std::optional<std::string> scales;
    if (refresh.scales) scales = value::to_string(*refresh.scales);
    fit.bind_optional(8, scales);
    RAPPORT_TRY_VOID(fit.run());
    fit_id = db.last_insert_rowid();
  } else if (mark.full) {
    fit_id.reset();
  }

  // The previous snapshots: of every member, read once (one row each), for a full refresh;
  // one by one for the few of an incremental one.
  // A vector in member order rather than a hash map: a million nodes cost more than a search.
  std::vector<std::pair<std::int64_t, Previous>> previous;
  RAPPORT_TRY(auto read, db.prepare(std::string("SELECT member_id, tier, segment, at_risk, "
                                                "rhythm_days, lifetime_value_cents, p_alive "
                                                "FROM value_snapshots") +
                                    (mark.full ? " ORDER BY member_id" : " WHERE member_id = ?1")));
  auto read_rows = [&]() -> Result<void> {
    for (;;) {
      RAPPORT_TRY(const bool row, read.step());
      if (!row) break;
      std::optional<double> rhythm;
      if (!read.column_is_null(4)) rhythm = read.column_double(4);
      previous.emplace_back(read.column_int64(0),
                            Previous{read.column_text(1), read.column_text(2),
                                     read.column_int64(3) != 0, whole_days(rhythm),
                                     read.column_int64(5), read.column_double(6)});
    }
    read.reset();
    return {};
  };
  if (mark.full) {
    reserve_with_huge_pages(previous, refresh.snapshots.size());
    RAPPORT_TRY_VOID(read_rows());
  } else {
    for (const auto& snap : refresh.snapshots) {
      read.bind(1, snap.member_id);
      RAPPORT_TRY_VOID(read_rows());
    }
    std::sort(previous.begin(), previous.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
  }
  auto previous_of = [&](std::int64_t id) -> const Previous* {
    const auto it = std::lower_bound(previous.begin(), previous.end(), id,
                                     [](const auto& row, std::int64_t key) { return row.first < key; });
    return it != previous.end() && it->first == id ? &it->second : nullptr;
  };

  // A member with a snapshot has it updated by its key (one b-tree search); an upsert would
  // first try to insert (a second search) before updating.
  constexpr std::string_view kSnapshotColumns =
      "fit_id = ?2, computed_at = ?3, historic_value_cents = ?4, historic_revenue_cents = ?5, "
      "expected_visits = ?6, expected_spend_cents = ?7, p_alive = ?8, lifetime_value_cents = ?9, "
      "referral_value_cents = ?10, advocacy_value_cents = ?11, total_value_cents = ?12, "
      "tier = ?13, rfm = ?14, segment = ?15, rhythm_days = ?16, at_risk = ?17, as_of = ?18, "
      "top_categories = ?19";
  RAPPORT_TRY(auto update, db.prepare("UPDATE value_snapshots SET " + std::string(kSnapshotColumns) +
                                      " WHERE member_id = ?1"));
  RAPPORT_TRY(auto insert,
              db.prepare("INSERT INTO value_snapshots(member_id, fit_id, computed_at, "
                         "historic_value_cents, historic_revenue_cents, expected_visits, "
                         "expected_spend_cents, p_alive, lifetime_value_cents, "
                         "referral_value_cents, advocacy_value_cents, total_value_cents, tier, "
                         "rfm, segment, rhythm_days, at_risk, as_of, top_categories) VALUES "
                         "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
                         "?16, ?17, ?18, ?19)"));
  RAPPORT_TRY(auto history, db.prepare("INSERT INTO tier_history(member_id, changed_at, tier, "
                                       "segment) VALUES (?1, ?2, ?3, ?4)"));
  RAPPORT_TRY(auto member, db.prepare("UPDATE members SET value_tier = ?2, at_risk = ?3, "
                                      "rhythm_days = ?4, changed_seq = ?5 WHERE id = ?1"));
  StoreEquityChanges equity(db);
  AcquisitionValueChanges acquisition(db);
  RAPPORT_TRY_VOID(acquisition.load(mark.full));
  TierCheckpointChanges tier_checkpoints(db);
  RewardsTierMoves rewards_moves(db);
  std::optional<std::int64_t> sequence;
  std::size_t migrated = 0;
  for (const auto& s : refresh.snapshots) {
    const std::string_view tier = value::to_string(s.tier);
    const Previous* before = previous_of(s.member_id);
    auto& write = before ? update : insert;
    // The texts are unowned: computed_at, as_of and the snapshots outlive the loop, tier
    // names are constants, and every row binds them again.
    write.bind(1, s.member_id)
        .bind_unowned(3, computed_at)
        .bind(4, s.historic_value_cents)
        .bind(5, s.historic_revenue_cents)
        .bind(6, s.expected_visits)
        .bind(7, s.expected_spend_cents)
        .bind(8, s.p_alive)
        .bind(9, s.lifetime_value_cents)
        .bind(10, s.referral_value_cents)
        .bind(11, s.advocacy_value_cents)
        .bind(12, s.total_value_cents)
        .bind_unowned(13, tier)
        .bind_unowned(14, s.rfm)
        .bind_unowned(15, s.segment)
        .bind(17, std::int64_t{s.at_risk ? 1 : 0})
        .bind_unowned(18, as_of)
        .bind_unowned(19, s.top_categories)
        .bind_optional(2, fit_id)
        .bind_optional(16, s.rhythm_days);
    RAPPORT_TRY_VOID(write.run());

    std::optional<StoreEquityChanges::Before> equity_before;
    if (before) equity_before = StoreEquityChanges::Before{before->lifetime_value_cents, before->p_alive};
    equity.add(s.home_store, equity_before, s.lifetime_value_cents, s.p_alive);
    RAPPORT_TRY_VOID(acquisition.add(
        s.member_id, before ? std::optional(before->lifetime_value_cents) : std::nullopt,
        s.lifetime_value_cents));
    const bool moved = !before || before->tier != tier || before->segment != s.segment;
    if (moved) {
      ++migrated;
      RAPPORT_TRY_VOID(
          history.bind(1, s.member_id).bind(2, computed_at).bind(3, tier).bind(4, s.segment).run());
      if (!before || before->tier != tier) {
        tier_checkpoints.add(s.member_id, tier);
        RAPPORT_TRY(const auto counted, acquisition.counted_home_store(s.member_id));
        const auto from = before ? std::optional<std::string_view>(before->tier) : std::nullopt;
        rewards_moves.add(s.member_id, from, tier, counted);
      }
    }
    // Terminals pull the member again only when what they show changed.
    const bool shown_changed = !before || before->tier != tier || before->at_risk != s.at_risk ||
                               before->rhythm != whole_days(s.rhythm_days);
    if (!shown_changed) continue;
    if (!sequence) {
      RAPPORT_TRY(sequence, next_change_sequence(db));
    }
    member.bind(1, s.member_id)
        .bind(2, tier)
        .bind(3, std::int64_t{s.at_risk ? 1 : 0})
        .bind_optional(4, s.rhythm_days)
        .bind(5, *sequence);
    RAPPORT_TRY_VOID(member.run());
  }
  if (mark.full && fit_id) RAPPORT_TRY_VOID(keep_forecasts(db, refresh, *fit_id, as_of));
  RAPPORT_TRY(auto log, db.prepare("INSERT INTO value_refreshes(kind, fit_id, as_of, computed_at, "
                                   "events_seq, members) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  RAPPORT_TRY_VOID(log.bind(1, std::string_view(mark.full ? "full" : "incremental"))
                       .bind_optional(2, fit_id)
                       .bind(3, as_of)
                       .bind(4, computed_at)
                       .bind(5, mark.events_seq)
                       .bind(6, static_cast<std::int64_t>(refresh.snapshots.size()))
                       .run());
  RAPPORT_TRY_VOID(equity.write(db.last_insert_rowid(), as_of));
  RAPPORT_TRY_VOID(acquisition.write());
  RAPPORT_TRY_VOID(tier_checkpoints.write(std::string_view(computed_at).substr(0, 10)));
  RAPPORT_TRY_VOID(rewards_moves.write(std::string_view(computed_at).substr(0, 10)));
  RAPPORT_TRY_VOID(tx.commit());
  return migrated;
}

Result<std::int64_t> last_event_sequence(storage::Database& db) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT coalesce(max(seq), 0) FROM events"));
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

Result<std::optional<LastValueRefresh>> read_last_value_refresh(storage::Database& db) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT r.events_seq, f.id, f.model, f.params, "
                                    "f.log_likelihood, f.customers, f.spend_params, f.scales "
                                    "FROM value_refreshes r LEFT JOIN value_fits f ON f.id = "
                                    "(SELECT fit_id FROM value_refreshes WHERE kind = 'full' ORDER BY id DESC LIMIT 1) "
                                    "ORDER BY r.id DESC LIMIT 1"));
  RAPPORT_TRY(const bool row, stmt.step());
  if (!row) return std::optional<LastValueRefresh>{};
  LastValueRefresh last;
  last.events_seq = stmt.column_int64(0);
  if (!stmt.column_is_null(1)) {
    last.fit_id = stmt.column_int64(1);
    last.fit = fit_from_columns(stmt, 2);
    if (const auto scales = stmt.column_optional_text(7)) {
      last.scales = value::value_scales_from_string(*scales);
    }
  }
  return std::optional<LastValueRefresh>(std::move(last));
}

Result<std::vector<std::int64_t>> members_changed_since(storage::Database& db,
                                                        std::int64_t events_seq,
                                                        std::size_t limit) {
  RAPPORT_TRY(auto stmt,
              db.prepare("WITH touched(id) AS ("
                         "  SELECT member_id FROM events WHERE seq > ?1 AND member_id IS NOT NULL "
                         "  UNION SELECT p.member_id FROM events e JOIN purchases p "
                         "    ON p.event_id = json_extract(e.payload, '$.purchase_id') "
                         "    WHERE e.seq > ?1 AND e.kind IN ('refund', 'void') "
                         "    AND p.member_id IS NOT NULL) "
                         "SELECT id FROM touched UNION SELECT m.referred_by FROM members m "
                         "  JOIN touched t ON t.id = m.id WHERE m.referred_by IS NOT NULL "
                         "LIMIT ?2"));
  stmt.bind(1, events_seq).bind(2, static_cast<std::int64_t>(limit));
  std::vector<std::int64_t> ids;
  for (;;) {
    RAPPORT_TRY(const bool row, stmt.step());
    if (!row) break;
    ids.push_back(stmt.column_int64(0));
  }
  return ids;
}

Result<std::vector<std::pair<std::int64_t, std::int64_t>>> referee_lifetime_values(
    storage::Database& db, std::span<const std::int64_t> referrers) {
  RAPPORT_TRY(auto stmt, db.prepare("SELECT m.id, s.lifetime_value_cents FROM members m "
                                    "JOIN value_snapshots s ON s.member_id = m.id "
                                    "WHERE m.referred_by = ?1"));
  std::vector<std::pair<std::int64_t, std::int64_t>> values;
  std::set<std::int64_t> inside(referrers.begin(), referrers.end());
  for (const auto referrer : inside) {
    stmt.bind(1, referrer);
    for (;;) {
      RAPPORT_TRY(const bool row, stmt.step());
      if (!row) break;
      // Referees being valued in the same refresh count with their new lifetime value.
      if (!inside.contains(stmt.column_int64(0))) values.emplace_back(referrer, stmt.column_int64(1));
    }
    stmt.reset();
  }
  return values;
}

Result<std::vector<ForecastCheck>> check_forecasts(storage::Database& db, double horizon_weeks,
                                                   std::chrono::sys_days today) {
  RAPPORT_TRY(auto cohorts, db.prepare("SELECT f.id, f.as_of, f.model, f.params, "
                                       "f.log_likelihood, f.customers, f.spend_params "
                                       "FROM value_fits f WHERE EXISTS (SELECT 1 FROM "
                                       "value_forecasts v WHERE v.fit_id = f.id) ORDER BY f.id"));
  RAPPORT_TRY(auto rows,
              db.prepare("SELECT f.frequency, f.recency, f.age, f.expected_visits, "
                         "f.expected_spend_cents, "
                         "(SELECT count(DISTINCT day) FROM purchases p WHERE p.member_id = "
                         "  f.member_id AND p.day > ?2 AND p.day <= ?3), "
                         "(SELECT coalesce(sum(amount_cents - refunded_cents), 0) FROM purchases "
                         "  p WHERE p.member_id = f.member_id AND p.day > ?2 AND p.day <= ?3) "
                         "FROM value_forecasts f WHERE f.fit_id = ?1"));
  RAPPORT_TRY(auto save, db.prepare("INSERT INTO value_accuracy(fit_id, checked_at, "
                                    "window_start, window_end, bin, members, expected_visits, "
                                    "actual_visits, expected_spend_cents, actual_spend_cents) "
                                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  std::vector<ForecastCheck> checks;
  const std::string checked_at = now_iso8601();
  for (;;) {
    RAPPORT_TRY(const bool cohort, cohorts.step());
    if (!cohort) break;
    const auto start = day_of(cohorts.column_optional_text(1));
    const auto fit = fit_from_columns(cohorts, 2);
    if (!start || !fit || today <= *start) continue;
    const auto model = value::model_of(*fit);
    if (!model) continue;
    const auto horizon_end =
        *start + std::chrono::days(static_cast<int>(std::lround(horizon_weeks * 7)));
    const auto end = std::min(today, horizon_end);
    ForecastCheck check;
    check.fit_id = cohorts.column_int64(0);
    check.window_start = cohorts.column_text(1);
    check.window_end = to_iso8601_day(end);
    check.elapsed_weeks = static_cast<double>((end - *start).count()) / 7.0;
    std::vector<value::ForecastOutcome> outcomes;
    rows.bind(1, check.fit_id).bind(2, check.window_start).bind(3, check.window_end);
    for (;;) {
      RAPPORT_TRY(const bool row, rows.step());
      if (!row) break;
      value::ForecastOutcome o;
      o.history.frequency = rows.column_double(0);
      o.history.recency = rows.column_double(1);
      o.history.age = rows.column_double(2);
      o.expected_visits = rows.column_double(3);
      o.expected_spend_cents = rows.column_int64(4);
      o.actual_visits = rows.column_int64(5);
      o.actual_spend_cents = rows.column_int64(6);
      outcomes.push_back(std::move(o));
    }
    rows.reset();
    check.bins = value::compare_forecasts(*model, outcomes, check.elapsed_weeks, horizon_weeks);
    checks.push_back(std::move(check));
  }
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db));
  for (const auto& check : checks) {
    for (const auto& bin : check.bins) {
      RAPPORT_TRY_VOID(save.bind(1, check.fit_id)
                           .bind(2, checked_at)
                           .bind(3, check.window_start)
                           .bind(4, check.window_end)
                           .bind(5, bin.bin)
                           .bind(6, static_cast<std::int64_t>(bin.members))
                           .bind(7, bin.expected_visits)
                           .bind(8, bin.actual_visits)
                           .bind(9, bin.expected_spend_cents)
                           .bind(10, bin.actual_spend_cents)
                           .run());
    }
  }
  RAPPORT_TRY_VOID(tx.commit());
  return checks;
}

Result<std::optional<value::ValueSnapshot>> read_value_snapshot(storage::Database& db,
                                                                std::int64_t member_id) {
  RAPPORT_TRY(auto stmt,
              db.prepare("SELECT historic_value_cents, historic_revenue_cents, expected_visits, "
                         "expected_spend_cents, p_alive, lifetime_value_cents, "
                         "referral_value_cents, advocacy_value_cents, total_value_cents, tier, "
                         "rfm, segment, rhythm_days, at_risk, top_categories FROM value_snapshots "
                         "WHERE member_id = ?1"));
  stmt.bind(1, member_id);
  RAPPORT_TRY(const bool row, stmt.step());
  if (!row) return std::optional<value::ValueSnapshot>{};
  value::ValueSnapshot s;
  s.member_id = member_id;
  s.historic_value_cents = stmt.column_int64(0);
  s.historic_revenue_cents = stmt.column_int64(1);
  s.expected_visits = stmt.column_double(2);
  s.expected_spend_cents = stmt.column_int64(3);
  s.p_alive = stmt.column_double(4);
  s.lifetime_value_cents = stmt.column_int64(5);
  s.referral_value_cents = stmt.column_int64(6);
  s.advocacy_value_cents = stmt.column_int64(7);
  s.total_value_cents = stmt.column_int64(8);
  s.tier = value::value_tier_from_string(stmt.column_text(9)).value_or(value::ValueTier::kLmc);
  s.rfm = stmt.column_text(10);
  s.segment = stmt.column_text(11);
  if (!stmt.column_is_null(12)) s.rhythm_days = stmt.column_double(12);
  s.at_risk = stmt.column_int64(13) != 0;
  s.top_categories = stmt.column_optional_text(14).value_or("");
  return std::optional<value::ValueSnapshot>(std::move(s));
}

}  // namespace rapport::server::sqlite
