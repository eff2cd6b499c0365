// server/ctl/commands.h
//
// rapportctl's commands, one function each, working on a server data folder (the folder
// holding server.toml). Each returns a process exit code and prints what to do next on
// failure. main.cpp only parses the command line.

#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "server/analytics/value_report.h"

namespace rapport::ctl {

struct InitOptions {
  std::filesystem::path data;
  std::vector<std::string> stores{"S1"};
  std::string issuer_prefix = "627599";
  std::string listen = "127.0.0.1:8443";
  std::optional<std::string> enroll_listen;  // default: listen's host, its port + 1
  std::optional<std::string> dashboard_listen;  // [dashboard] listen; no dashboard when empty
  std::vector<std::string> server_names{"localhost"};
  std::vector<std::string> server_ips{"127.0.0.1", "::1"};
};
int run_init(const InitOptions& options);

int run_store_add(const std::filesystem::path& data, const std::string& id,
                  const std::string& name, const std::optional<std::string>& region = {});
int run_store_list(const std::filesystem::path& data);
// `rapportctl store set-region`: an empty region clears it.
int run_store_set_region(const std::filesystem::path& data, const std::string& id,
                         const std::string& region);

struct MemberAddOptions {
  std::filesystem::path data;
  std::string name;
  std::string store;
  std::optional<std::string> birth_date;
  std::optional<std::string> card;  // a pre-printed number; a new one is made when empty
};
int run_member_add(const MemberAddOptions& options);
int run_member_list(const std::filesystem::path& data, const std::optional<std::string>& store);

struct TerminalIssueOptions {
  std::filesystem::path data;
  std::string id;
  std::string store;
  std::optional<std::filesystem::path> out;  // default: <data>/terminals/<id>
  std::optional<std::string> server;         // host:port the terminal dials; default: listen
};
int run_terminal_issue(const TerminalIssueOptions& options);
// `terminal add`: a pending terminal and its one-time enrollment code (docs/protocol.md,
// "Enrollment").
struct TerminalAddOptions {
  std::filesystem::path data;
  std::string store;
  std::optional<std::string> id;  // default: "T-" and 6 random hex digits
  std::string valid_for = "24h";  // a number and s, m, h or d
};
int run_terminal_add(const TerminalAddOptions& options);

int run_terminal_revoke(const std::filesystem::path& data, const std::string& id);

// `rapportctl seed`: a realistic chain into a data folder (server/value/synthetic_chain.h).
struct SeedOptions {
  std::filesystem::path data;
  std::size_t members = 1000;
  std::size_t stores = 3;
  int months = 12;
  std::uint64_t seed = 1;
  bool progress = false;
  bool bulk = false;  // straight into the tables of a fresh folder (server/seed_chain.h)
  bool points = false;  // a points ledger for the seeded purchases (server/seed_points.h)
  // BG/NBD parameters of the purchase process (value::ChainSpec's defaults when unset).
  std::optional<double> r, alpha, a, b;
};
int run_seed(const SeedOptions& options);

// `rapportctl value refresh` and `rapportctl member value` (docs/value-engine.md).
// `changed`: only the members changed since the last refresh (a full one when too many).
// `database`: a URL to value instead of the folder's SQLite file (a chain on PostgreSQL;
// its settings still come from the folder's server.toml).
int run_value_refresh(const std::filesystem::path& data, const std::optional<std::string>& as_of,
                      bool changed = false, const std::optional<std::string>& database = {});
// `rapportctl value accuracy`: the kept forecasts against what members did since.
int run_value_accuracy(const std::filesystem::path& data, const std::optional<std::string>& as_of,
                       const std::optional<std::string>& database = {});
int run_member_value(const std::filesystem::path& data, std::int64_t member_id);

// `rapportctl user add` / `user list`: dashboard staff (docs/dashboard.md). The password
// comes from a no-echo prompt or the first line of stdin, never the command line.
struct UserAddOptions {
  std::filesystem::path data;
  std::string name;
  std::string role;    // cashier | store-manager | head-office | administrator
  std::string stores;  // "S1,S2": required for cashier and store-manager, refused otherwise
};
int run_user_add(const UserAddOptions& options);
int run_user_list(const std::filesystem::path& data);
// `rapportctl user disable` / `user password` (new password as for `user add`).
int run_user_disable(const std::filesystem::path& data, const std::string& name);
int run_user_password(const std::filesystem::path& data, const std::string& name);
// `rapportctl follow-ups raise`: the follow-up job at `now` (ISO 8601 UTC; default: now).
int run_follow_ups_raise(const std::filesystem::path& data, const std::optional<std::string>& now);

// `rapportctl member merge`: merges member `merge` into `keep` (docs/dashboard.md,
// "Merging two memberships"); `by` names the operator in the ledger and the audit log.
int run_member_merge(const std::filesystem::path& data, std::int64_t keep, std::int64_t merge,
                     const std::string& by);
// `rapportctl member move`: a new home store for the member, audited.
int run_member_move(const std::filesystem::path& data, std::int64_t member,
                    const std::string& store, const std::string& by);

int run_events_list(const std::filesystem::path& data, std::size_t limit);

// `rapportctl card-keys ...`: the chain's member-token signing keys in <data>/token-keys
// (server/card_token_keys.h, docs/cards.md). After new and retire, the public keyring
// <data>/token-keys/token-keys.pem is written again for terminals.
int run_card_keys_new(const std::filesystem::path& data);
int run_card_keys_list(const std::filesystem::path& data);
int run_card_keys_retire(const std::filesystem::path& data, int id);

// `rapportctl card token`: a signed token for one of a member's cards, printed as QR text
// and as the bytes to write to an NTAG chip.
struct CardTokenOptions {
  std::filesystem::path data;
  std::int64_t member = 0;
  std::string card;
  std::optional<std::string> uid;  // hex; binds the token to that chip
};
int run_card_token(const CardTokenOptions& options);
// `rapportctl card alerts`: reads flagged by the velocity check, oldest first.
int run_card_alerts(const std::filesystem::path& data, std::size_t limit);

// `rapportctl points ...`: the points ledger (docs/rewards.md).
struct PointsAdjustOptions {
  std::filesystem::path data;
  std::int64_t member = 0;
  std::int64_t points = 0;  // either sign
  std::string reason;
  std::string staff;
};
int run_points_balance(const std::filesystem::path& data, std::int64_t member);
int run_points_adjust(const PointsAdjustOptions& options);
// Checks the whole file first (every problem with its line), then applies all or nothing.
int run_points_import(const std::filesystem::path& data, const std::filesystem::path& file);
int run_points_liability(const std::filesystem::path& data);
// The expiry job (and reward tier review) as of `now` (ISO 8601; default: the clock).
int run_points_expire(const std::filesystem::path& data, const std::optional<std::string>& now);
int run_points_reviews(const std::filesystem::path& data, std::size_t limit);

// `rapportctl value ...`: customer value models on analysts' files, no data folder needed
// (server/analytics/, docs/value-models.md). Results go to standard output, errors name the
// file and row on standard error.
struct ValueSummarizeOptions {
  std::filesystem::path transactions;
  std::string calibration_end;                       // YYYY-MM-DD, inclusive
  std::string unit = "weeks";                        // weeks | days
  std::optional<std::filesystem::path> holdout_out;  // also write the hold-out CSV here
  std::optional<std::string> holdout_end;  // YYYY-MM-DD, inclusive; default: last transaction
};
int run_value_summarize(const ValueSummarizeOptions& options);

struct ValueFitOptions {
  std::filesystem::path summary;
  std::string model;  // bgnbd | paretonbd | mbgnbd | gammagamma
};
int run_value_fit(const ValueFitOptions& options);

struct ValuePredictOptions {
  std::filesystem::path summary;
  std::string model = "bgnbd";  // bgnbd | paretonbd | mbgnbd
  double horizon = 0;           // in the summary's time unit
  double margin = 1.0;          // share of spend that is profit
  double discount_rate = 0.0;   // annual
  std::string unit = "weeks";   // the summary's time unit, for monthly discounting
  bool progress = false;        // progress on stderr even when it is not a terminal
};
int run_value_predict(const ValuePredictOptions& options);

// `value compare`: fits the three purchase models, ranks them, prints JSON.
struct ValueCompareOptions {
  std::filesystem::path summary;
  std::optional<std::filesystem::path> holdout;  // id,frequency_holdout,duration_holdout
  bool progress = false;
};
int run_value_compare(const ValueCompareOptions& options);

// `value holdout`: fit on the calibration period of a log, forecast the rest, print the table.
struct ValueHoldoutOptions {
  std::filesystem::path transactions;
  std::string calibration_end;     // YYYY-MM-DD, inclusive
  std::optional<std::string> end;  // YYYY-MM-DD, inclusive; default: the last transaction
  std::string model = "all";       // bgnbd | mbgnbd | paretonbd | all
  std::string unit = "weeks";
  bool progress = false;
};
int run_value_holdout(const ValueHoldoutOptions& options);

// `value report`: the HTML report.
struct ValueReportOptions {
  std::filesystem::path summary;
  std::optional<std::filesystem::path> holdout;
  std::filesystem::path out;
  double horizon = 52;  // in the summary's unit
  double margin = 1.0;
  double discount_rate = 0.0;
  std::string unit = "weeks";
  std::filesystem::path chartjs = analytics::kDebianChartJsPath;
  std::string title = "Customer value report";
  bool progress = false;
};
int run_value_report(const ValueReportOptions& options);

}  // namespace rapport::ctl
