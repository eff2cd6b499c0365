// tests/fuzz/campaigns_csv_fuzz.cpp
//
// Any campaign file head office may hand `rapportctl campaign import`: parsing never
// crashes, and a file it would apply has only campaigns that pass the checks (well-formed
// fields, unique ids, no two of one channel sharing a day), each with its line.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/reports/campaigns_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::server::reports;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto csv = parse_campaigns_csv(text);
  if (csv.problems.size() > kMaxCampaignProblems) std::abort();
  if (!csv.problems.empty()) return 0;
  if (csv.rows.empty()) std::abort();  // an empty file is a problem, never "nothing to do"
  for (std::size_t i = 0; i < csv.rows.size(); ++i) {
    const auto& row = csv.rows[i];
    if (row.line < 2 || !campaign_field_problems(row).empty()) std::abort();
    for (std::size_t j = 0; j < i; ++j) {
      if (csv.rows[j].id == row.id || campaigns_overlap(csv.rows[j], row)) std::abort();
    }
  }
  return 0;
}
