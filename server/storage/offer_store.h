// server/storage/offer_store.h
//
// The offers engine's reads and writes on the server's database (docs/offers.md): the
// facts choose_offers needs about a member (value snapshot, top categories, noted dislikes,
// consent), the member's offer history, recording offers shown / held out / accepted /
// declined (table offer_events: SQLite migration 10, PostgreSQL migration 5), and per offer the
// later visits and spend of the members shown it and of those held out, for measure_uplift.
// Two backends with the same answers: sqlite_offers.cpp and pg_offers.cpp.
//
// Thread-safety: one thread per OfferStore (it owns its own connection).

#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/rewards/offers.h"
#include "server/rewards/uplift.h"
#include "shared/util/result.h"

namespace rapport::server {

struct OfferRecord {
  std::int64_t member_id = 0;
  std::string offer_id;
  rewards::OfferOutcome outcome = rewards::OfferOutcome::kShown;
  std::string at;  // ISO 8601 UTC
  std::optional<std::string> store_id;
};

class OfferStore {
 public:
  virtual ~OfferStore() = default;

  // Opens (and migrates) the server database `url` names (server/storage/store_url.h: a
  // SQLite path or sqlite:// URL, or a postgresql:// one), on a connection of its own.
  [[nodiscard]] static Result<std::unique_ptr<OfferStore>> open(const std::string& url);

  // nullopt: no such member. Before any value refresh the member is LMC with p_alive 1.
  [[nodiscard]] virtual Result<std::optional<rewards::MemberOfferFacts>> member_facts(
      std::int64_t member_id) = 0;
  [[nodiscard]] virtual Result<std::vector<rewards::OfferHistoryEntry>> history(
      std::int64_t member_id) = 0;
  [[nodiscard]] virtual Result<void> record(const OfferRecord& record) = 0;
  // False when there is no such member.
  [[nodiscard]] virtual Result<bool> set_personalisation_consent(std::int64_t member_id,
                                                                 bool consent) = 0;
  // Per offer id: each member's first shown or held_out record whose window of
  // `window_days` after it has ended by `as_of_day` (YYYY-MM-DD), with the purchase days and
  // net spend in that window (the day of the record itself not counted).
  [[nodiscard]] virtual Result<std::map<std::string, std::vector<rewards::UpliftObservation>>>
  uplift_observations(std::int64_t window_days, const std::string& as_of_day) = 0;
};

// The two backends, which open() chooses between.
[[nodiscard]] Result<std::unique_ptr<OfferStore>> open_sqlite_offer_store(
    const std::filesystem::path& file);
[[nodiscard]] Result<std::unique_ptr<OfferStore>> open_pg_offer_store(const std::string& url);

}  // namespace rapport::server
