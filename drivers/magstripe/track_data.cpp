// drivers/magstripe/track_data.cpp
//
// Two passes: split the text into tracks (sentinels and LRC), then check each track's
// characters and fields. Splitting has one ambiguity: after '?', a ';' (or '%', '+') may be
// the LRC or the next track's start sentinel. Both readings are tried, LRC first.

#include "drivers/magstripe/track_data.h"

#include <algorithm>
#include <optional>
#include <vector>

namespace rapport::drivers {
namespace {

constexpr std::size_t kMaxPanDigits = 19;

struct Track {
  int number = 0;        // 1, 2 or 3
  std::string_view raw;  // start sentinel through end sentinel
  std::string_view body() const { return raw.substr(1, raw.size() - 2); }
};

// ISO/IEC 7813 maximum characters per track, sentinels and LRC included.
std::size_t max_chars(int track) { return track == 1 ? 79 : track == 2 ? 40 : 107; }

bool is_start_sentinel(char c) { return c == '%' || c == ';' || c == '+'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The LRC character: the XOR of every character's data bits from start to end sentinel.
// Track 1 characters carry 6 bits (c - 0x20), tracks 2 and 3 carry 4 (c - 0x30). The '+'
// some readers type for track 3 stands for the ';' encoded on the card.
char lrc_of(const Track& track) {
  unsigned x = 0;
  for (const char c : track.raw) {
    const auto u = static_cast<unsigned char>(c == '+' ? ';' : c);
    x ^= track.number == 1 ? (u - 0x20u) & 0x3Fu : (u - 0x30u) & 0x0Fu;
  }
  return static_cast<char>((track.number == 1 ? 0x20u : 0x30u) + x);
}

std::size_t skip_line_breaks(std::string_view text, std::size_t pos) {
  while (pos < text.size() && (text[pos] == '\r' || text[pos] == '\n')) ++pos;
  return pos;
}

bool has_track(const std::vector<Track>& tracks, int number) {
  return std::any_of(tracks.begin(), tracks.end(),
                     [number](const Track& t) { return t.number == number; });
}

// Splits text[pos..] into tracks appended to `tracks`. On failure `tracks` is restored.
Result<void> split(std::string_view text, std::size_t pos, std::vector<Track>& tracks) {
  pos = skip_line_breaks(text, pos);
  if (pos == text.size()) {
    if (tracks.empty()) return TrackErrc::kMissingStartSentinel;
    return {};
  }
  const char start = text[pos];
  if (!is_start_sentinel(start)) return TrackErrc::kMissingStartSentinel;

  Track track;
  track.number = start == '%' ? 1 : start == '+' || has_track(tracks, 2) ? 3 : 2;
  if (has_track(tracks, track.number)) return TrackErrc::kBadFormat;  // a track twice

  // The end sentinel. A start sentinel that is not a data character of this track means
  // the track was cut short: a partial swipe.
  std::size_t end = pos + 1;
  for (; end < text.size() && text[end] != '?'; ++end) {
    const char c = text[end];
    if (c == '%' || (track.number != 1 && is_start_sentinel(c))) {
      return TrackErrc::kMissingEndSentinel;
    }
  }
  if (end == text.size()) return TrackErrc::kMissingEndSentinel;
  track.raw = text.substr(pos, end - pos + 1);
  if (track.raw.size() + 1 > max_chars(track.number)) return TrackErrc::kTrackTooLong;

  const std::size_t next = end + 1;
  const std::size_t size_before = tracks.size();
  tracks.push_back(track);
  if (next == text.size() || text[next] == '\r' || text[next] == '\n') {
    auto rest = split(text, next, tracks);
    if (!rest) tracks.resize(size_before);
    return rest;
  }

  const char candidate = text[next];
  const bool is_lrc = candidate == lrc_of(track);
  if (is_start_sentinel(candidate) && next + 1 < text.size()) {
    if (is_lrc) {
      if (auto rest = split(text, next + 1, tracks); rest) return rest;
      tracks.resize(size_before + 1);
    }
    auto rest = split(text, next, tracks);
    if (!rest) tracks.resize(size_before);
    return rest;
  }
  if (!is_lrc) {
    tracks.resize(size_before);
    return TrackErrc::kBadLrc;
  }
  auto rest = split(text, next + 1, tracks);
  if (!rest) tracks.resize(size_before);
  return rest;
}

Result<void> check_characters(const Track& track) {
  for (const char c : track.body()) {
    const bool ok =
        track.number == 1 ? (c >= 0x20 && c <= 0x5F && c != '%') : (is_digit(c) || c == '=');
    if (!ok) return TrackErrc::kBadCharacter;
  }
  return {};
}

Result<void> check_pan(std::string_view pan) {
  if (pan.empty() || pan.size() > kMaxPanDigits || !std::all_of(pan.begin(), pan.end(), is_digit)) {
    return TrackErrc::kBadNumber;
  }
  return {};
}

// The 4 digits that start `field` when they are all digits; "" otherwise (no expiry encoded).
std::string expiry_at(std::string_view field) {
  if (field.size() < 4 || !std::all_of(field.begin(), field.begin() + 4, is_digit)) return {};
  return std::string(field.substr(0, 4));
}

struct Fields {
  std::string pan;
  std::string name;
  std::string expiry;
};

// Track 1: B PAN ^ NAME ^ YYMM service-code discretionary.
Result<Fields> track1_fields(std::string_view body) {
  if (body.empty() || body[0] != 'B') return TrackErrc::kBadFormat;
  const auto first = body.find('^');
  if (first == std::string_view::npos) return TrackErrc::kBadFormat;
  const auto second = body.find('^', first + 1);
  if (second == std::string_view::npos) return TrackErrc::kBadFormat;
  Fields fields;
  fields.pan = std::string(body.substr(1, first - 1));
  RAPPORT_TRY_VOID(check_pan(fields.pan));
  std::string_view name = body.substr(first + 1, second - first - 1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  fields.name = std::string(name);
  fields.expiry = expiry_at(body.substr(second + 1));
  return fields;
}

// Track 2: PAN [= YYMM service-code discretionary].
Result<Fields> track2_fields(std::string_view body) {
  const auto separator = body.find('=');
  Fields fields;
  fields.pan = std::string(body.substr(0, separator));
  RAPPORT_TRY_VOID(check_pan(fields.pan));
  if (separator != std::string_view::npos) fields.expiry = expiry_at(body.substr(separator + 1));
  return fields;
}

}  // namespace

Result<TrackRead> parse_tracks(std::string_view text) {
  if (text.size() > kMaxTrackText) return TrackErrc::kTrackTooLong;
  std::vector<Track> tracks;
  RAPPORT_TRY_VOID(split(text, 0, tracks));

  std::optional<Fields> track1;
  std::optional<Fields> track2;
  bool reader_error = false;
  for (const Track& track : tracks) {
    if (track.body() == "E") {
      reader_error = true;
      continue;
    }
    RAPPORT_TRY_VOID(check_characters(track));
    if (track.number == 1) {
      RAPPORT_TRY(track1, track1_fields(track.body()));
    } else if (track.number == 2) {
      RAPPORT_TRY(track2, track2_fields(track.body()));
    }
  }
  if (track1 && track2 && track1->pan != track2->pan) return TrackErrc::kTracksDisagree;
  if (!track1 && !track2) {
    return reader_error ? TrackErrc::kReaderError : TrackErrc::kBadNumber;
  }

  TrackRead read;
  read.track = track2 ? 2 : 1;
  read.pan = track2 ? track2->pan : track1->pan;
  if (track1) read.name = track1->name;
  read.expiry_yymm = track2 && !track2->expiry.empty() ? track2->expiry
                     : track1                          ? track1->expiry
                                                       : std::string();
  return read;
}

}  // namespace rapport::drivers
