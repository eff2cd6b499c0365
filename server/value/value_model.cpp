// server/value/value_model.cpp
#include "server/value/value_model.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "server/analytics/gamma_gamma.h"
#include "server/analytics/model_selection.h"
#include "server/analytics/scoring.h"
#include "shared/util/huge_pages.h"

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
std::vector<int> quintiles(const std::vector<double>& values, bool higher_is_better,
                           std::array<double, 4>* edges = nullptr) {
  // Sorted as (value, index) pairs: the order of a stable sort of the indices by value, but
  // comparing contiguous pairs instead of looking each value up (a million cache misses).
  std::vector<std::pair<double, std::size_t>> order(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) order[i] = {values[i], i};
  std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
    if (a.first != b.first) return higher_is_better ? a.first < b.first : a.first > b.first;
    return a.second < b.second;
  });
  std::vector<int> score(values.size(), 1);
  std::size_t first_equal = 0;
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    if (rank > 0 && order[rank].first != order[rank - 1].first) first_equal = rank;
    score[order[rank].second] = 1 + static_cast<int>(5 * first_equal / order.size());
  }
  if (edges) {
    // The least good value reaching each score from 2 up (scores only grow along `order`).
    edges->fill(higher_is_better ? std::numeric_limits<double>::infinity()
                                 : -std::numeric_limits<double>::infinity());
    int reached = 1;
    for (const auto& [value, i] : order) {
      while (reached < score[i]) (*edges)[static_cast<std::size_t>(reached++ - 1)] = value;
    }
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

using Referees = std::vector<std::pair<std::int64_t, std::int64_t>>;

// The buyers, as the purchase models see them: weeks since the first purchase day.
struct Buyers {
  std::vector<std::size_t> index;  // into members
  std::vector<analytics::CustomerSummary> summaries;
};

Buyers buyers_of(const std::vector<MemberValueInput>& members, std::chrono::sys_days as_of) {
  Buyers b;
  b.index.reserve(members.size());
  b.summaries.reserve(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
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
    b.index.push_back(i);
    b.summaries.push_back(s);
  }
  return b;
}

analytics::ClvOptions clv_options(const ValueConfig& config) {
  analytics::ClvOptions clv;
  clv.horizon = config.horizon_weeks;
  clv.unit = analytics::TimeUnit::kWeeks;
  clv.margin = 1.0;  // each member's own margin share is applied below
  clv.annual_discount_rate = config.annual_discount_rate;
  return clv;
}

// Everything a member's own history and the fit give: forecast, lifetime value, rhythm,
// historic and advocacy value; then referral value and the total.
void value_members(const std::vector<MemberValueInput>& members, const Buyers& buyers,
                   const std::vector<analytics::CustomerScore>& scores, double mean_spend,
                   const ValueConfig& config, const Referees& referees,
                   std::vector<ValueSnapshot>& snapshots) {
  if (snapshots.empty()) reserve_with_huge_pages(snapshots, members.size());
  snapshots.resize(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) snapshots[i].member_id = members[i].member_id;
  for (std::size_t k = 0; k < buyers.index.size(); ++k) {
    const auto& m = members[buyers.index[k]];
    auto& snap = snapshots[buyers.index[k]];
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
    snap.history = buyers.summaries[k];
    snap.p_alive = finite_or_zero(score.p_alive);
    snap.expected_visits = finite_or_zero(score.expected_purchases);
    snap.expected_spend_cents = cents(snap.expected_visits * spend_per_visit * 100);
    snap.lifetime_value_cents = cents(lifetime * margin_share * 100);
    if (m.purchase_days >= 2) {
      snap.rhythm_days = days_between(*m.first_purchase, *m.last_purchase) /
                         static_cast<double>(m.purchase_days - 1);
    }
  }

  // Member id -> position, searched in a sorted vector (the store reads members in id
  // order, so usually no sort): a million-node hash map costs more than the searches.
  std::vector<std::pair<std::int64_t, std::size_t>> index(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) index[i] = {members[i].member_id, i};
  if (!std::is_sorted(index.begin(), index.end())) std::sort(index.begin(), index.end());
  auto find = [&](std::int64_t id) -> std::optional<std::size_t> {
    const auto it = std::lower_bound(index.begin(), index.end(), std::pair{id, std::size_t{0}});
    if (it == index.end() || it->first != id) return std::nullopt;
    return it->second;
  };
  for (std::size_t i = 0; i < members.size(); ++i) {
    const auto& m = members[i];
    auto& snap = snapshots[i];
    snap.historic_revenue_cents = m.revenue_cents;
    snap.top_categories = m.top_categories;
    snap.home_store = m.home_store;
    snap.historic_value_cents =
        m.margin_cents ? *m.margin_cents
                       : cents(static_cast<double>(m.revenue_cents) * config.margin_share);
    snap.advocacy_value_cents =
        m.advocacy_notes * config.advocacy_note_cents + m.feedback_notes * config.feedback_note_cents;
  }
  // Referral value: a share of the lifetime value of the members each one brought in.
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!members[i].referred_by) continue;
    const auto referrer = find(*members[i].referred_by);
    if (!referrer) continue;
    snapshots[*referrer].referral_value_cents +=
        cents(config.referral_share * static_cast<double>(snapshots[i].lifetime_value_cents));
  }
  for (const auto& [referrer_id, lifetime_cents] : referees) {
    const auto referrer = find(referrer_id);
    if (!referrer) continue;
    snapshots[*referrer].referral_value_cents +=
        cents(config.referral_share * static_cast<double>(lifetime_cents));
  }
  for (std::size_t i = 0; i < members.size(); ++i) {
    auto& snap = snapshots[i];
    snap.total_value_cents = snap.historic_value_cents + snap.lifetime_value_cents +
                             snap.referral_value_cents + snap.advocacy_value_cents -
                             members[i].visits * config.cost_per_visit_cents;
  }
}

ValueTier tier_on_scales(const ValueSnapshot& snap, const ValueScales& scales,
                         const ValueConfig& config) {
  if (snap.total_value_cents < 0) return ValueTier::kBz;
  if (scales.mvc_floor_cents && snap.total_value_cents > 0 &&
      snap.total_value_cents >= *scales.mvc_floor_cents) {
    return ValueTier::kMvc;
  }
  if (snap.lifetime_value_cents > 0 && snap.lifetime_value_cents >= scales.mgc_floor_cents &&
      static_cast<double>(snap.lifetime_value_cents) >=
          config.mgc_growth_ratio *
              static_cast<double>(std::max<std::int64_t>(snap.historic_value_cents, 1))) {
    return ValueTier::kMgc;
  }
  return ValueTier::kLmc;
}

// Segment and at-risk flag from the R and F scores (and the tier, rhythm, p_alive).
void segment_member(const MemberValueInput& m, int r, int f, int mq, double recency_days,
                    const ValueConfig& config, ValueSnapshot& snap) {
  snap.rfm = "R" + std::to_string(r) + "F" + std::to_string(f) + "M" + std::to_string(mq);
  snap.segment = segment_of(m.purchase_days, r, f);
  const bool valuable = snap.tier == ValueTier::kMvc || snap.tier == ValueTier::kMgc;
  const bool fading = snap.p_alive < config.at_risk_p_alive;
  const bool rhythm_broken = snap.rhythm_days && *snap.rhythm_days > 0 &&
                             recency_days > config.rhythm_break_factor * *snap.rhythm_days;
  snap.at_risk = valuable && (fading || rhythm_broken);
}

double chain_mean_spend(const std::vector<MemberValueInput>& members, const Buyers& buyers) {
  double total_revenue = 0;
  double total_days = 0;
  for (const auto i : buyers.index) {
    total_revenue += static_cast<double>(members[i].revenue_cents) / 100.0;
    total_days += static_cast<double>(members[i].purchase_days);
  }
  return total_days > 0 ? total_revenue / total_days : 0;
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
  const Buyers buyers = buyers_of(members, as_of);
  std::vector<analytics::CustomerScore> scores;
  // Without a spend model (few repeat buyers), the chain's mean spend per purchase day.
  const double mean_spend = chain_mean_spend(members, buyers);
  if (!buyers.summaries.empty()) {
    // A systematic sample for the fit: its estimates move by well under their own standard
    // error at 100,000 buyers, and the fit is the refresh's costliest step per buyer.
    std::vector<analytics::CustomerSummary> sample;
    const auto& fitted_on = [&]() -> const std::vector<analytics::CustomerSummary>& {
      const std::size_t n = buyers.summaries.size();
      if (config.fit_sample == 0 || n <= config.fit_sample) return buyers.summaries;
      const std::size_t step = (n + config.fit_sample - 1) / config.fit_sample;
      for (std::size_t i = 0; i < n; i += step) sample.push_back(buyers.summaries[i]);
      return sample;
    }();
    RAPPORT_TRY(auto fit, fit_model(config, fitted_on));
    ValueFitInfo info{fit.model.kind(), fit.model.params(), fit.log_likelihood, fit.customers, {}};
    if (auto spend = analytics::fit_gamma_gamma(fitted_on); spend && spend->params.q > 1) {
      info.spend = spend->params;
    }
    scores = analytics::score_customers(fit.model, info.spend, buyers.summaries,
                                        clv_options(config), {}, config.score_threads);
    refresh.fit = std::move(info);
  }
  value_members(members, buyers, scores, mean_spend, config, {}, refresh.snapshots);
  ValueScales scales;
  scales.mean_spend = mean_spend;

  // Tiers. MVC: the top mvc_share by total value. MGC: a forecast in the top
  // mgc_forecast_share that is mgc_growth_ratio times what they have brought so far.
  // (total, index) pairs sorted largest first, ties in member order: a stable sort's order
  // without looking up a snapshot per comparison.
  std::vector<std::pair<std::int64_t, std::size_t>> ranked(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    ranked[i] = {refresh.snapshots[i].total_value_cents, i};
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  const auto mvc_count =
      static_cast<std::size_t>(std::ceil(config.mvc_share * static_cast<double>(members.size())));
  std::vector<std::int64_t> forecasts;
  for (const auto i : buyers.index) forecasts.push_back(refresh.snapshots[i].lifetime_value_cents);
  std::sort(forecasts.begin(), forecasts.end());
  scales.mgc_floor_cents =
      forecasts.empty()
          ? 0
          : forecasts[std::min(forecasts.size() - 1,
                               static_cast<std::size_t>(std::floor(
                                   (1 - config.mgc_forecast_share) *
                                   static_cast<double>(forecasts.size()))))];
  ValueScales below_mvc = scales;  // MVC goes by rank here, not by a floor
  for (std::size_t rank = 0; rank < ranked.size(); ++rank) {
    auto& snap = refresh.snapshots[ranked[rank].second];
    if (rank < mvc_count && snap.total_value_cents > 0) {
      snap.tier = ValueTier::kMvc;
      scales.mvc_floor_cents = snap.total_value_cents;  // the last (smallest) one stays
    } else {
      snap.tier = tier_on_scales(snap, below_mvc, config);
    }
  }

  // RFM quintiles among buyers, segments, and the at-risk flag.
  std::vector<double> recency, frequency, monetary;
  for (const auto i : buyers.index) {
    recency.push_back(days_between(*members[i].last_purchase, as_of));
    frequency.push_back(static_cast<double>(members[i].purchase_days));
    monetary.push_back(static_cast<double>(members[i].revenue_cents));
  }
  std::array<double, 4> recency_days{};
  const auto r = quintiles(recency, false, &recency_days);
  const auto f = quintiles(frequency, true, &scales.frequency_edges);
  const auto mq = quintiles(monetary, true, &scales.monetary_edges);
  for (std::size_t k = 0; k < 4; ++k) {
    scales.recency_edges[k] =
        std::isfinite(recency_days[k])
            ? as_of - std::chrono::days(static_cast<int>(std::lround(recency_days[k])))
            : std::chrono::sys_days::max();
  }
  for (std::size_t k = 0; k < buyers.index.size(); ++k) {
    const auto i = buyers.index[k];
    segment_member(members[i], r[k], f[k], mq[k], recency[k], config, refresh.snapshots[i]);
  }
  for (auto& snap : refresh.snapshots) {
    if (snap.segment.empty()) snap.segment = "no purchase yet";
  }
  if (refresh.fit) refresh.scales = scales;
  return refresh;
}

std::optional<analytics::PurchaseModel> model_of(const ValueFitInfo& fit) {
  auto param = [&](std::string_view name) {
    for (const auto& p : fit.params) {
      if (p.name == name) return p.value;
    }
    return std::numeric_limits<double>::quiet_NaN();
  };
  switch (fit.model) {
    case analytics::PurchaseModelKind::kBgNbd:
      return analytics::PurchaseModel(
          analytics::BgNbdParams{param("r"), param("alpha"), param("a"), param("b")});
    case analytics::PurchaseModelKind::kMbgNbd:
      return analytics::PurchaseModel(
          analytics::MbgNbdParams{param("r"), param("alpha"), param("a"), param("b")});
    case analytics::PurchaseModelKind::kParetoNbd:
      return analytics::PurchaseModel(
          analytics::ParetoNbdParams{param("r"), param("alpha"), param("s"), param("beta")});
  }
  return std::nullopt;
}

ValueRefresh value_some(const std::vector<MemberValueInput>& members, std::chrono::sys_days as_of,
                        const ValueConfig& config, const ValueFitInfo& fit,
                        const ValueScales& scales, const Referees& referees) {
  ValueRefresh refresh;
  refresh.fit = fit;
  refresh.scales = scales;
  const Buyers buyers = buyers_of(members, as_of);
  std::vector<analytics::CustomerScore> scores;
  if (const auto model = model_of(fit); model && !buyers.summaries.empty()) {
    scores = analytics::score_customers(*model, fit.spend, buyers.summaries, clv_options(config),
                                        {}, config.score_threads);
  }
  scores.resize(buyers.summaries.size());
  value_members(members, buyers, scores, scales.mean_spend, config, referees, refresh.snapshots);
  for (auto& snap : refresh.snapshots) snap.tier = tier_on_scales(snap, scales, config);
  auto score = [](double value, const std::array<double, 4>& edges) {
    int s = 1;
    for (const double edge : edges) s += value >= edge ? 1 : 0;
    return s;
  };
  for (std::size_t k = 0; k < buyers.index.size(); ++k) {
    const auto i = buyers.index[k];
    const auto& m = members[i];
    int r = 1;
    for (const auto edge : scales.recency_edges) r += *m.last_purchase >= edge ? 1 : 0;
    segment_member(m, r, score(static_cast<double>(m.purchase_days), scales.frequency_edges),
                   score(static_cast<double>(m.revenue_cents), scales.monetary_edges),
                   days_between(*m.last_purchase, as_of), config, refresh.snapshots[i]);
  }
  for (auto& snap : refresh.snapshots) {
    if (snap.segment.empty()) snap.segment = "no purchase yet";
  }
  return refresh;
}

std::string to_string(const ValueScales& scales) {
  std::ostringstream out;
  out.precision(17);
  out << "mvc=";
  if (scales.mvc_floor_cents) {
    out << *scales.mvc_floor_cents;
  } else {
    out << "-";
  }
  out << " mgc=" << scales.mgc_floor_cents << " mean=" << scales.mean_spend << " r=";
  for (std::size_t k = 0; k < 4; ++k) {
    out << (k ? "," : "") << scales.recency_edges[k].time_since_epoch().count();
  }
  for (const auto& [name, edges] : {std::pair{" f=", &scales.frequency_edges},
                                    std::pair{" m=", &scales.monetary_edges}}) {
    out << name;
    for (std::size_t k = 0; k < 4; ++k) out << (k ? "," : "") << (*edges)[k];
  }
  return out.str();
}

std::optional<ValueScales> value_scales_from_string(std::string_view text) {
  ValueScales scales;
  std::istringstream in{std::string(text)};
  std::string field;
  int seen = 0;
  auto four = [](const std::string& list, auto parse) {
    std::istringstream items(list);
    std::string item;
    for (int k = 0; k < 4; ++k) {
      if (!std::getline(items, item, ',')) return false;
      parse(static_cast<std::size_t>(k), item);
    }
    return true;
  };
  try {
    while (in >> field) {
      const auto eq = field.find('=');
      if (eq == std::string::npos) return std::nullopt;
      const std::string key = field.substr(0, eq);
      const std::string value = field.substr(eq + 1);
      ++seen;
      if (key == "mvc") {
        if (value != "-") scales.mvc_floor_cents = std::stoll(value);
      } else if (key == "mgc") {
        scales.mgc_floor_cents = std::stoll(value);
      } else if (key == "mean") {
        scales.mean_spend = std::stod(value);
      } else if (key == "r") {
        if (!four(value, [&](std::size_t k, const std::string& v) {
              scales.recency_edges[k] = std::chrono::sys_days(std::chrono::days(std::stoll(v)));
            })) {
          return std::nullopt;
        }
      } else if (key == "f" || key == "m") {
        auto& edges = key == "f" ? scales.frequency_edges : scales.monetary_edges;
        if (!four(value, [&](std::size_t k, const std::string& v) { edges[k] = std::stod(v); })) {
          return std::nullopt;
        }
      } else {
        return std::nullopt;
      }
    }
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (seen != 6) return std::nullopt;
  return scales;
}

}  // namespace rapport::value
