// server/ctl/main.cpp
//
// rapportctl: the administrator's command line. It works on a server data folder directly
// (the folder holding server.toml); run it on the server machine.

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "server/ctl/campaign_cli.h"
#include "server/ctl/commands.h"
#include "server/ctl/offers_cli.h"
#include "server/ctl/points_cli.h"
#include "server/ctl/report_cli.h"
#include "server/ctl/rights_cli.h"
#include "server/ctl/storage_cli.h"
#include "shared/util/huge_pages.h"
#include "shared/util/logging.h"

int main(int argc, char** argv) {
  rapport::restart_with_malloc_huge_pages(argv);  // before any thread or allocation matters
  using namespace rapport::ctl;
  rapport::init_logging("rapportctl", "warn");  // the commands print their own results

  CLI::App app{"rapportctl: administer a Rapport server data folder"};
  app.footer(
      "Examples:\n"
      "  rapportctl init --data ./rapport-data --store S1\n"
      "  rapportctl store add --data ./rapport-data --id S2 --name \"Station Road\"\n"
      "  rapportctl member add --data ./rapport-data --name \"Ada Lovelace\" --store S1\n"
      "  rapportctl member list --data ./rapport-data\n"
      "  rapportctl terminal add --data ./rapport-data --store S1\n"
      "  rapportctl terminal issue --data ./rapport-data --id T1 --store S1\n"
      "  rapportctl terminal revoke --data ./rapport-data --id T1\n"
      "  rapportctl events --data ./rapport-data\n"
      "  rapportctl user add --data ./rapport-data --name maria --role store-manager --stores S1\n"
      "  rapportctl card-keys new --data ./rapport-data\n"
      "  rapportctl card token --data ./rapport-data --member 1 --card \"6275 9912 3456 7894\"\n"
      "  rapportctl points balance --data ./rapport-data --member 1\n"
      "  rapportctl storage migrate --from sqlite:///var/lib/rapport/rapport.db --to "
      "postgresql://rapport@db1/chain\n"
      "  rapportctl value fit --summary summary.csv --model bgnbd");
  app.set_version_flag("--version", "rapportctl 0.1.0");
  app.require_subcommand(1);

  InitOptions init;
  auto* init_cmd = app.add_subcommand("init",
                                      "Create a data folder: CA, server certificate, "
                                      "card key, server.toml, database");
  init_cmd->add_option("--data", init.data, "Folder to create")->required();
  init_cmd->add_option("--store", init.stores, "Store id(s) of the chain (repeatable)");
  init_cmd
      ->add_option("--issuer-prefix", init.issuer_prefix,
                   "6-digit prefix of the chain's card numbers")
      ->capture_default_str();
  init_cmd->add_option("--listen", init.listen, "host:port the server listens on")
      ->capture_default_str();
  init_cmd->add_option("--enroll-listen", init.enroll_listen,
                       "host:port of the enrollment listener (default: --listen's port + 1)");
  init_cmd->add_option("--dashboard-listen", init.dashboard_listen,
                       "host:port of the staff dashboard (default: no dashboard)");
  init_cmd->footer("Example: rapportctl init --data ./rapport-data --store S1 --store S2");

  auto* store_cmd = app.add_subcommand("store", "Add or list the chain's stores");
  store_cmd->require_subcommand(1);
  std::filesystem::path store_data;
  std::string store_id;
  std::string store_name;
  auto* store_add_cmd = store_cmd->add_subcommand("add", "Add a store to the chain");
  store_add_cmd->add_option("--data", store_data, "Server data folder")->required();
  store_add_cmd->add_option("--id", store_id, "Store id, e.g. S2")->required();
  store_add_cmd->add_option("--name", store_name, "Store name (default: the id)");
  std::optional<std::string> store_region;
  store_add_cmd->add_option("--region", store_region, "Region of the store (for reports)");
  store_add_cmd->footer(
      "Example: rapportctl store add --data ./rapport-data --id S2 --name \"Station Road\" "
      "--region North");
  auto* store_list_cmd = store_cmd->add_subcommand("list", "List the chain's stores");
  store_list_cmd->add_option("--data", store_data, "Server data folder")->required();
  store_list_cmd->footer("Example: rapportctl store list --data ./rapport-data");
  std::string set_region;
  auto* store_region_cmd =
      store_cmd->add_subcommand("set-region", "Put a store in a region (for reports)");
  store_region_cmd->add_option("--data", store_data, "Server data folder")->required();
  store_region_cmd->add_option("--id", store_id, "Store id")->required();
  store_region_cmd->add_option("--region", set_region, "Region; empty clears it")->required();
  store_region_cmd->footer(
      "Example: rapportctl store set-region --data ./rapport-data --id S2 --region North");

  auto* member_cmd = app.add_subcommand("member", "Add or list members");
  member_cmd->require_subcommand(1);
  MemberAddOptions add;
  auto* add_cmd = member_cmd->add_subcommand("add", "Add a member with a card");
  add_cmd->add_option("--data", add.data, "Server data folder")->required();
  add_cmd->add_option("--name", add.name, "Full name")->required();
  add_cmd->add_option("--store", add.store, "Home store id")->required();
  add_cmd->add_option("--birth-date", add.birth_date, "YYYY-MM-DD");
  add_cmd->add_option("--card", add.card, "Pre-printed card number (default: a new one)");
  add_cmd->footer(
      "Example: rapportctl member add --data ./rapport-data --name \"Ada Lovelace\" --store S1 "
      "--birth-date 1815-12-10");

  std::filesystem::path list_data;
  std::optional<std::string> list_store;
  auto* list_cmd = member_cmd->add_subcommand("list", "List members with their visit counts");
  list_cmd->add_option("--data", list_data, "Server data folder")->required();
  list_cmd->add_option("--store", list_store, "Only this home store");
  list_cmd->footer("Example: rapportctl member list --data ./rapport-data");

  std::filesystem::path member_value_data;
  std::int64_t member_value_id = 0;
  auto* member_value_cmd =
      member_cmd->add_subcommand("value", "Show a member's value snapshot and how it was computed");
  member_value_cmd->add_option("--data", member_value_data, "Server data folder")->required();
  member_value_cmd->add_option("--id", member_value_id, "Member id")->required();
  member_value_cmd->footer("Example: rapportctl member value --data ./rapport-data --id 1");

  SeedOptions seed;
  std::filesystem::path merge_data;
  std::int64_t merge_keep = 0;
  std::int64_t merge_from = 0;
  std::string merge_by = "rapportctl";
  auto* merge_cmd = member_cmd->add_subcommand(
      "merge",
      "Merge two memberships of the same person: history, cards and points of --merge move to "
      "--keep (points by a ledger transfer); --merge is kept, marked merged into --keep");
  merge_cmd->add_option("--data", merge_data, "Server data folder")->required();
  merge_cmd->add_option("--keep", merge_keep, "Member id that survives")->required();
  merge_cmd->add_option("--merge", merge_from, "Member id merged into --keep")->required();
  merge_cmd->add_option("--by", merge_by, "Who merges, for the ledger and the audit log");
  merge_cmd->footer(
      "Example: rapportctl member merge --data ./rapport-data --keep 42 --merge 97 --by maria");

  std::filesystem::path move_data;
  std::int64_t move_member = 0;
  std::string move_store;
  std::string move_by = "rapportctl";
  auto* move_cmd = member_cmd->add_subcommand(
      "move", "Give a member a new home store: their history stays where it happened, an owner "
              "not working at the new store is released, its terminals receive the member");
  move_cmd->add_option("--data", move_data, "Server data folder")->required();
  move_cmd->add_option("--member", move_member, "Member id")->required();
  move_cmd->add_option("--store", move_store, "The new home store")->required();
  move_cmd->add_option("--by", move_by, "Who moves them, for the audit log");
  move_cmd->footer("Example: rapportctl member move --data ./rapport-data --member 42 --store S2 --by maria");

  auto* seed_cmd = app.add_subcommand(
      "seed", "Generate a realistic chain (members, referrals, purchases) to try Rapport on");
  seed_cmd->add_option("--data", seed.data, "Server data folder (best a fresh one)")->required();
  seed_cmd->add_option("--members", seed.members, "Members to enroll")->capture_default_str();
  seed_cmd->add_option("--stores", seed.stores, "Stores S1..SN (added when missing)")
      ->capture_default_str();
  seed_cmd->add_option("--months", seed.months, "Months of history, ending today")
      ->capture_default_str();
  seed_cmd->add_option("--seed", seed.seed, "Random seed: the same seed gives the same chain")
      ->capture_default_str();
  seed_cmd->add_flag("--progress", seed.progress,
                     "Show progress on stderr even when it is not a terminal");
  seed_cmd->add_option("--r", seed.r, "BG/NBD r: shape of the weekly purchase rates (0.9)");
  seed_cmd->add_option("--alpha", seed.alpha,
                       "BG/NBD alpha: scale of the rates, mean rate r/alpha a week (4.5)");
  seed_cmd->add_option("--a", seed.a, "BG/NBD a: dropout chance ~ Beta(a, b) (0.8)");
  seed_cmd->add_option("--b", seed.b, "BG/NBD b (4.0); larger: fewer leave");
  seed_cmd->add_flag("--bulk", seed.bulk,
                     "Write the tables directly (a fresh folder only): a million members in "
                     "minutes; the same rows as the event path");
  seed_cmd->add_flag("--points", seed.points,
                     "Post a points ledger for the seeded purchases (a point per currency "
                     "unit, redemptions, expiries), so the rewards reports read a real one");
  seed_cmd->footer(
      "Example: rapportctl seed --data ./rapport-data --members 2000 --stores 3 --months 12 "
      "--seed 7\nBenchmark size: rapportctl seed --data ./big --members 1000000 --stores 500 "
      "--months 24 --alpha 0.95 --b 12 --bulk --progress\nThen: rapportctl value refresh --data ./rapport-data");

  auto* terminal_cmd =
      app.add_subcommand("terminal", "Add (with an enrollment code), issue or revoke terminals");
  terminal_cmd->require_subcommand(1);
  TerminalAddOptions terminal_add;
  auto* terminal_add_cmd = terminal_cmd->add_subcommand(
      "add", "Register a terminal and print its one-time enrollment code");
  terminal_add_cmd->add_option("--data", terminal_add.data, "Server data folder")->required();
  terminal_add_cmd->add_option("--store", terminal_add.store, "Store the terminal stands in")
      ->required();
  terminal_add_cmd->add_option("--id", terminal_add.id,
                               "Terminal id (default: T- and 6 random hex digits)");
  terminal_add_cmd
      ->add_option("--valid-for", terminal_add.valid_for,
                   "How long the code works: a number and s, m, h or d, at most 30d")
      ->capture_default_str();
  terminal_add_cmd->footer(
      "Example: rapportctl terminal add --data ./rapport-data --store S1 --id T2 --valid-for 2h\n"
      "Then on the new terminal: rapport-terminal enroll --server HOST:8444 --code CODE --out DIR");
  TerminalIssueOptions issue;
  auto* issue_cmd = terminal_cmd->add_subcommand(
      "issue", "Issue a terminal's certificate, card key and terminal.toml");
  issue_cmd->add_option("--data", issue.data, "Server data folder")->required();
  issue_cmd->add_option("--id", issue.id, "Terminal id (the certificate's common name)")
      ->required();
  issue_cmd->add_option("--store", issue.store, "Store the terminal stands in")->required();
  issue_cmd->add_option("--out", issue.out, "Bundle folder (default DATA/terminals/ID)");
  issue_cmd->add_option("--server", issue.server, "host:port the terminal dials");
  issue_cmd->footer("Example: rapportctl terminal issue --data ./rapport-data --id T1 --store S1");

  std::filesystem::path revoke_data;
  std::string revoke_id;
  auto* revoke_cmd = terminal_cmd->add_subcommand(
      "revoke", "Shut a terminal out (lost or stolen); issuing it again lets it back in");
  revoke_cmd->add_option("--data", revoke_data, "Server data folder")->required();
  revoke_cmd->add_option("--id", revoke_id, "Terminal id")->required();
  revoke_cmd->footer("Example: rapportctl terminal revoke --data ./rapport-data --id T1");

  auto* user_cmd = app.add_subcommand("user", "Add, list, disable dashboard staff users or change a password");
  user_cmd->require_subcommand(1);
  user_cmd->footer(
      "Example: rapportctl user add --data ./rapport-data --name maria --role store-manager "
      "--stores S1");
  UserAddOptions user_add;
  auto* user_add_cmd = user_cmd->add_subcommand(
      "add",
      "Add a staff user; the password is asked for without echo (or read from the first line "
      "of stdin), never given on the command line");
  user_add_cmd->add_option("--data", user_add.data, "Server data folder")->required();
  user_add_cmd->add_option("--name", user_add.name, "Login name")->required();
  user_add_cmd
      ->add_option("--role", user_add.role,
                   "cashier, store-manager, head-office or administrator")
      ->required();
  user_add_cmd->add_option("--stores", user_add.stores,
                           "Comma-separated store ids (cashier and store-manager only)");
  user_add_cmd->footer(
      "Example: rapportctl user add --data ./rapport-data --name maria --role store-manager "
      "--stores S1,S2\n         printf '%s\\n' \"$PASSWORD\" | rapportctl user add --data ./rapport-data "
      "--name hq --role head-office");
  std::filesystem::path user_list_data;
  auto* user_list_cmd = user_cmd->add_subcommand("list", "List staff users: name, role, stores");
  user_list_cmd->add_option("--data", user_list_data, "Server data folder")->required();
  user_list_cmd->footer("Example: rapportctl user list --data ./rapport-data");
  std::filesystem::path user_disable_data;
  std::string user_disable_name;
  auto* user_disable_cmd = user_cmd->add_subcommand(
      "disable", "Disable a staff user: no more logins, their open sessions end");
  user_disable_cmd->add_option("--data", user_disable_data, "Server data folder")->required();
  user_disable_cmd->add_option("--name", user_disable_name, "Login name")->required();
  user_disable_cmd->footer("Example: rapportctl user disable --data ./rapport-data --name olga");
  std::filesystem::path user_password_data;
  std::string user_password_name;
  auto* user_password_cmd = user_cmd->add_subcommand(
      "password",
      "Set a staff user's new password (asked for without echo, or the first line of stdin); "
      "their open sessions end");
  user_password_cmd->add_option("--data", user_password_data, "Server data folder")->required();
  user_password_cmd->add_option("--name", user_password_name, "Login name")->required();
  user_password_cmd->footer(
      "Example: rapportctl user password --data ./rapport-data --name maria\n"
      "         printf '%s\\n' \"$PASSWORD\" | rapportctl user password --data ./rapport-data "
      "--name maria");

  auto* follow_ups_cmd =
      app.add_subcommand("follow-ups", "Follow-ups for staff: the job that opens them");
  follow_ups_cmd->require_subcommand(1);
  follow_ups_cmd->footer("Example: rapportctl follow-ups raise --data ./rapport-data");
  std::filesystem::path follow_ups_data;
  std::optional<std::string> follow_ups_now;
  auto* follow_ups_raise_cmd = follow_ups_cmd->add_subcommand(
      "raise",
      "Open a follow-up for each valuable member slipping and each member whose owner is "
      "disabled (never two open for the same member and reason)");
  follow_ups_raise_cmd->add_option("--data", follow_ups_data, "Server data folder")->required();
  follow_ups_raise_cmd->add_option("--now", follow_ups_now,
                                   "Run as of this time, ISO 8601 UTC (default: now)");
  follow_ups_raise_cmd->footer(
      "Example: rapportctl follow-ups raise --data ./rapport-data --now 2026-11-26T08:00:00Z");

  std::filesystem::path events_data;
  std::size_t events_limit = 100;
  auto* events_cmd = app.add_subcommand("events", "List events the server stored, oldest first");
  events_cmd->add_option("--data", events_data, "Server data folder")->required();
  events_cmd->add_option("--limit", events_limit, "At most this many")->capture_default_str();
  events_cmd->footer("Example: rapportctl events --data ./rapport-data --limit 20");

  auto* card_keys_cmd = app.add_subcommand(
      "card-keys", "Member-token signing keys: create, list, retire (docs/cards.md)");
  card_keys_cmd->require_subcommand(1);
  card_keys_cmd->footer("Example: rapportctl card-keys list --data ./rapport-data");
  std::filesystem::path keys_new_data;
  auto* keys_new_cmd = card_keys_cmd->add_subcommand(
      "new",
      "Create a signing key (mode 0600) with the next key id and make it the active one; older "
      "keys stay valid until retired");
  keys_new_cmd->add_option("--data", keys_new_data, "Server data folder")->required();
  keys_new_cmd->footer("Example: rapportctl card-keys new --data ./rapport-data");
  std::filesystem::path keys_list_data;
  auto* keys_list_cmd =
      card_keys_cmd->add_subcommand("list", "List token keys: active, valid or retired");
  keys_list_cmd->add_option("--data", keys_list_data, "Server data folder")->required();
  keys_list_cmd->footer("Example: rapportctl card-keys list --data ./rapport-data");
  std::filesystem::path keys_retire_data;
  int retire_id = 0;
  auto* keys_retire_cmd = card_keys_cmd->add_subcommand(
      "retire",
      "Destroy a key's private half and drop it from the terminals' keyring: cards signed with "
      "it are refused from then on (not the active key)");
  keys_retire_cmd->add_option("--data", keys_retire_data, "Server data folder")->required();
  keys_retire_cmd->add_option("KID", retire_id, "Key id (see card-keys list)")->required();
  keys_retire_cmd->footer("Example: rapportctl card-keys retire --data ./rapport-data 1");

  auto* card_cmd = app.add_subcommand("card", "Signed member tokens for cards (docs/cards.md)");
  card_cmd->require_subcommand(1);
  card_cmd->footer(
      "Example: rapportctl card token --data ./rapport-data --member 1 --card "
      "6275991234567894");
  CardTokenOptions token;
  std::filesystem::path alerts_data;
  std::size_t alerts_limit = 100;
  auto* alerts_cmd = card_cmd->add_subcommand(
      "alerts", "Cards read at two stores too close together (velocity check), for review");
  alerts_cmd->add_option("--data", alerts_data, "Server data folder")->required();
  alerts_cmd->add_option("--limit", alerts_limit, "At most this many")->capture_default_str();
  alerts_cmd->footer("Example: rapportctl card alerts --data ./rapport-data");
  auto* token_cmd = card_cmd->add_subcommand(
      "token",
      "Sign a token for one of a member's cards with the active key; prints the QR text and the "
      "hex bytes to write to an NTAG chip");
  token_cmd->add_option("--data", token.data, "Server data folder")->required();
  token_cmd->add_option("--member", token.member, "Member id (see member list)")->required();
  token_cmd->add_option("--card", token.card, "The member's card number")->required();
  token_cmd->add_option("--uid", token.uid,
                        "The NTAG chip's UID in hex (4, 7 or 10 bytes): binds the token to it");
  token_cmd->footer(
      "Example: rapportctl card token --data ./rapport-data --member 1 --card "
      "\"6275 9912 3456 7894\" --uid 04a1b2c3d4e580");

  const auto points = add_points_commands(app);
  const auto offers = add_offers_commands(app);
  const auto rights = add_rights_commands(app);  // member export / erase
  const auto reports_cli = add_report_commands(app);  // rapportctl report NAME
  const auto campaigns_cli = add_campaign_commands(app);  // rapportctl campaign add|import|list
  const auto storage_cli = add_storage_commands(app);  // rapportctl storage migrate

  auto* value_cmd = app.add_subcommand(
      "value",
      "Customer value models on CSV files: summarize, fit, predict, compare, holdout, report "
      "(no data folder)");
  value_cmd->require_subcommand(1);
  value_cmd->footer(
      "Example: rapportctl value summarize --transactions sales.csv --calibration-end "
      "2024-06-30 > summary.csv");
  ValueSummarizeOptions summarize;
  std::filesystem::path refresh_data;
  std::optional<std::string> refresh_as_of;
  auto* refresh_cmd = value_cmd->add_subcommand(
      "refresh", "Value every member of a data folder now: snapshots, tiers, segments, at risk");
  refresh_cmd->add_option("--data", refresh_data, "Server data folder")->required();
  refresh_cmd->add_option("--as-of", refresh_as_of, "Forecast from this day (default today)");
  bool refresh_changed = false;
  refresh_cmd->add_flag("--changed", refresh_changed,
                        "Only members changed since the last refresh, on its fit (a full "
                        "refresh when more than value.incremental_max_members changed)");
  std::optional<std::string> refresh_database;
  refresh_cmd->add_option("--database", refresh_database,
                          "Value this database (sqlite:///... or postgresql://...) instead of "
                          "the folder's; its settings still come from the folder");
  refresh_cmd->footer("Example: rapportctl value refresh --data ./rapport-data\n"
                      "After a sync: rapportctl value refresh --data ./rapport-data --changed\n"
                      "On PostgreSQL: rapportctl value refresh --data ./rapport-data "
                      "--database postgresql:///chain?host=/run/postgresql");
  std::filesystem::path accuracy_data;
  std::optional<std::string> accuracy_as_of;
  auto* accuracy_cmd = value_cmd->add_subcommand(
      "accuracy", "Compare the forecasts kept by full refreshes with what members did since");
  accuracy_cmd->add_option("--data", accuracy_data, "Server data folder")->required();
  accuracy_cmd->add_option("--as-of", accuracy_as_of, "Count purchases up to this day (default today)");
  std::optional<std::string> accuracy_database;
  accuracy_cmd->add_option("--database", accuracy_database,
                           "Compare in this database (sqlite:///... or postgresql://...) "
                           "instead of the folder's");
  accuracy_cmd->footer("Example: rapportctl value accuracy --data ./rapport-data");

  auto* summarize_cmd = value_cmd->add_subcommand(
      "summarize",
      "Per-customer frequency, recency, T and mean repeat spend from a "
      "transaction log (customer,date,amount CSV or the CDNOW log), as CSV");
  summarize_cmd->add_option("--transactions", summarize.transactions, "Transaction log")
      ->required();
  summarize_cmd
      ->add_option("--calibration-end", summarize.calibration_end, "Last day counted, YYYY-MM-DD")
      ->required();
  summarize_cmd->add_option("--unit", summarize.unit, "Time unit of recency and T")
      ->check(CLI::IsMember({"weeks", "days"}))
      ->capture_default_str();
  summarize_cmd->add_option("--holdout-out", summarize.holdout_out,
                            "Also write each customer's purchases after the calibration end "
                            "(id,frequency_holdout,duration_holdout) to this CSV");
  summarize_cmd->add_option("--holdout-end", summarize.holdout_end,
                            "Last day of the hold-out period, YYYY-MM-DD (default: the last "
                            "transaction's day)");
  summarize_cmd->footer(
      "Example: rapportctl value summarize --transactions sales.csv --calibration-end "
      "1997-09-30 --unit weeks --holdout-out holdout.csv > summary.csv");

  ValueFitOptions fit;
  auto* fit_cmd = value_cmd->add_subcommand(
      "fit", "Fit a model to a summary CSV; prints its parameters and log-likelihood as JSON");
  fit_cmd
      ->add_option("--summary", fit.summary,
                   "Summary CSV: id, frequency|x, recency|t_x, T[, monetary_value|zbar]")
      ->required();
  fit_cmd
      ->add_option("--model", fit.model,
                   "bgnbd, paretonbd or mbgnbd (purchases), or gammagamma (spend)")
      ->required()
      ->check(CLI::IsMember({"bgnbd", "paretonbd", "mbgnbd", "gammagamma"}));
  fit_cmd->footer("Example: rapportctl value fit --summary summary.csv --model bgnbd");

  ValuePredictOptions predict;
  auto* predict_cmd = value_cmd->add_subcommand(
      "predict",
      "Per customer: probability alive and expected purchases over a horizon; with "
      "spend in the summary also expected spend and lifetime value, as CSV");
  predict_cmd->add_option("--summary", predict.summary, "Summary CSV (as for fit)")->required();
  predict_cmd->add_option("--model", predict.model, "Purchase model: bgnbd, paretonbd or mbgnbd")
      ->check(CLI::IsMember({"bgnbd", "paretonbd", "mbgnbd"}))
      ->capture_default_str();
  predict_cmd->add_option("--horizon", predict.horizon, "Horizon in the summary's time unit")
      ->required();
  predict_cmd->add_option("--margin", predict.margin, "Share of spend that is profit")
      ->capture_default_str();
  predict_cmd
      ->add_option("--discount-rate", predict.discount_rate,
                   "Annual discount rate (0.1 = 10 %), applied monthly")
      ->capture_default_str();
  predict_cmd->add_option("--unit", predict.unit, "The summary's time unit (for discounting)")
      ->check(CLI::IsMember({"weeks", "days"}))
      ->capture_default_str();
  predict_cmd->add_flag("--progress", predict.progress,
                        "Show progress on stderr even when it is not a terminal");
  predict_cmd->footer(
      "Example: rapportctl value predict --summary summary.csv --model bgnbd --horizon 52 "
      "--margin 0.3 --discount-rate 0.1");

  ValueCompareOptions compare;
  auto* compare_cmd = value_cmd->add_subcommand(
      "compare",
      "Fit BG/NBD, MBG/NBD and Pareto/NBD to a summary and rank them: by log-likelihood, or "
      "by hold-out error when a hold-out file is given; prints JSON, best first");
  compare_cmd->add_option("--summary", compare.summary, "Summary CSV (as for fit)")->required();
  compare_cmd->add_option("--holdout", compare.holdout,
                          "Hold-out CSV: id,frequency_holdout,duration_holdout (from summarize "
                          "--holdout-out)");
  compare_cmd->add_flag("--progress", compare.progress,
                        "Show progress on stderr even when it is not a terminal");
  compare_cmd->footer(
      "Example: rapportctl value compare --summary summary.csv --holdout holdout.csv");

  ValueHoldoutOptions holdout;
  auto* holdout_cmd = value_cmd->add_subcommand(
      "holdout",
      "Forecast-quality check: fit on the transactions up to the calibration end, forecast "
      "the rest of the log and compare with what customers did, in aggregate and by number of "
      "calibration purchases (0..7+); prints CSV");
  holdout_cmd->add_option("--transactions", holdout.transactions, "Transaction log")->required();
  holdout_cmd
      ->add_option("--calibration-end", holdout.calibration_end,
                   "Last day of the calibration period, YYYY-MM-DD")
      ->required();
  holdout_cmd->add_option("--end", holdout.end,
                          "Last day of the hold-out period, YYYY-MM-DD (default: the last "
                          "transaction's day)");
  holdout_cmd->add_option("--model", holdout.model, "bgnbd, mbgnbd, paretonbd or all")
      ->check(CLI::IsMember({"bgnbd", "paretonbd", "mbgnbd", "all"}))
      ->capture_default_str();
  holdout_cmd->add_option("--unit", holdout.unit, "Time unit of the models")
      ->check(CLI::IsMember({"weeks", "days"}))
      ->capture_default_str();
  holdout_cmd->add_flag("--progress", holdout.progress,
                        "Show progress on stderr even when it is not a terminal");
  holdout_cmd->footer(
      "Example: rapportctl value holdout --transactions CDNOW_sample.txt --calibration-end "
      "1997-09-30 --end 1998-06-30 --model bgnbd");

  ValueReportOptions report;
  auto* report_cmd = value_cmd->add_subcommand(
      "report",
      "Write a self-contained HTML report (no network needed to view it): model fits and the "
      "chosen model, heat maps of probability alive and expected purchases, predicted against "
      "actual hold-out purchases, and the distribution of lifetime value");
  report_cmd->add_option("--summary", report.summary, "Summary CSV (as for fit)")->required();
  report_cmd->add_option("--holdout", report.holdout,
                         "Hold-out CSV: id,frequency_holdout,duration_holdout");
  report_cmd->add_option("--out", report.out, "HTML file to write (replaced atomically)")
      ->required();
  report_cmd->add_option("--horizon", report.horizon, "Forecast horizon in the summary's unit")
      ->capture_default_str();
  report_cmd->add_option("--margin", report.margin, "Share of spend that is profit")
      ->capture_default_str();
  report_cmd
      ->add_option("--discount-rate", report.discount_rate,
                   "Annual discount rate (0.1 = 10 %), applied monthly")
      ->capture_default_str();
  report_cmd->add_option("--unit", report.unit, "The summary's time unit")
      ->check(CLI::IsMember({"weeks", "days"}))
      ->capture_default_str();
  report_cmd->add_option("--title", report.title, "Page title")->capture_default_str();
  report_cmd
      ->add_option("--chartjs", report.chartjs,
                   "Chart.js 3 UMD bundle to inline (Debian package libjs-chart.js)")
      ->capture_default_str();
  report_cmd->add_flag("--progress", report.progress,
                       "Show progress on stderr even when it is not a terminal");
  report_cmd->footer(
      "Example: rapportctl value report --summary summary.csv --holdout holdout.csv --margin 0.3 "
      "--out report.html");

  CLI11_PARSE(app, argc, argv);
  // Keys, member data and the databases Rapport writes are for its own user only.
  ::umask(077);

  if (*init_cmd) return run_init(init);
  if (*store_add_cmd) return run_store_add(store_data, store_id, store_name, store_region);
  if (*store_region_cmd) return run_store_set_region(store_data, store_id, set_region);
  if (*store_list_cmd) return run_store_list(store_data);
  if (*add_cmd) return run_member_add(add);
  if (*list_cmd) return run_member_list(list_data, list_store);
  if (*member_value_cmd) return run_member_value(member_value_data, member_value_id);
  if (*seed_cmd) return run_seed(seed);
  if (*refresh_cmd) {
    return run_value_refresh(refresh_data, refresh_as_of, refresh_changed, refresh_database);
  }
  if (*accuracy_cmd) return run_value_accuracy(accuracy_data, accuracy_as_of, accuracy_database);
  if (*terminal_add_cmd) return run_terminal_add(terminal_add);
  if (*issue_cmd) return run_terminal_issue(issue);
  if (*revoke_cmd) return run_terminal_revoke(revoke_data, revoke_id);
  if (*user_add_cmd) return run_user_add(user_add);
  if (*user_list_cmd) return run_user_list(user_list_data);
  if (*user_disable_cmd) return run_user_disable(user_disable_data, user_disable_name);
  if (*user_password_cmd) return run_user_password(user_password_data, user_password_name);
  if (*merge_cmd) return run_member_merge(merge_data, merge_keep, merge_from, merge_by);
  if (*move_cmd) return run_member_move(move_data, move_member, move_store, move_by);
  if (*follow_ups_raise_cmd) return run_follow_ups_raise(follow_ups_data, follow_ups_now);
  if (*events_cmd) return run_events_list(events_data, events_limit);
  if (*alerts_cmd) return run_card_alerts(alerts_data, alerts_limit);
  if (const auto code = points->run()) return *code;
  if (const auto code = offers->run()) return *code;
  if (const auto code = rights->run()) return *code;
  if (const auto code = reports_cli->run()) return *code;
  if (const auto code = campaigns_cli->run()) return *code;
  if (const auto code = storage_cli->run()) return *code;
  if (*keys_new_cmd) return run_card_keys_new(keys_new_data);
  if (*keys_list_cmd) return run_card_keys_list(keys_list_data);
  if (*keys_retire_cmd) return run_card_keys_retire(keys_retire_data, retire_id);
  if (*token_cmd) return run_card_token(token);
  if (*summarize_cmd) return run_value_summarize(summarize);
  if (*fit_cmd) return run_value_fit(fit);
  if (*predict_cmd) return run_value_predict(predict);
  if (*compare_cmd) return run_value_compare(compare);
  if (*holdout_cmd) return run_value_holdout(holdout);
  if (*report_cmd) return run_value_report(report);
  return EXIT_FAILURE;
}
