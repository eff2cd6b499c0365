// server/ctl/offers_commands.h
//
// What `rapportctl offers ...` runs (docs/offers.md). Each returns the process exit code:
// 0 done, 1 failed (message on stderr), 2 a bad argument.

#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace rapport::ctl {

struct OffersForOptions {
  std::filesystem::path data;
  std::int64_t member = 0;
  bool record = false;  // record the chosen offers as shown (or held_out)
  std::optional<std::string> now;
  std::optional<std::string> store;
};

struct OfferRecordOptions {
  std::filesystem::path data;
  std::int64_t member = 0;
  std::string offer;
  std::string outcome;  // shown, accepted, declined
  std::optional<std::string> at;
  std::optional<std::string> store;
};

int run_offers_for(const OffersForOptions& options);
int run_offers_record(const OfferRecordOptions& options);
int run_offers_consent(const std::filesystem::path& data, std::int64_t member,
                       const std::string& personalisation);
int run_offers_uplift(const std::filesystem::path& data, const std::optional<std::string>& now);

}  // namespace rapport::ctl
