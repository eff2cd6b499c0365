// server/storage/sqlite_bulk_load.cpp
//
// What EventRecorder derives event by event (sqlite_event_recorder.cpp, sqlite_purchases.cpp,
// sqlite_members.cpp), derived here per member in memory from the batch and written once:
// - enrollment: the member (name, home store = the event's store, birth date, channel,
//   referred_by = the member holding the referrer's card), its card, and the event's payload
//   without personal data;
// - visit: visit_count, last_visit (latest occurred_at), last_seen_at and
//   member_store_visits (latest min(occurred_at, received_at)), the card's last read and the
//   velocity check (a read at another store within 60 minutes of the previous: card_alerts);
// - purchase: the purchases row (UTC day, total, summed line margins or NULL), purchase
//   days (distinct days), first and last day, revenue and margin, member_categories,
//   purchase_products, and each member's usual order (the same SQL as the event path).
// Every member of one batch gets the batch's change sequence, as with record_events.

#include "server/storage/sqlite_bulk_load.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "server/storage/sqlite_members.h"
#include "server/storage/sqlite_schema.h"
#include "server/storage/sqlite_usual_order.h"
#include "shared/protocol/event_payloads.h"
#include "shared/storage/database.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::server {
namespace {

using domain::EventKind;
using storage::Database;
using storage::Statement;

constexpr std::chrono::minutes kVelocityWindow{60};  // Store's default

struct Category {
  std::int64_t spend_cents = 0;
  std::int64_t lines = 0;
};

struct Alert {
  std::string first_store, first_at, second_store, second_at, event_id;
};

// One member of the batch as the recorder would have left them.
struct Member {
  std::int64_t id = 0;
  std::string card_token;
  protocol::EnrollmentPayload enrollment;
  std::string home_store;
  std::string enrolled_on;  // the enrollment event's day
  std::optional<std::int64_t> referred_by;
  std::int64_t visit_count = 0;
  std::optional<std::string> last_visit;
  std::optional<std::string> last_seen_at;
  std::map<std::string, std::string> seen_at_store;  // store -> last seen
  std::optional<std::string> card_store, card_at;    // the card's last read
  std::vector<Alert> alerts;
  std::set<std::string> days;
  std::int64_t revenue_cents = 0;
  std::int64_t margin_cents = 0;
  std::map<std::string, Category> categories;
};

struct PurchaseRow {
  std::size_t event = 0;  // index in the batch
  std::int64_t member_id = 0;
  std::string day;
  std::int64_t amount_cents = 0;
  std::optional<std::int64_t> margin_cents;
  std::set<std::string> products;  // purchase_products
};

Result<Statement> prepare(Database& db, std::string_view sql) { return db.prepare(sql); }

class SqliteBulkLoader final : public BulkLoader {
 public:
  SqliteBulkLoader(Database db, std::int64_t next_id) : db_(std::move(db)), next_id_(next_id) {}

  Result<void> prepare_statements() {
    RAPPORT_TRY(member_, prepare(db_, "INSERT INTO members(id, name, home_store, birth_date, "
                                      "created_at, changed_seq, channel, referred_by, "
                                      "visit_count, last_visit, last_seen_at, purchase_days, "
                                      "first_purchase_day, last_purchase_day, revenue_cents, "
                                      "margin_cents, phone, email, marketing_consent, "
                                      "personalisation_consent, enrolled_on) VALUES (?1, ?2, "
                                      "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                                      "?15, ?16, ?17, ?18, ?19, ?20, ?21)"));
    RAPPORT_TRY(card_, prepare(db_, "INSERT INTO cards(token, member_id, last4, issued_at, "
                                    "last_seen_store, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, "
                                    "?6)"));
    RAPPORT_TRY(event_, prepare(db_, "INSERT INTO events(id, kind, terminal_id, store_id, "
                                     "card_token, member_id, occurred_at, received_at, payload) "
                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
    RAPPORT_TRY(purchase_, prepare(db_, "INSERT INTO purchases(event_id, member_id, card_token, "
                                        "store_id, day, amount_cents, margin_cents, "
                                        "occurred_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
    RAPPORT_TRY(product_, prepare(db_, "INSERT INTO purchase_products(event_id, product) "
                                       "VALUES (?1, ?2)"));
    RAPPORT_TRY(usual_, prepare(db_, "UPDATE members SET usual_order = " +
                                         sqlite::usual_order_sql("members.id") +
                                         " WHERE id >= ?1 AND id < ?2"));
    RAPPORT_TRY(category_, prepare(db_, "INSERT INTO member_categories(member_id, category, "
                                        "spend_cents, lines) VALUES (?1, ?2, ?3, ?4)"));
    RAPPORT_TRY(seen_, prepare(db_, "INSERT INTO member_store_visits(member_id, store_id, "
                                    "last_seen_at) VALUES (?1, ?2, ?3)"));
    RAPPORT_TRY(referrer_, prepare(db_, "SELECT member_id FROM cards WHERE token = ?1"));
    return {};
  }

  Result<void> add(std::span<const domain::Event> events) override {
    const std::string received_at = now_iso8601();
    const std::string created_at = received_at;
    std::vector<Member> members;
    std::unordered_map<std::string, std::size_t> by_token;  // this batch's cards
    std::vector<std::int64_t> event_member(events.size());
    std::vector<std::string> payloads(events.size());
    std::vector<PurchaseRow> purchases;

    // First pass: derive everything; nothing is written if the batch breaks the contract.
    for (std::size_t i = 0; i < events.size(); ++i) {
      const domain::Event& e = events[i];
      if (e.kind == EventKind::kEnrollment) {
        auto enrollment = protocol::decode_enrollment(e.payload);
        if (!enrollment) return enrollment.error();
        if (by_token.contains(e.card_token)) return make_error_code(storage::StorageErrc::kMisuse);
        Member m;
        m.id = next_id_ + static_cast<std::int64_t>(members.size());
        m.card_token = e.card_token;
        m.home_store = e.store_id;
        m.enrolled_on = e.occurred_at.substr(0, 10);
        if (enrollment->referred_by_token) {
          if (const auto it = by_token.find(*enrollment->referred_by_token); it != by_token.end()) {
            m.referred_by = members[it->second].id;
          } else {
            RAPPORT_TRY(m.referred_by, earlier_member(*enrollment->referred_by_token));
          }
        }
        payloads[i] = protocol::without_personal_data(*enrollment);
        m.enrollment = std::move(*enrollment);
        by_token.emplace(e.card_token, members.size());
        event_member[i] = m.id;
        members.push_back(std::move(m));
        continue;
      }
      const auto owner = by_token.find(e.card_token);
      if (owner == by_token.end()) return make_error_code(storage::StorageErrc::kMisuse);
      Member& m = members[owner->second];
      event_member[i] = m.id;
      if (e.kind == EventKind::kVisit) {
        count_visit(m, e, received_at);
      } else if (e.kind == EventKind::kPurchase) {
        const auto sale = protocol::decode_purchase(e.payload);
        if (!sale) return sale.error();
        PurchaseRow row{i, m.id, e.occurred_at.substr(0, 10), sale->total_cents, {}, {}};
        for (const auto& line : sale->lines) {
          if (line.margin_cents) row.margin_cents = row.margin_cents.value_or(0) + *line.margin_cents;
          row.products.insert(line.product);
          auto& c = m.categories[line.category];
          c.spend_cents += line.amount_cents;
          ++c.lines;
        }
        m.days.insert(row.day);
        m.revenue_cents += row.amount_cents;
        m.margin_cents += row.margin_cents.value_or(0);
        purchases.push_back(std::move(row));
      } else {
        return make_error_code(storage::StorageErrc::kMisuse);
      }
    }

    // Second pass: each row once, in one transaction.
    RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
    RAPPORT_TRY(const std::int64_t sequence, sqlite::next_change_sequence(db_));
    for (const Member& m : members) {
      member_->bind(1, m.id)
          .bind(2, m.enrollment.name)
          .bind(3, m.home_store)
          .bind_optional(4, m.enrollment.birth_date)
          .bind(5, created_at)
          .bind(6, sequence)
          .bind_optional(7, m.enrollment.channel)
          .bind_optional(8, m.referred_by)
          .bind(9, m.visit_count)
          .bind_optional(10, m.last_visit)
          .bind_optional(11, m.last_seen_at)
          .bind(12, static_cast<std::int64_t>(m.days.size()));
      if (m.days.empty()) {
        member_->bind_null(13).bind_null(14);
      } else {
        member_->bind(13, *m.days.begin()).bind(14, *m.days.rbegin());
      }
      member_->bind(15, m.revenue_cents).bind(16, m.margin_cents);
      // As the event recorder does: marketing only when given, personalisation unless refused.
      member_->bind_optional(17, m.enrollment.phone)
          .bind_optional(18, m.enrollment.email)
          .bind(19, std::int64_t{m.enrollment.marketing_consent.value_or(false)})
          .bind(20, std::int64_t{m.enrollment.personalisation_consent.value_or(true)})
          .bind(21, m.enrolled_on);
      RAPPORT_TRY_VOID(member_->run());
      card_->bind(1, m.card_token)
          .bind(2, m.id)
          .bind(3, m.enrollment.last4)
          .bind(4, created_at)
          .bind_optional(5, m.card_store)
          .bind_optional(6, m.card_at);
      RAPPORT_TRY_VOID(card_->run());
      for (const auto& [category, c] : m.categories) {
        RAPPORT_TRY_VOID(
            category_->bind(1, m.id).bind(2, category).bind(3, c.spend_cents).bind(4, c.lines).run());
      }
      for (const auto& [store, at] : m.seen_at_store) {
        RAPPORT_TRY_VOID(seen_->bind(1, m.id).bind(2, store).bind(3, at).run());
      }
      for (const Alert& a : m.alerts) RAPPORT_TRY_VOID(write_alert(m, a));
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
      const domain::Event& e = events[i];
      event_->bind(1, e.id)
          .bind(2, domain::to_string(e.kind))
          .bind(3, e.terminal_id)
          .bind(4, e.store_id)
          .bind(5, e.card_token)
          .bind(6, event_member[i])
          .bind(7, e.occurred_at)
          .bind(8, received_at)
          .bind(9, payloads[i].empty() ? std::string_view(e.payload) : std::string_view(payloads[i]));
      RAPPORT_TRY_VOID(event_->run());
    }
    for (const PurchaseRow& p : purchases) {
      const domain::Event& e = events[p.event];
      purchase_->bind(1, e.id)
          .bind(2, p.member_id)
          .bind(3, e.card_token)
          .bind(4, e.store_id)
          .bind(5, p.day)
          .bind(6, p.amount_cents)
          .bind_optional(7, p.margin_cents)
          .bind(8, e.occurred_at);
      RAPPORT_TRY_VOID(purchase_->run());
      for (const auto& product : p.products) {
        RAPPORT_TRY_VOID(product_->bind(1, e.id).bind(2, product).run());
      }
    }
    // The usual order by the same rule as the event path (sqlite_usual_order.h), derived once
    // per member of the batch now that all their purchases are written.
    if (!members.empty()) {
      RAPPORT_TRY_VOID(usual_->bind(1, next_id_)
                           .bind(2, next_id_ + static_cast<std::int64_t>(members.size()))
                           .run());
    }
    RAPPORT_TRY_VOID(tx.commit());
    next_id_ += static_cast<std::int64_t>(members.size());
    return {};
  }

  Result<void> finish() override {
    member_.reset();
    card_.reset();
    event_.reset();
    purchase_.reset();
    product_.reset();
    usual_.reset();
    category_.reset();
    seen_.reset();
    referrer_.reset();
    RAPPORT_TRY_VOID(db_.execute("PRAGMA journal_mode=WAL"));
    RAPPORT_TRY_VOID(db_.execute("PRAGMA synchronous=FULL"));
    return db_.execute("PRAGMA foreign_keys=ON");
  }

 private:
  static void count_visit(Member& m, const domain::Event& e, const std::string& received_at) {
    // check_velocity: against the card's previous read, then the read is kept if newer.
    if (m.card_store && m.card_at && *m.card_store != e.store_id) {
      const auto before = from_iso8601(*m.card_at);
      const auto now = from_iso8601(e.occurred_at);
      if (before && now) {
        const auto gap = *now > *before ? *now - *before : *before - *now;
        if (gap < kVelocityWindow) {
          m.alerts.push_back({*m.card_store, *m.card_at, e.store_id, e.occurred_at, e.id});
        }
      }
    }
    if (!m.card_at || *m.card_at <= e.occurred_at) {
      m.card_store = e.store_id;
      m.card_at = e.occurred_at;
    }
    ++m.visit_count;
    if (!m.last_visit || *m.last_visit < e.occurred_at) m.last_visit = e.occurred_at;
    const std::string& seen = std::min(e.occurred_at, received_at);
    if (!m.last_seen_at || *m.last_seen_at < seen) m.last_seen_at = seen;
    auto [it, added] = m.seen_at_store.emplace(e.store_id, seen);
    if (!added && it->second < seen) it->second = seen;
  }

  Result<void> write_alert(const Member& m, const Alert& a) {
    RAPPORT_TRY(auto flag, db_.prepare("INSERT INTO card_alerts(card_token, member_id, "
                                       "first_store, first_at, second_store, second_at, "
                                       "event_id, flagged_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                                       "?7, ?8)"));
    return flag.bind(1, m.card_token)
        .bind(2, m.id)
        .bind(3, a.first_store)
        .bind(4, a.first_at)
        .bind(5, a.second_store)
        .bind(6, a.second_at)
        .bind(7, a.event_id)
        .bind(8, now_iso8601())
        .run();
  }

  Result<std::optional<std::int64_t>> earlier_member(const std::string& token) {
    referrer_->bind(1, token);
    RAPPORT_TRY(const bool row, referrer_->step());
    std::optional<std::int64_t> id;
    if (row) id = referrer_->column_int64(0);
    referrer_->reset();
    return id;
  }

  Database db_;
  std::int64_t next_id_;
  std::optional<Statement> member_, card_, event_, purchase_, product_, usual_, category_, seen_,
      referrer_;
};

}  // namespace

Result<std::unique_ptr<BulkLoader>> open_sqlite_bulk_loader(const std::filesystem::path& file) {
  storage::OpenOptions options;
  options.full_sync = false;
  RAPPORT_TRY(auto db, Database::open(file, kSqliteMigrations, options));
  std::int64_t next_id = 1;
  {
    RAPPORT_TRY(auto count, db.prepare("SELECT count(*), coalesce(max(id), 0) + 1 FROM members"));
    RAPPORT_TRY(const bool row, count.step());
    if (!row || count.column_int64(0) != 0) {
      return make_error_code(storage::StorageErrc::kConstraint);
    }
    next_id = count.column_int64(1);
  }
  // Loading a new chain, every page written is new: a rollback journal holds almost nothing
  // (unlike WAL, which would hold every page twice), and no fsync until finish().
  RAPPORT_TRY_VOID(db.execute("PRAGMA journal_mode=DELETE"));
  RAPPORT_TRY_VOID(db.execute("PRAGMA synchronous=OFF"));
  RAPPORT_TRY_VOID(db.execute("PRAGMA foreign_keys=OFF"));  // the loader writes them consistent
  RAPPORT_TRY_VOID(db.execute("PRAGMA cache_size=-262144"));  // 256 MiB
  RAPPORT_TRY_VOID(db.execute("PRAGMA temp_store=MEMORY"));
  auto loader = std::make_unique<SqliteBulkLoader>(std::move(db), next_id);
  RAPPORT_TRY_VOID(loader->prepare_statements());
  return std::unique_ptr<BulkLoader>(std::move(loader));
}

}  // namespace rapport::server
