// drivers/magstripe/track_errc.h
//
// Why a magnetic-stripe read is not a card number. Every value is a bad read at the counter,
// answered with "swipe again" or a clear reason; none of them is ever turned into a member.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::drivers {

enum class TrackErrc {
  kMissingStartSentinel = 1,  // no %, ; or + where a track begins: not stripe data
  kMissingEndSentinel,        // a track without its closing '?': a partial swipe
  kBadCharacter,              // a character outside the track's character set
  kBadLrc,                    // the longitudinal check character does not match
  kBadFormat,                 // separators or fields not laid out as ISO/IEC 7813 says
  kBadNumber,                 // the card number is missing, empty or over 19 digits
  kTrackTooLong,              // longer than the track can hold (79, 40, 107 characters)
  kReaderError,               // the reader itself reported the track unreadable (%E? ...)
  kTracksDisagree,            // track 1 and track 2 carry different card numbers
  kBadReport,                 // a vendor report of the wrong size or with impossible lengths
};

[[nodiscard]] const boost::system::error_category& track_category() noexcept;

inline ErrorCode make_error_code(TrackErrc e) noexcept {
  return {static_cast<int>(e), track_category()};
}

}  // namespace rapport::drivers

template <>
struct boost::system::is_error_code_enum<rapport::drivers::TrackErrc> : std::true_type {};
