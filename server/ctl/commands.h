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

namespace rapport::ctl {

struct InitOptions {
  std::filesystem::path data;
  std::vector<std::string> stores{"S1"};
  std::string issuer_prefix = "627599";
  std::string listen = "127.0.0.1:8443";
  std::vector<std::string> server_names{"localhost"};
  std::vector<std::string> server_ips{"127.0.0.1", "::1"};
};
int run_init(const InitOptions& options);

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
int run_terminal_revoke(const std::filesystem::path& data, const std::string& id);

int run_events_list(const std::filesystem::path& data, std::size_t limit);

// `rapportctl value ...`: customer value models on analysts' files, no data folder needed
// (server/analytics/, docs/value-models.md). Results go to standard output, errors name the
// file and row on standard error.
struct ValueSummarizeOptions {
  std::filesystem::path transactions;
  std::string calibration_end;  // YYYY-MM-DD, inclusive
  std::string unit = "weeks";   // weeks | days
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
};
int run_value_predict(const ValuePredictOptions& options);

}  // namespace rapport::ctl
