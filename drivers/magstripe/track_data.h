// drivers/magstripe/track_data.h
//
// Magnetic-stripe track text (ISO/IEC 7811 characters, ISO/IEC 7813 layout; card-readers.md
// §3) to a card number. The text is what a keyboard-mode reader types for a swipe, or the
// decoded track area of a vendor report:
//
//   track 1  %B<PAN>^<NAME>^<YYMM><service code><discretionary>?[LRC]
//   track 2  ;<PAN>=<YYMM><service code><discretionary>?[LRC]   or   ;<number>?[LRC]
//   track 3  +<digits>?[LRC]   (some readers type ';' for it; a second ';' track is track 3)
//
// in that order or any other, each at most once, optionally separated by CR/LF. An LRC
// character after '?' is checked when the reader passes it on. A damaged track (no end
// sentinel, a bad character or LRC, a malformed field) fails the whole read: a keyboard-mode
// reader that garbled one track may have garbled the others. A track the reader itself
// marks unreadable (%E?, ;E?, +E?) is skipped: some readers send that for a track the card
// does not carry (verify per model), and the read fails only when no track yields a number.
// Pure functions; safe from any thread.

#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "drivers/magstripe/track_errc.h"
#include "shared/util/result.h"

namespace rapport::drivers {

// Longest text parse_tracks accepts: the three tracks at full length with LRCs and CR/LFs.
inline constexpr std::size_t kMaxTrackText = 256;

struct TrackRead {
  std::string pan;          // the card number: 1-19 digits
  std::string name;         // track 1's name field, trailing spaces removed; "" without track 1
  std::string expiry_yymm;  // 4 digits as encoded (not checked as a date), or "" when absent
  int track = 0;            // the track the number came from: 2 when present, else 1
};

// Requires nothing of `text`; every failure is a TrackErrc. When track 1 and track 2 both
// carry a number they must be equal (kTracksDisagree otherwise).
[[nodiscard]] Result<TrackRead> parse_tracks(std::string_view text);

}  // namespace rapport::drivers
