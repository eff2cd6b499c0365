// server/rewards/rewards_config.cpp
#include "server/rewards/rewards_config.h"

#include <algorithm>
#include <initializer_list>
#include <set>

#include "shared/config/config_file.h"

namespace rapport::rewards {
namespace {

using config::ConfigFile;

constexpr std::int64_t kMaxPoints = 1'000'000'000;
constexpr std::int64_t kMaxCents = 100'000'000'000;
constexpr std::int64_t kMaxDays = 3660;

std::string join(std::string_view table, std::string_view key) {
  return table.empty() ? std::string(key) : std::string(table) + "." + std::string(key);
}

bool has(const ConfigFile& file, std::string_view table, std::string_view key) {
  const auto keys = file.keys(table);
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// A misspelt key is an error, not a silently ignored setting.
void only_keys(const ConfigFile& file, std::string_view table,
               std::initializer_list<std::string_view> allowed) {
  for (const auto& key : file.keys(table)) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string names;
    for (const auto name : allowed) {
      if (!names.empty()) names += ", ";
      names += name;
    }
    file.fail(join(table, key), "is not a rewards setting here (expected one of: " + names + ")");
  }
}

void require_table(const ConfigFile& file, std::string_view table) {
  if (!has(file, "", table)) {
    file.fail(table, "is missing: the file needs a [" + std::string(table) +
                         "] table (see config/rewards.toml)");
  }
}

double required_number(const ConfigFile& file, const std::string& key, double min, double max) {
  const auto dot = key.rfind('.');
  if (!has(file, key.substr(0, dot), key.substr(dot + 1))) file.fail(key, "is missing");
  return file.number_or(key, 0, min, max);
}

std::string required_string(const ConfigFile& file, const std::string& key) {
  return file.string(key);
}

// Names used as keys ([earning.categories] coffee = 2) cannot hold '.', which toml paths split.
std::map<std::string, double, std::less<>> multipliers(const ConfigFile& file,
                                                       std::string_view table) {
  std::map<std::string, double, std::less<>> result;
  for (const auto& name : file.keys(table)) {
    if (name.find_first_of(".[]") != std::string::npos) {
      file.fail(table, "the name '" + name + "' must not contain '.', '[' or ']'");
    }
    result.emplace(name, file.number_or(join(table, name), 1, 0, 100));
  }
  return result;
}

EarningRules load_earning(const ConfigFile& file) {
  require_table(file, "earning");
  only_keys(file, "earning",
            {"points_per_unit", "categories", "products", "every_nth_visit", "nth_visit_points",
             "signup_points", "birthday_points", "referral_points", "expire_after_days"});
  EarningRules e;
  e.points_per_unit = required_number(file, "earning.points_per_unit", 0, 10'000);
  e.category_multipliers = multipliers(file, "earning.categories");
  e.product_multipliers = multipliers(file, "earning.products");
  e.every_nth_visit = file.integer_or("earning.every_nth_visit", 0, 0, 10'000);
  e.nth_visit_points = file.integer_or("earning.nth_visit_points", 0, 0, kMaxPoints);
  if (e.every_nth_visit > 0 && e.nth_visit_points == 0) {
    file.fail("earning.nth_visit_points",
              "must be more than 0 when every_nth_visit is set (or set every_nth_visit = 0)");
  }
  e.signup_points = file.integer_or("earning.signup_points", 0, 0, kMaxPoints);
  e.birthday_points = file.integer_or("earning.birthday_points", 0, 0, kMaxPoints);
  e.referral_points = file.integer_or("earning.referral_points", 0, 0, kMaxPoints);
  e.expire_after_days = file.integer_or("earning.expire_after_days", 0, 0, kMaxDays);
  return e;
}

RewardTierRules load_tiers(const ConfigFile& file) {
  require_table(file, "reward_tiers");
  only_keys(file, "reward_tiers", {"measure", "qualifying_days", "grace_days", "tier"});
  RewardTierRules r;
  const auto measure = required_string(file, "reward_tiers.measure");
  if (measure == "points") {
    r.measure = TierMeasure::kPoints;
  } else if (measure == "spend") {
    r.measure = TierMeasure::kSpend;
  } else {
    file.fail("reward_tiers.measure",
              "must be \"points\" or \"spend\" (earned in the qualifying period; never the "
              "balance), not \"" +
                  measure + "\"");
  }
  r.qualifying_days = file.integer("reward_tiers.qualifying_days", 1, kMaxDays);
  r.grace_days = file.integer_or("reward_tiers.grace_days", 0, 0, kMaxDays);
  const std::size_t count = file.array_size("reward_tiers.tier");
  if (count == 0) {
    file.fail("reward_tiers.tier",
              "is missing: add at least one [[reward_tiers.tier]] with threshold = 0");
  }
  std::set<std::string, std::less<>> names;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string at = "reward_tiers.tier[" + std::to_string(i) + "]";
    only_keys(file, at, {"name", "threshold", "multiplier"});
    RewardTier tier;
    tier.name = required_string(file, at + ".name");
    if (!names.insert(tier.name).second) {
      file.fail(at + ".name", "'" + tier.name + "' names two tiers; each name once");
    }
    tier.threshold = file.integer(at + ".threshold", 0, kMaxCents);
    if (i == 0 && tier.threshold != 0) {
      file.fail(at + ".threshold", "the first tier is everyone's: its threshold must be 0");
    }
    if (i > 0 && tier.threshold <= r.tiers.back().threshold) {
      file.fail(at + ".threshold", "must be above the previous tier's (" +
                                       std::to_string(r.tiers.back().threshold) +
                                       "): list tiers from lowest to highest");
    }
    tier.multiplier = file.number_or(at + ".multiplier", 1, 0, 100);
    r.tiers.push_back(std::move(tier));
  }
  return r;
}

Treatment load_treatment(const ConfigFile& file, const std::string& at) {
  only_keys(file, at,
            {"budget_cents_per_member", "offer_kinds", "personalisation",
             "relationship_owner_required", "max_contacts_per_month"});
  Treatment t;
  t.budget_cents_per_member = file.integer(at + ".budget_cents_per_member", 0, kMaxCents);
  if (!has(file, at, "offer_kinds")) file.fail(at + ".offer_kinds", "is missing (may be [])");
  for (const auto& name : file.string_array(at + ".offer_kinds")) {
    const auto kind = offer_kind_from_string(name);
    if (!kind) {
      file.fail(at + ".offer_kinds", "'" + name +
                                         "' is not an offer kind (free_item, discount, "
                                         "multiplier, experience, partner, gesture)");
    }
    if (t.allows(*kind)) file.fail(at + ".offer_kinds", "'" + name + "' is listed twice");
    t.offer_kinds.push_back(*kind);
  }
  const auto level = required_string(file, at + ".personalisation");
  const auto parsed = personalisation_from_string(level);
  if (!parsed) {
    file.fail(at + ".personalisation",
              "must be \"none\", \"segment\" or \"full\", not \"" + level + "\"");
  }
  t.personalisation = *parsed;
  t.relationship_owner_required = file.boolean_or(at + ".relationship_owner_required", false);
  t.max_contacts_per_month = file.integer(at + ".max_contacts_per_month", 0, 100);
  return t;
}

std::array<Treatment, 4> load_treatments(const ConfigFile& file) {
  require_table(file, "treatment");
  only_keys(file, "treatment", {"MVC", "MGC", "LMC", "BZ"});
  std::array<Treatment, 4> treatments;
  for (const auto tier : {value::ValueTier::kMvc, value::ValueTier::kMgc, value::ValueTier::kLmc,
                          value::ValueTier::kBz}) {
    const std::string at = "treatment." + std::string(value::to_string(tier));
    if (!has(file, "treatment", value::to_string(tier))) {
      file.fail(at, "is missing: every value tier (MVC, MGC, LMC, BZ) needs its treatment");
    }
    treatments.at(static_cast<std::size_t>(tier) - 1) = load_treatment(file, at);
  }
  return treatments;
}

CatalogueItem load_item(const ConfigFile& file, const std::string& at) {
  only_keys(file, at,
            {"id", "name", "kind", "points", "cost_cents", "product", "amount_cents", "percent",
             "factor", "days", "partner", "category", "standard", "win_back"});
  CatalogueItem item;
  item.id = required_string(file, at + ".id");
  item.name = required_string(file, at + ".name");
  const auto kind = required_string(file, at + ".kind");
  const auto parsed = offer_kind_from_string(kind);
  if (!parsed) {
    file.fail(at + ".kind", "'" + kind +
                                "' is not a reward kind (free_item, discount, "
                                "multiplier, experience, partner, gesture)");
  }
  item.kind = *parsed;
  item.points = file.integer(at + ".points", 0, kMaxPoints);
  item.cost_cents = file.integer(at + ".cost_cents", 0, kMaxCents);
  // Each kind's own fields, and no other kind's.
  std::vector<std::string_view> own;
  switch (item.kind) {
    case OfferKind::kFreeItem:
      item.product = required_string(file, at + ".product");
      own = {"product"};
      break;
    case OfferKind::kDiscount: {
      const bool amount = has(file, at, "amount_cents");
      const bool percent = has(file, at, "percent");
      if (amount == percent) {
        file.fail(at + ".amount_cents", "a discount needs exactly one of amount_cents and percent");
      }
      if (amount) item.discount_cents = file.integer(at + ".amount_cents", 1, kMaxCents);
      if (percent) item.discount_percent = required_number(file, at + ".percent", 0.01, 100);
      own = {"amount_cents", "percent"};
      break;
    }
    case OfferKind::kMultiplier:
      item.factor = required_number(file, at + ".factor", 1.01, 100);
      item.days = file.integer(at + ".days", 1, kMaxDays);
      own = {"factor", "days"};
      break;
    case OfferKind::kPartner:
      item.partner = required_string(file, at + ".partner");
      own = {"partner"};
      break;
    case OfferKind::kExperience:
      break;
    case OfferKind::kGesture:
      if (item.points != 0) {
        file.fail(at + ".points", "a gesture sells nothing: its points must be 0");
      }
      break;
  }
  if (has(file, at, "category")) {
    item.category = required_string(file, at + ".category");
    if (item.category->empty()) file.fail(at + ".category", "must not be empty");
  }
  item.standard = file.boolean_or(at + ".standard", false);
  item.win_back = file.boolean_or(at + ".win_back", false);
  for (const std::string_view field :
       {"product", "amount_cents", "percent", "factor", "days", "partner"}) {
    if (has(file, at, field) && std::find(own.begin(), own.end(), field) == own.end()) {
      file.fail(at + "." + std::string(field),
                "does not belong to a reward of kind \"" + kind + "\"");
    }
  }
  return item;
}

std::vector<CatalogueItem> load_catalogue(const ConfigFile& file) {
  std::vector<CatalogueItem> catalogue;
  std::set<std::string, std::less<>> ids;
  const std::size_t count = file.array_size("catalogue");
  for (std::size_t i = 0; i < count; ++i) {
    const std::string at = "catalogue[" + std::to_string(i) + "]";
    auto item = load_item(file, at);
    if (!ids.insert(item.id).second) {
      file.fail(at + ".id", "'" + item.id + "' is the id of an earlier reward; ids are unique");
    }
    catalogue.push_back(std::move(item));
  }
  return catalogue;
}

// [offers] is optional: without it the engine uses OfferRules' defaults.
OfferRules load_offers(const ConfigFile& file) {
  OfferRules o;
  if (!has(file, "", "offers")) return o;
  only_keys(file, "offers",
            {"decline_cooldown_days", "max_offers", "holdout_share", "holdout_salt",
             "win_back_p_alive", "uplift_window_days"});
  o.decline_cooldown_days =
      file.integer_or("offers.decline_cooldown_days", o.decline_cooldown_days, 0, kMaxDays);
  o.max_offers = file.integer_or("offers.max_offers", o.max_offers, 1, 50);
  o.holdout_share = file.number_or("offers.holdout_share", o.holdout_share, 0, 0.5);
  if (has(file, "offers", "holdout_salt")) {
    o.holdout_salt = required_string(file, "offers.holdout_salt");
    if (o.holdout_salt.empty()) file.fail("offers.holdout_salt", "must not be empty");
  }
  o.win_back_p_alive = file.number_or("offers.win_back_p_alive", o.win_back_p_alive, 0, 1);
  o.uplift_window_days =
      file.integer_or("offers.uplift_window_days", o.uplift_window_days, 1, kMaxDays);
  return o;
}

RewardsRules load(const ConfigFile& file) {
  only_keys(file, "", {"earning", "reward_tiers", "treatment", "catalogue", "offers", "offline", "gestures",
                       "liability"});
  RewardsRules rules;
  rules.earning = load_earning(file);
  rules.reward_tiers = load_tiers(file);
  rules.treatments = load_treatments(file);
  rules.catalogue = load_catalogue(file);
  rules.offers = load_offers(file);
  require_table(file, "offline");
  only_keys(file, "offline", {"redemption_points_per_member_per_day"});
  rules.offline_redemption_points_per_day =
      file.integer("offline.redemption_points_per_member_per_day", 0, kMaxPoints);
  if (has(file, "", "gestures")) {
    only_keys(file, "gestures", {"cashier_points_per_day"});
    rules.gesture_points_per_cashier_per_day =
        file.integer_or("gestures.cashier_points_per_day", 0, 0, kMaxPoints);
  }
  if (has(file, "", "liability")) {
    only_keys(file, "liability", {"cents_per_100_points"});
    rules.liability_cents_per_100_points =
        file.integer("liability.cents_per_100_points", 0, kMaxCents);
  }
  return rules;
}

}  // namespace

RewardsRules load_rewards_rules(const std::filesystem::path& file) {
  return load(ConfigFile::load(file));
}

RewardsRules parse_rewards_rules(std::string_view text, const std::filesystem::path& origin) {
  return load(ConfigFile::parse(text, origin));
}

}  // namespace rapport::rewards
