// server/server_config.cpp
#include "server/server_config.h"

#include "server/rewards/rewards_config.h"
#include "server/storage/store_url.h"
#include "shared/card/card_number.h"
#include "shared/card/phone_number.h"
#include "shared/config/config_file.h"

namespace rapport::server {
namespace {

value::ValueConfig load_value_config(const config::ConfigFile& config) {
  value::ValueConfig v;
  if (const auto model = config.optional_string("value.model")) {
    if (*model == "auto") {
      v.model.reset();
    } else if (const auto kind = analytics::parse_model_name(*model)) {
      v.model = *kind;
    } else {
      config.fail("value.model", "must be \"bgnbd\", \"mbgnbd\", \"paretonbd\" or \"auto\"");
    }
  }
  v.horizon_weeks = config.number_or("value.horizon_weeks", v.horizon_weeks, 1, 520);
  v.fit_sample = static_cast<std::size_t>(config.integer_or(
      "value.fit_sample", static_cast<std::int64_t>(v.fit_sample), 0, 100'000'000));
  v.score_threads = static_cast<std::size_t>(config.integer_or(
      "value.score_threads", static_cast<std::int64_t>(v.score_threads), 0, 64));
  v.annual_discount_rate =
      config.number_or("value.annual_discount_rate", v.annual_discount_rate, 0, 1);
  v.margin_share = config.number_or("value.margin_share", v.margin_share, 0, 1);
  v.referral_share = config.number_or("value.referral_share", v.referral_share, 0, 1);
  v.advocacy_note_cents =
      config.integer_or("value.advocacy_note_cents", v.advocacy_note_cents, 0, 100'000'000);
  v.feedback_note_cents =
      config.integer_or("value.feedback_note_cents", v.feedback_note_cents, 0, 100'000'000);
  v.cost_per_visit_cents =
      config.integer_or("value.cost_per_visit_cents", v.cost_per_visit_cents, 0, 100'000'000);
  v.mvc_share = config.number_or("value.mvc_share", v.mvc_share, 0, 1);
  v.mgc_forecast_share = config.number_or("value.mgc_forecast_share", v.mgc_forecast_share, 0, 1);
  v.mgc_growth_ratio = config.number_or("value.mgc_growth_ratio", v.mgc_growth_ratio, 1, 1000);
  v.at_risk_p_alive = config.number_or("value.at_risk_p_alive", v.at_risk_p_alive, 0, 1);
  v.rhythm_break_factor =
      config.number_or("value.rhythm_break_factor", v.rhythm_break_factor, 1, 100);
  return v;
}

}  // namespace

ServerConfig load_server_config(const std::filesystem::path& file) {
  const auto config = config::ConfigFile::load(file);
  ServerConfig c;
  const auto listen = config::host_port(config, "server.listen");
  c.listen_host = listen.host;
  c.listen_port = listen.port;
  const std::string database = config.string("server.database");
  const auto url = parse_store_url(database);
  if (!url) config.fail("server.database", url.error().message());
  if (url->backend == StoreUrl::Backend::kPostgresql) {
    c.database_url = database;
  } else {
    c.database = url->location;
    if (c.database.is_relative()) c.database = config.origin().parent_path() / c.database;
    c.database_url = c.database.string();
  }
  c.tls.certificate = config.path("tls.certificate");
  c.tls.private_key = config.path("tls.private_key");
  c.tls.ca_certificates = config.path("tls.ca_certificates");
  c.ca_private_key = config.path("tls.ca_private_key");
  c.limits.max_body_bytes = static_cast<std::size_t>(
      config.integer_or("limits.max_body_bytes", 4 << 20, 256 << 10, std::int64_t{256} << 20));
  c.limits.io_timeout =
      std::chrono::milliseconds(config.integer_or("limits.io_timeout_ms", 10'000, 100, 600'000));
  c.limits.handshake_timeout = std::chrono::milliseconds(
      config.integer_or("limits.handshake_timeout_ms", 5'000, 100, 600'000));
  if (config.optional_string("enrollment.listen")) {
    const auto enrollment = config::host_port(config, "enrollment.listen");
    c.enrollment_host = enrollment.host;
    c.enrollment_port = enrollment.port;
  }
  if (config.optional_string("dashboard.listen")) {
    const auto dashboard = config::host_port(config, "dashboard.listen");
    c.dashboard_host = dashboard.host;
    c.dashboard_port = dashboard.port;
  }
  c.dashboard_session_idle =
      std::chrono::minutes(config.integer_or("dashboard.session_idle_minutes", 30, 1, 24 * 60));
  c.dashboard_session_lifetime =
      std::chrono::hours(config.integer_or("dashboard.session_hours", 12, 1, 24 * 7));
  c.revocation_check = std::chrono::milliseconds(
      config.integer_or("enrollment.revocation_check_ms", 500, 50, 60'000));
  c.max_connections = static_cast<std::size_t>(
      config.integer_or("limits.max_connections", 256, 1, 100'000));
  c.issuer_prefix = config.string("cards.issuer_prefix");
  if (!card::is_valid_issuer_prefix(c.issuer_prefix)) {
    config.fail("cards.issuer_prefix", "must be exactly 6 digits, e.g. \"627599\"");
  }
  c.card_key = config.path("cards.card_key");
  c.sync.phone_country_code = config.optional_string("cards.phone_country_code")
                                  .value_or(std::string(card::kDefaultPhoneCountryCode));
  if (!card::is_valid_country_code(c.sync.phone_country_code)) {
    config.fail("cards.phone_country_code", "must be 1 to 3 digits, e.g. \"44\"");
  }
  c.data_folder = std::filesystem::absolute(file).parent_path();
  c.card_velocity_window =
      std::chrono::minutes(config.integer_or("cards.velocity_minutes", 60, 0, 24 * 60));
  c.sync.seen_in_store =
      std::chrono::hours(24 * config.integer_or("sync.members_seen_in_store_days", 90, 0, 3660));
  c.value = load_value_config(config);
  c.value_refresh_every =
      std::chrono::hours(config.integer_or("value.refresh_every_hours", 24, 0, 24 * 31));
  c.value_changed_every =
      std::chrono::minutes(config.integer_or("value.changed_every_minutes", 10, 0, 24 * 60));
  c.value_incremental_max_members = static_cast<std::size_t>(
      config.integer_or("value.incremental_max_members", 10'000, 1, 100'000'000));
  c.sync.seen_in_chain =
      std::chrono::hours(config.integer_or("sync.members_seen_in_chain_hours", 48, 0, 24 * 366));
  if (config.optional_string("rewards.rules")) {
    c.rewards = std::make_shared<const rewards::RewardsRules>(
        rewards::load_rewards_rules(config.path("rewards.rules")));
  }
  c.points_expiry_every =
      std::chrono::hours(config.integer_or("rewards.expire_every_hours", 24, 0, 24 * 31));
  c.lease_length =
      std::chrono::milliseconds(config.integer_or("leases.length_ms", 30'000, 300, 3'600'000));
  return c;
}

}  // namespace rapport::server
