// tests/unit/drivers/track_data_test.cpp
//
// Stripe text to card number: good swipes of every shape a loyalty card comes in, and every
// bad swipe a counter sees, each a clear error and never a number.

#include "drivers/magstripe/track_data.h"

#include <string>

#include "tests/support/catch_result.h"
#include "tests/support/hid_reports.h"

using rapport::drivers::parse_tracks;
using rapport::drivers::TrackErrc;
using rapport::testing::with_lrc;

namespace {

const std::string kTrack1 = "%B6275991234567894^LOVELACE/ADA^2912101?";
const std::string kTrack2 = ";6275991234567894=2912101?";
const std::string kPan = "6275991234567894";

}  // namespace

TEST_CASE("a full swipe gives track 2's number, track 1's name and the expiry",
          "[drivers][magstripe]") {
  const auto read = parse_tracks(kTrack1 + kTrack2);
  REQUIRE(read);
  CHECK(read->pan == kPan);
  CHECK(read->name == "LOVELACE/ADA");
  CHECK(read->expiry_yymm == "2912");
  CHECK(read->track == 2);

  SECTION("tracks in any order, separated by line breaks, with track 3 present") {
    const auto other = parse_tracks(kTrack2 + "\r\n" + kTrack1 + "\n+1234567890?\r\n");
    REQUIRE(other);
    CHECK(other->pan == kPan);
    CHECK(other->name == "LOVELACE/ADA");
  }
}

TEST_CASE("a loyalty card with only its number on track 2 reads", "[drivers][magstripe]") {
  const auto read = parse_tracks(";" + kPan + "?");
  REQUIRE(read);
  CHECK(read->pan == kPan);
  CHECK(read->name.empty());
  CHECK(read->expiry_yymm.empty());
  CHECK(read->track == 2);
}

TEST_CASE("track 1 alone gives its number, padded name trimmed", "[drivers][magstripe]") {
  const auto read = parse_tracks("%B" + kPan + "^LOVELACE/ADA      ^2912101000000?");
  REQUIRE(read);
  CHECK(read->pan == kPan);
  CHECK(read->name == "LOVELACE/ADA");
  CHECK(read->expiry_yymm == "2912");
  CHECK(read->track == 1);
}

TEST_CASE("an LRC after the end sentinel is checked", "[drivers][magstripe]") {
  SECTION("correct LRCs on both tracks") {
    const auto read = parse_tracks(with_lrc(kTrack1) + with_lrc(kTrack2));
    REQUIRE(read);
    CHECK(read->pan == kPan);
  }
  SECTION("a wrong LRC is a bad read") {
    std::string bad = with_lrc(kTrack2);
    bad.back() = bad.back() == '0' ? '1' : '0';
    CHECK(parse_tracks(bad).error() == TrackErrc::kBadLrc);
    std::string bad1 = with_lrc(kTrack1);
    bad1.back() = bad1.back() == 'A' ? 'B' : 'A';
    CHECK(parse_tracks(bad1 + kTrack2).error() == TrackErrc::kBadLrc);
  }
  SECTION("known values: XOR of the 4-bit codes, plus 0x30") {
    // ; (B) 1 2 3 ? (F): B^1^2^3^F = 0x4, so the LRC character is '4'.
    CHECK(with_lrc(";123?") == ";123?4");
    CHECK(parse_tracks(";123?4").value().pan == "123");
    CHECK(parse_tracks(";123?5").error() == TrackErrc::kBadLrc);
  }
}

TEST_CASE("an LRC that looks like the next start sentinel is read either way",
          "[drivers][magstripe]") {
  // Find a track 1 whose LRC character is ';', track 2's start sentinel.
  std::string track1;
  // The second name character may be a digit or space too, so both parities of the 6-bit
  // sum are reachable.
  const std::string seconds = " 0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  for (char c = 'A'; c <= 'Z' && track1.empty(); ++c) {
    for (const char d : seconds) {
      const std::string candidate = "%B" + kPan + "^LOVELACE/" + c + d + "^2912101?";
      if (with_lrc(candidate).back() == ';') {
        track1 = candidate;
        break;
      }
    }
  }
  REQUIRE_FALSE(track1.empty());
  const auto with_both_lrcs = parse_tracks(with_lrc(track1) + with_lrc(kTrack2));
  REQUIRE(with_both_lrcs);
  CHECK(with_both_lrcs->pan == kPan);
  const auto without_lrcs = parse_tracks(track1 + kTrack2);  // ';' is track 2's sentinel
  REQUIRE(without_lrcs);
  CHECK(without_lrcs->pan == kPan);
  CHECK(without_lrcs->name.substr(0, 9) == "LOVELACE/");
}

TEST_CASE("a partial swipe is a bad read, never a number", "[drivers][magstripe]") {
  CHECK(parse_tracks(";6275991234").error() == TrackErrc::kMissingEndSentinel);
  CHECK(parse_tracks(kTrack1 + ";6275991234567894=29").error() == TrackErrc::kMissingEndSentinel);
  CHECK(parse_tracks(";62759912+1234?").error() == TrackErrc::kMissingEndSentinel);
  CHECK(parse_tracks("%B6275991234567894^LOV%B6275991234567894^LOVELACE/ADA^2912?").error() ==
        TrackErrc::kMissingEndSentinel);
  // Track 1 cut short runs into track 2: its fields no longer make sense.
  CHECK_FALSE(parse_tracks("%B6275991234567894^LOVEL" + kTrack2));
  CHECK(parse_tracks("%B6275991234567894?").error() == TrackErrc::kBadFormat);
}

TEST_CASE("text that is not a swipe is refused", "[drivers][magstripe]") {
  CHECK(parse_tracks("").error() == TrackErrc::kMissingStartSentinel);
  CHECK(parse_tracks("\r\n").error() == TrackErrc::kMissingStartSentinel);
  CHECK(parse_tracks(kPan).error() == TrackErrc::kMissingStartSentinel);
  CHECK(parse_tracks(kPan + "?").error() == TrackErrc::kMissingStartSentinel);
  CHECK(parse_tracks("x" + kTrack2).error() == TrackErrc::kMissingStartSentinel);
  CHECK(parse_tracks(kTrack2 + " ").error() == TrackErrc::kBadLrc);  // trailing junk
  CHECK(parse_tracks(kTrack2 + kTrack2 + kTrack2 + kTrack2).error() == TrackErrc::kBadFormat);
  CHECK(parse_tracks(kTrack1 + kTrack1).error() == TrackErrc::kBadFormat);
}

TEST_CASE("characters outside the track's set are a bad read", "[drivers][magstripe]") {
  CHECK(parse_tracks(";62759912A4567894?").error() == TrackErrc::kBadCharacter);
  CHECK(parse_tracks(";6275991234567894:?").error() == TrackErrc::kBadCharacter);
  CHECK(parse_tracks("%B6275991234567894^lovelace/ada^2912?").error() == TrackErrc::kBadCharacter);
  CHECK(parse_tracks(std::string(";62759\0"
                                 "1234567894?",
                                 18))
            .error() == TrackErrc::kBadCharacter);
}

TEST_CASE("the number must be 1 to 19 digits", "[drivers][magstripe]") {
  CHECK(parse_tracks(";?").error() == TrackErrc::kBadNumber);
  CHECK(parse_tracks(";=2912101?").error() == TrackErrc::kBadNumber);
  CHECK(parse_tracks(";" + std::string(19, '9') + "?").value().pan == std::string(19, '9'));
  CHECK(parse_tracks(";" + std::string(20, '9') + "?").error() == TrackErrc::kBadNumber);
  CHECK(parse_tracks("%B^LOVELACE/ADA^2912?").error() == TrackErrc::kBadNumber);
  CHECK(parse_tracks("%B6275 9912^LOVELACE/ADA^2912?").error() == TrackErrc::kBadNumber);
  CHECK(parse_tracks("+1234?").error() == TrackErrc::kBadNumber);  // track 3 only
}

TEST_CASE("track 1 must follow the ISO/IEC 7813 layout", "[drivers][magstripe]") {
  CHECK(parse_tracks("%A6275991234567894^LOVELACE/ADA^2912?").error() == TrackErrc::kBadFormat);
  CHECK(parse_tracks("%B6275991234567894^LOVELACE/ADA?").error() == TrackErrc::kBadFormat);
  CHECK(parse_tracks("%?").error() == TrackErrc::kBadFormat);
  // No expiry encoded: the number still reads.
  CHECK(parse_tracks("%B6275991234567894^LOVELACE/ADA^?").value().expiry_yymm.empty());
}

TEST_CASE("reader error markers: a bad read unless another track holds the number",
          "[drivers][magstripe]") {
  CHECK(parse_tracks("%E?").error() == TrackErrc::kReaderError);
  CHECK(parse_tracks(";E?").error() == TrackErrc::kReaderError);
  CHECK(parse_tracks("+E?").error() == TrackErrc::kReaderError);
  CHECK(parse_tracks("%E?;E?+E?").error() == TrackErrc::kReaderError);
  // A card with only track 2 encoded, on a reader that reports blank tracks as errors.
  const auto read = parse_tracks("%E?" + kTrack2 + "+E?");
  REQUIRE(read);
  CHECK(read->pan == kPan);
  CHECK(read->track == 2);
}

TEST_CASE("tracks carrying different numbers are a bad read", "[drivers][magstripe]") {
  CHECK(parse_tracks(kTrack1 + ";6275991234567895=2912101?").error() == TrackErrc::kTracksDisagree);
}

TEST_CASE("tracks longer than ISO/IEC 7813 allows are a bad read", "[drivers][magstripe]") {
  CHECK(parse_tracks(";" + std::string(38, '1') + "?").error() == TrackErrc::kTrackTooLong);
  CHECK(parse_tracks("%B" + kPan + "^" + std::string(70, 'A') + "^2912?").error() ==
        TrackErrc::kTrackTooLong);
  CHECK(parse_tracks(std::string(300, ';')).error() == TrackErrc::kTrackTooLong);
}

TEST_CASE("stripe errors tell the cashier to swipe again", "[drivers][magstripe]") {
  const rapport::ErrorCode partial = TrackErrc::kMissingEndSentinel;
  CHECK(std::string(partial.category().name()) == "rapport.track");
  CHECK(partial.message() == "partial swipe: swipe again");
}
