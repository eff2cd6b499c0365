// drivers/magstripe/magtek_report.h
//
// The input report of a MagTek-style magstripe reader in vendor HID mode (card-readers.md
// §2; layout to verify per model): one 337-byte report per swipe.
//
//   bytes 0-2    decode status of tracks 1, 2, 3 (0 = decoded fine)
//   bytes 3-5    length of tracks 1, 2, 3 (characters in the track area)
//   byte  6      card encode type (not used here)
//   bytes 7-116  track 1 area, 117-226 track 2, 227-336 track 3 (110 bytes each), holding
//                the decoded characters with their sentinels
//
// Track 2 is used when it holds data, else track 1; when both hold data they must agree
// (the text of both goes through parse_tracks). A non-zero status on a track that is used
// is a bad read; a length over 110 on any track is a malformed report. The encode-type byte
// is not interpreted (its values are model-specific). Pure; safe from any thread.

#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/magstripe/track_data.h"
#include "shared/util/result.h"

namespace rapport::drivers {

inline constexpr std::size_t kMagtekReportBytes = 337;
inline constexpr std::size_t kMagtekTrackAreaBytes = 110;

// Errors: TrackErrc::kBadReport (wrong size, a length over 110), kReaderError (a used track's
// status is not 0, or no track 1 or 2 data), and whatever parse_tracks finds in the data.
[[nodiscard]] Result<TrackRead> parse_magtek_report(std::span<const std::uint8_t> report);

}  // namespace rapport::drivers
