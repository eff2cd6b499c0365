// drivers/magstripe/magtek_report.cpp
#include "drivers/magstripe/magtek_report.h"

#include <string>

namespace rapport::drivers {
namespace {

constexpr std::size_t kStatusOffset = 0;
constexpr std::size_t kLengthOffset = 3;
constexpr std::size_t kTrackOffset = 7;

}  // namespace

Result<TrackRead> parse_magtek_report(std::span<const std::uint8_t> report) {
  if (report.size() != kMagtekReportBytes) return TrackErrc::kBadReport;

  const auto track_area = [&](std::size_t i) {
    return report.subspan(kTrackOffset + i * kMagtekTrackAreaBytes, report[kLengthOffset + i]);
  };
  const auto status = [&](std::size_t i) { return report[kStatusOffset + i]; };
  for (std::size_t i = 0; i < 3; ++i) {
    if (report[kLengthOffset + i] > kMagtekTrackAreaBytes) return TrackErrc::kBadReport;
  }

  // Track 2 (index 1) is the one used when it holds data; track 1 then only cross-checks it
  // if the reader decoded it. Without track 2 data, track 1 is the one used.
  std::string text;
  const bool use_track2 = !track_area(1).empty();
  if (use_track2 && status(1) != 0) return TrackErrc::kReaderError;
  if (!track_area(0).empty() && (status(0) == 0 || !use_track2)) {
    if (status(0) != 0) return TrackErrc::kReaderError;
    const auto area = track_area(0);
    text.append(area.begin(), area.end());
    text.push_back('\n');  // keeps the tracks apart for parse_tracks
  }
  if (use_track2) {
    const auto area = track_area(1);
    text.append(area.begin(), area.end());
  }
  if (text.empty()) return TrackErrc::kReaderError;
  return parse_tracks(text);
}

}  // namespace rapport::drivers
