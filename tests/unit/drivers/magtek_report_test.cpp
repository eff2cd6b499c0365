// tests/unit/drivers/magtek_report_test.cpp
//
// The 337-byte swipe report of a MagTek-style vendor-HID reader.

#include "drivers/magstripe/magtek_report.h"

#include <string>
#include <vector>

#include "tests/support/catch_result.h"
#include "tests/support/hid_reports.h"

using rapport::drivers::parse_magtek_report;
using rapport::drivers::TrackErrc;
using rapport::testing::magtek_report;

namespace {

const std::string kTrack1 = "%B6275991234567894^LOVELACE/ADA^2912101?";
const std::string kTrack2 = ";6275991234567894=2912101?";
const std::string kPan = "6275991234567894";

}  // namespace

TEST_CASE("a good swipe report gives track 2's number and track 1's name", "[drivers][magstripe]") {
  const auto report = magtek_report(kTrack1, kTrack2);
  REQUIRE(report.size() == 337);
  const auto read = parse_magtek_report(report);
  REQUIRE(read);
  CHECK(read->pan == kPan);
  CHECK(read->name == "LOVELACE/ADA");
  CHECK(read->track == 2);
}

TEST_CASE("track 1 is used when track 2 is empty", "[drivers][magstripe]") {
  const auto read = parse_magtek_report(magtek_report(kTrack1, ""));
  REQUIRE(read);
  CHECK(read->pan == kPan);
  CHECK(read->track == 1);
}

TEST_CASE("a track the reader could not decode is a bad read when it is used",
          "[drivers][magstripe]") {
  CHECK(parse_magtek_report(magtek_report(kTrack1, kTrack2, "", {0, 1, 0})).error() ==
        TrackErrc::kReaderError);
  CHECK(parse_magtek_report(magtek_report(kTrack1, "", "", {2, 0, 0})).error() ==
        TrackErrc::kReaderError);
  // Track 1 failed but track 2, the one used, is fine.
  CHECK(parse_magtek_report(magtek_report(kTrack1, kTrack2, "", {1, 0, 0})).value().pan == kPan);
  // Nothing on tracks 1 and 2.
  CHECK(parse_magtek_report(magtek_report("", "", ";123?")).error() == TrackErrc::kReaderError);
}

TEST_CASE("malformed reports are refused", "[drivers][magstripe]") {
  auto report = magtek_report(kTrack1, kTrack2);
  SECTION("a length over 110") {
    report[4] = 111;
    CHECK(parse_magtek_report(report).error() == TrackErrc::kBadReport);
  }
  SECTION("the wrong size") {
    report.pop_back();
    CHECK(parse_magtek_report(report).error() == TrackErrc::kBadReport);
    report.resize(338);
    CHECK(parse_magtek_report(report).error() == TrackErrc::kBadReport);
    CHECK(parse_magtek_report({}).error() == TrackErrc::kBadReport);
  }
  SECTION("garbage") {
    const std::vector<std::uint8_t> garbage(337, 0xFF);
    CHECK(parse_magtek_report(garbage).error() == TrackErrc::kBadReport);
  }
}

TEST_CASE("damaged track data in a report is a bad read", "[drivers][magstripe]") {
  CHECK(parse_magtek_report(magtek_report("", ";6275991234")).error() ==
        TrackErrc::kMissingEndSentinel);
  CHECK(parse_magtek_report(magtek_report(kTrack1, ";6275991234567895=2912101?")).error() ==
        TrackErrc::kTracksDisagree);
  // The length counts: data past it is ignored, data cut by it is a partial track.
  auto report = magtek_report("", kTrack2);
  report[4] = 10;
  CHECK(parse_magtek_report(report).error() == TrackErrc::kMissingEndSentinel);
}
