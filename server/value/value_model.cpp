// server/value/value_model.cpp
#include "server/value/value_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>
#include <unordered_map>

#include "server/analytics/gamma_gamma.h"
#include "server/analytics/model_selection.h"
#include "server/analytics/scoring.h"

namespace rapport::value {
namespace {

constexpr std::array<std::pair<ValueTier, std::string_view>, 4> kTierNames{{
    {ValueTier::kMvc, "MVC"}, {ValueTier::kMgc, "MGC"}, {ValueTier::kLmc, "LMC"},
    {ValueTier::kBz, "BZ"}}};

// A model fitted at the edge of its parameter space (a few, very regular members) can give
// NaN for some histories; a snapshot then says "no forecast" (0) rather than carry NaN.
double finite_or_zero(double value) { return std::isfinite(value) ? value : 0.0; }

double days_between(std::chrono::sys_days from, std::chrono::sys_days to) {
  return static_cast<double>((to - from).count());
}

std::int64_t cents(double value) {
  if (!std::isfinite(value)) return 0;
  return static_cast<std::int64_t>(std::llround(value));
}

// Quintile scores 1-5 of `values` (5 for the best), equal values scoring alike: a value's
// score follows the rank of the first member holding it.
std::vector<int> quintiles(const std::vector<double>& values, bool higher_is_better) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return higher_is_better ? values[a] < values[b] : values[a] > values[b];
  });
  std::vector<int> score(values.size(), 1);
  std::size_t first_equal = 0;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    if (rank > 0 && values[order[rank]] != values[order[rank - 1]]) first_equal = rank;
    score[order[rank]] = 1 + static_cast<int>(5 * first_equal / order.size());
  }
  return score;
}

std::string segment_of(std::int64_t purchase_days, int r, int f) {
  if (purchase_days == 1 && r >= 4) return "new";
  if (r >= 4 && f >= 4) return "champions";
  if (r >= 3 && f >= 3) return "loyal";
  if (r >= 3) return "promising";
  if (f >= 3) return "slipping";
  if (r == 2) return "needs attention";
  return "lost";
}

Result<analytics::PurchaseModelFit> fit_model(const ValueConfig& config,
                                              const std::vector<analytics::CustomerSummary>& c) {
  if (config.model) return analytics::fit_purchase_model(*config.model, c);
  RAPPORT_TRY(auto comparison, analytics::compare_purchase_models(c));
  return *comparison.chosen().fit;
}

}  // namespace

std::string_view to_string(ValueTier tier) {
  for (const auto& [t, name] : kTierNames) {
    if (t == tier) return name;
  }
  return "LMC";
}

std::optional<ValueTier> value_tier_from_string(std::string_view text) {
  for (const auto& [t, name] : kTierNames) {
    if (name == text) return t;
  }
  return std::nullopt;
}

Result<ValueRefresh> compute_values(const std::vector<MemberValueInput>& members,
                                    std::chrono::sys_days as_of, const ValueConfig& config) {
  ValueRefresh refresh;
  refresh.snapshots.resize(members.size());

  // The buyers, as the purchase models see them: weeks since the first purchase day.
  std::vector<std::size_t> buyers;
  std::vector<analytics::CustomerSummary> summaries;
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    refresh.snapshots[i].member_id = m.member_id;
    if (m.purchase_days <= 0 || !m.first_purchase || !m.last_purchase) continue;
    analytics::CustomerSummary s;
    s.frequency = static_cast<double>(m.purchase_days - 1);
    s.recency = s.frequency > 0 ? days_between(*m.first_purchase, *m.last_purchase) / 7 : 0;
    // A purchase dated after as_of (a terminal clock ahead) counts as today.
    s.age = std::max(s.recency, days_between(*m.first_purchase, as_of) / 7);
    // Mean spend per purchase day, in currency units (Gamma-Gamma's scale).
    s.monetary_value = s.frequency > 0 ? static_cast<double>(m.revenue_cents) / 100.0 /
                                             static_cast<double>(m.purchase_days)
                                       : 0;
    if (s.frequency > 0 && s.monetary_value <= 0) s.frequency = 0, s.recency = 0;
    buyers.push_back(i);
    summaries.push_back(s);
  }

  std::vector<analytics::CustomerScore> scores;
  if (!summaries.empty()) {
    RAPPORT_TRY(auto fit, fit_model(config, summaries));
    ValueFitInfo info{fit.model.kind(), fit.model.params(), fit.log_likelihood, fit.customers, {}};
    if (auto spend = analytics::fit_gamma_gamma(summaries); spend && spend->params.q > 1) {
      info.spend = spend->params;
    }
    analytics::ClvOptions clv;
    clv.horizon = config.horizon_weeks;
    clv.unit = analytics::TimeUnit::kWeeks;
    clv.margin = 1.0;  // each member's own margin share is applied below
    clv.annual_discount_rate = config.annual_discount_rate;
    scores = analytics::score_customers(fit.model, info.spend, summaries, clv);
    refresh.fit = std::move(info);
  }

  // Without a spend model (few repeat buyers), the chain's mean spend per purchase day.
  double total_revenue = 0;
  double total_days = 0;
  for (const auto i : buyers) {
    total_revenue += static_cast<double>(members[i].revenue_cents) / 100.0;
    total_days += static_cast<double>(members[i].purchase_days);
  }
  const double mean_spend = total_days > 0 ? total_revenue / total_days : 0;

  std::unordered_map<std::int64_t, std::size_t> index;
  index.reserve(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) index[members[i].member_id] = i;

  for (std::size_t k = 0; k < buyers.size(); ++k) {
    const auto& m = members[buyers[k]];
    auto& snap = refresh.snapshots[buyers[k]];
    const auto& score = scores[k];
    const double margin_share =
        m.margin_cents && m.revenue_cents > 0
            ? static_cast<double>(*m.margin_cents) / static_cast<double>(m.revenue_cents)
            : config.margin_share;
    const double spend_per_visit =
        std::isfinite(score.expected_spend) ? score.expected_spend : mean_spend;
    const double lifetime = std::isfinite(score.clv)
                                ? score.clv
                                : finite_or_zero(score.expected_purchases) * spend_per_visit;
    snap.p_alive = finite_or_zero(score.p_alive);
    snap.expected_visits = finite_or_zero(score.expected_purchases);
    snap.expected_spend_cents = cents(snap.expected_visits * spend_per_visit * 100);
    snap.lifetime_value_cents = cents(lifetime * margin_share * 100);
    if (m.purchase_days >= 2) {
      snap.rhythm_days = days_between(*m.first_purchase, *m.last_purchase) /
                         static_cast<double>(m.purchase_days - 1);
    }
  }

  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    auto& snap = refresh.snapshots[i];
    snap.historic_revenue_cents = m.revenue_cents;
    snap.historic_value_cents =
        m.margin_cents ? *m.margin_cents
                       : cents(static_cast<double>(m.revenue_cents) * config.margin_share);
    snap.advocacy_value_cents =
        m.advocacy_notes * config.advocacy_note_cents + m.feedback_notes * config.feedback_note_cents;
  }
  // Referral value: a share of the lifetime value of the members each one brought in.
  for (const auto& m : members) {
    if (!m.referred_by) continue;
    const auto referrer = index.find(*m.referred_by);
    if (referrer == index.end()) continue;
    refresh.snapshots[referrer->second].referral_value_cents +=
        cents(config.referral_share *
              static_cast<double>(refresh.snapshots[index[m.member_id]].lifetime_value_cents));
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto& snap = refresh.snapshots[i];
    snap.total_value_cents = snap.historic_value_cents + snap.lifetime_value_cents +
                             snap.referral_value_cents + snap.advocacy_value_cents -
                             members[i].visits * config.cost_per_visit_cents;
  }

  // Tiers. MVC: the top mvc_share by total value. MGC: a forecast in the top
  // mgc_forecast_share that is mgc_growth_ratio times what they have brought so far.
  std::vector<std::size_t> by_total(members.size());
  std::iota(by_total.begin(), by_total.end(), 0);
  std::stable_sort(by_total.begin(), by_total.end(), [&](std::size_t a, std::size_t b) {
    return refresh.snapshots[a].total_value_cents > refresh.snapshots[b].total_value_cents;
  });
  const auto mvc_count =
      static_cast<std::size_t>(std::ceil(config.mvc_share * static_cast<double>(members.size())));
  std::vector<std::int64_t> forecasts;
  for (const auto i : buyers) forecasts.push_back(refresh.snapshots[i].lifetime_value_cents);
  std::sort(forecasts.begin(), forecasts.end());
  const std::int64_t mgc_floor =
      forecasts.empty()
          ? 0
          : forecasts[std::min(forecasts.size() - 1,
                               static_cast<std::size_t>(std::floor(
                                   (1 - config.mgc_forecast_share) *
                                   static_cast<double>(forecasts.size()))))];
  for (std::size_t rank = 0; rank < by_total.size(); ++rank) {
    auto& snap = refresh.snapshots[by_total[rank]];
    if (snap.total_value_cents < 0) {
      snap.tier = ValueTier::kBz;
    } else if (rank < mvc_count && snap.total_value_cents > 0) {
      snap.tier = ValueTier::kMvc;
    } else if (snap.lifetime_value_cents > 0 && snap.lifetime_value_cents >= mgc_floor &&
               static_cast<double>(snap.lifetime_value_cents) >=
                   config.mgc_growth_ratio *
                       static_cast<double>(std::max<std::int64_t>(snap.historic_value_cents, 1))) {
      snap.tier = ValueTier::kMgc;
    } else {
      snap.tier = ValueTier::kLmc;
    }
  }

  // RFM quintiles among buyers, segments, and the at-risk flag.
  std::vector<double> recency, frequency, monetary;
  for (const auto i : buyers) {
    recency.push_back(days_between(*members[i].last_purchase, as_of));
    frequency.push_back(static_cast<double>(members[i].purchase_days));
    monetary.push_back(static_cast<double>(members[i].revenue_cents));
  }
  const auto r = quintiles(recency, false);
  const auto f = quintiles(frequency, true);
  const auto mq = quintiles(monetary, true);
  for (std::size_t k = 0; k < buyers.size(); ++k) {
    const auto& m = members[buyers[k]];
    auto& snap = refresh.snapshots[buyers[k]];
    snap.rfm = "R" + std::to_string(r[k]) + "F" + std::to_string(f[k]) + "M" + std::to_string(mq[k]);
    snap.segment = segment_of(m.purchase_days, r[k], f[k]);
    const bool valuable = snap.tier == ValueTier::kMvc || snap.tier == ValueTier::kMgc;
    const bool fading = snap.p_alive < config.at_risk_p_alive;
    const bool rhythm_broken =
        snap.rhythm_days && *snap.rhythm_days > 0 &&
        recency[k] > config.rhythm_break_factor * *snap.rhythm_days;
    snap.at_risk = valuable && (fading || rhythm_broken);
  }
  for (auto& snap : refresh.snapshots) {
    if (snap.segment.empty()) snap.segment = "no purchase yet";
  }
  return refresh;
}

}  // namespace rapport::value
