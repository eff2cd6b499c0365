// server/value/synthetic_chain.cpp
#include "server/value/synthetic_chain.h"

#include <array>
#include <cmath>
#include <random>

namespace rapport::value {
namespace {

struct Product {
  std::string_view name;
  std::string_view category;
  std::int64_t price_cents;
  double margin;  // share of the price
};

constexpr std::array<Product, 14> kCatalogue{{
    {"Flat white", "coffee", 340, 0.72},
    {"Espresso", "coffee", 250, 0.78},
    {"Cappuccino", "coffee", 330, 0.72},
    {"Breakfast tea", "tea", 280, 0.80},
    {"Matcha latte", "tea", 420, 0.65},
    {"Croissant", "bakery", 260, 0.55},
    {"Cinnamon bun", "bakery", 320, 0.55},
    {"Sourdough loaf", "bakery", 480, 0.45},
    {"Ham and cheese toastie", "sandwiches", 650, 0.40},
    {"Falafel wrap", "sandwiches", 690, 0.42},
    {"Shortbread", "snacks", 180, 0.60},
    {"Fruit cup", "snacks", 350, 0.35},
    {"Coffee beans 250 g", "retail", 1200, 0.38},
    {"Keep cup", "retail", 1500, 0.50},
}};

constexpr std::array<std::string_view, 16> kFirstNames{
    "Ada",   "Grace", "Alan",  "Edsger", "Barbara", "Donald", "Frances", "John",
    "Katherine", "Linus", "Margaret", "Niklaus", "Radia", "Tim", "Hedy", "Ken"};
constexpr std::array<std::string_view, 16> kLastNames{
    "Lovelace", "Hopper",   "Turing",  "Dijkstra", "Liskov", "Knuth", "Allen",  "Backus",
    "Johnson",  "Torvalds", "Hamilton", "Wirth",   "Perlman", "Berners-Lee", "Lamarr", "Thompson"};

// A basket worth about `target` cents from the member's favourite categories.
protocol::PurchasePayload basket(double target_cents, std::size_t favourite, std::mt19937_64& rng) {
  protocol::PurchasePayload sale;
  std::uniform_int_distribution<std::size_t> any(0, kCatalogue.size() - 1);
  std::bernoulli_distribution likes(0.6);
  double left = std::max(150.0, target_cents);
  while (left > 0 && sale.lines.size() < 6) {
    std::size_t pick = any(rng);
    if (likes(rng)) {
      // Products of the favourite category cluster in the catalogue.
      pick = (favourite + any(rng) % 3) % kCatalogue.size();
    }
    const Product& product = kCatalogue[pick];
    const auto price = static_cast<double>(product.price_cents);
    const auto quantity =
        std::max<std::int64_t>(1, std::llround(std::min(left, 3.0 * price) / price));
    const std::int64_t amount = quantity * product.price_cents;
    sale.lines.push_back({std::string(product.name), std::string(product.category), quantity,
                          amount, std::llround(static_cast<double>(amount) * product.margin)});
    sale.total_cents += amount;
    left -= static_cast<double>(amount);
  }
  return sale;
}

}  // namespace

const std::vector<AcquisitionChannel>& synthetic_channels() {
  static const std::vector<AcquisitionChannel> channels{
      {"walk-in", 0, 0.50}, {"social", 450, 0.20}, {"flyer", 120, 0.10}, {"app", 300, 0.08}};
  return channels;  // the remaining share comes by referral, at no cost
}

ChainPeriod chain_period(const ChainSpec& spec, std::chrono::sys_days end) {
  const auto days = static_cast<int>(std::lround(spec.months * 365.25 / 12));
  return {end - std::chrono::days(days), end};
}

void generate_chain(const ChainSpec& spec, std::chrono::sys_days end,
                    const std::function<void(const SyntheticMember&)>& member) {
  const auto period = chain_period(spec, end);
  const double period_days = static_cast<double>((period.end - period.start).count());
  std::mt19937_64 rng(spec.seed);
  std::gamma_distribution<double> rate(spec.r, 1.0 / spec.alpha);  // per week
  std::gamma_distribution<double> beta_a(spec.a, 1.0);
  std::gamma_distribution<double> beta_b(spec.b, 1.0);
  std::gamma_distribution<double> spend_scale(spec.q, 1.0 / spec.v);  // nu, per customer
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<std::size_t> store(0, std::max<std::size_t>(spec.stores, 1) - 1);
  std::uniform_int_distribution<int> minute(7 * 60, 19 * 60);
  std::uniform_int_distribution<std::size_t> name(0, kFirstNames.size() - 1);
  const auto& channels = synthetic_channels();

  for (std::size_t i = 0; i < spec.members; ++i) {
    SyntheticMember m;
    m.index = i;
    m.name = std::string(kFirstNames[name(rng)]) + " " + std::string(kLastNames[name(rng)]);
    m.home_store = store(rng);
    // Channel, or a referral by an earlier member.
    double pick = unit(rng);
    m.channel = "referral";
    for (const auto& c : channels) {
      if (pick < c.share) {
        m.channel = c.name;
        break;
      }
      pick -= c.share;
    }
    if (m.channel == "referral" && i > 0) {
      m.referred_by = std::uniform_int_distribution<std::size_t>(0, i - 1)(rng);
    } else if (m.channel == "referral") {
      m.channel = "walk-in";
    }
    if (unit(rng) < 0.6) {
      const int year = 1950 + static_cast<int>(unit(rng) * 55);
      const int month = 1 + static_cast<int>(unit(rng) * 12) % 12;
      const int day = 1 + static_cast<int>(unit(rng) * 28) % 28;
      char text[32];
      std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
      m.birth_date = text;
    }
    m.purchase_rate = rate(rng);
    const double x = beta_a(rng);
    m.dropout = x / (x + beta_b(rng));
    const double nu = spend_scale(rng);
    std::gamma_distribution<double> spend(spec.p, 1.0 / nu);
    const std::size_t favourite = static_cast<std::size_t>(unit(rng) * kCatalogue.size());

    // Members join steadily until a couple of weeks before the end; the first purchase
    // is the enrollment day. Then BG/NBD: exponential gaps at the member's rate, and after
    // each repeat purchase a chance of leaving for good.
    double t = unit(rng) * 0.95 * period_days;
    std::exponential_distribution<double> gap(std::max(m.purchase_rate, 1e-9) / 7.0);  // per day
    bool first = true;
    for (;;) {
      SyntheticPurchase purchase;
      purchase.day = period.start + std::chrono::days(static_cast<int>(std::floor(t)));
      purchase.minute_of_day = minute(rng);
      purchase.sale = basket(spend(rng) * 100.0, favourite, rng);
      m.purchases.push_back(std::move(purchase));
      if (!first && unit(rng) < m.dropout) {
        m.churned = true;
        break;
      }
      first = false;
      t += gap(rng);
      if (t >= period_days) break;
    }
    member(m);
  }
}

}  // namespace rapport::value
