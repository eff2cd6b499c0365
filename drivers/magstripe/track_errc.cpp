// drivers/magstripe/track_errc.cpp
#include "drivers/magstripe/track_errc.h"

#include "shared/util/error_category.h"

namespace rapport::drivers {
namespace {

const char* describe(int value) {
  switch (static_cast<TrackErrc>(value)) {
    case TrackErrc::kMissingStartSentinel:
      return "not a card swipe: swipe the card again";
    case TrackErrc::kMissingEndSentinel:
      return "partial swipe: swipe again";
    case TrackErrc::kBadCharacter:
      return "unreadable stripe (bad character): swipe again";
    case TrackErrc::kBadLrc:
      return "unreadable stripe (check character wrong): swipe again";
    case TrackErrc::kBadFormat:
      return "the stripe is not laid out like a card: swipe again or type the number";
    case TrackErrc::kBadNumber:
      return "no valid card number on the stripe: swipe again or type the number";
    case TrackErrc::kTrackTooLong:
      return "stripe data too long: swipe again";
    case TrackErrc::kReaderError:
      return "the reader could not read the stripe: swipe again";
    case TrackErrc::kTracksDisagree:
      return "the stripe's tracks disagree: swipe again or type the number";
    case TrackErrc::kBadReport:
      return "the stripe reader sent a malformed report: swipe again";
  }
  return "unknown stripe read error";
}

}  // namespace

const boost::system::error_category& track_category() noexcept {
  static const NamedErrorCategory category("rapport.track", &describe);
  return category;
}

}  // namespace rapport::drivers
