// tests/unit/domain_test.cpp
//
// Event ids, time formatting, the sync protocol's JSON, and the malloc tunable programs start with.

#include <set>

#include "shared/domain/event_id.h"
#include "shared/protocol/protocol_errc.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"
#include "shared/util/huge_pages.h"
#include "shared/util/money.h"
#include "tests/support/catch_result.h"

using namespace rapport;
using protocol::ProtocolErrc;

namespace {

domain::Event sample_event() {
  domain::Event e;
  e.id = domain::new_event_id();
  e.kind = domain::EventKind::kVisit;
  e.card_token = std::string(64, 'a');
  e.member_id = 42;
  e.occurred_at = "2026-11-25T10:00:00.000Z";
  return e;
}

}  // namespace

TEST_CASE("event ids are UUIDv7 and unique", "[domain]") {
  std::set<std::string> ids;
  std::string previous;
  for (int i = 0; i < 10000; ++i) {
    const auto id = domain::new_event_id();
    REQUIRE(domain::is_valid_event_id(id));
    REQUIRE(id[14] == '7');  // version nibble
    REQUIRE((id[19] == '8' || id[19] == '9' || id[19] == 'a' || id[19] == 'b'));  // variant
    // Made by one process, they sort in the order they were made, within a millisecond too
    // (10,000 ids take a few milliseconds: most share one with their neighbours).
    REQUIRE(id > previous);
    previous = id;
    ids.insert(id);
  }
  CHECK(ids.size() == 10000);
  CHECK_FALSE(domain::is_valid_event_id("not-a-uuid"));
  CHECK_FALSE(domain::is_valid_event_id("01a21505-25d7-7748-9c06-a6dea75f5e3Z"));
}

TEST_CASE("ISO 8601 times round-trip and ages read naturally", "[domain]") {
  const auto t = from_iso8601("2026-11-25T10:20:30.456Z");
  REQUIRE(t);
  CHECK(to_iso8601(*t) == "2026-11-25T10:20:30.456Z");
  CHECK(from_iso8601("2026-11-25T10:20:30Z"));
  CHECK_FALSE(from_iso8601("2026-02-30T10:20:30Z"));
  CHECK_FALSE(from_iso8601("yesterday"));
  CHECK_FALSE(from_iso8601("2026-11-25T10:20:30.456Zjunk"));
  CHECK_FALSE(from_iso8601("3846-11-25T23:23:08.631Z"));  // would overflow; found by fuzzing
  CHECK_FALSE(from_iso8601("0001-01-01T00:00:00Z"));
  // Only the one layout that sorts as text (found in review: sscanf took these).
  CHECK_FALSE(from_iso8601(" 2026-1-1T1:1:1Z"));
  CHECK_FALSE(from_iso8601("2026-11-25T10:20:30.+5Z"));
  CHECK_FALSE(from_iso8601("2026-11-25T10:20:30.45Z"));
  CHECK_FALSE(from_iso8601("2026-11-25 10:20:30Z"));
  CHECK_FALSE(from_iso8601("2026-11-25T24:00:00Z"));
  using namespace std::chrono;
  CHECK(describe_age(*t, *t + seconds(5)) == "just now");
  CHECK(describe_age(*t, *t + days(3)) == "3 days ago");
  CHECK(describe_age(*t, *t + days(1)) == "1 day ago");
  CHECK(describe_age(*t, *t + weeks(3)) == "3 weeks ago");
  CHECK(is_valid_date("1815-12-10"));
  CHECK_FALSE(is_valid_date("1815-13-10"));
}

TEST_CASE("a push request round-trips through JSON", "[protocol]") {
  protocol::PushEventsRequest request{{sample_event(), sample_event()}};
  request.events[1].member_id.reset();
  const auto decoded = protocol::decode_push_events_request(protocol::encode(request));
  REQUIRE(decoded);
  REQUIRE(decoded->events.size() == 2);
  CHECK(decoded->events[0].id == request.events[0].id);
  CHECK(decoded->events[0].member_id == 42);
  CHECK_FALSE(decoded->events[1].member_id);
  CHECK(decoded->events[1].occurred_at == "2026-11-25T10:00:00.000Z");
}

TEST_CASE("malformed push requests are refused with a named reason", "[protocol]") {
  const auto event = [](const std::string& fields) { return R"({"events":[{)" + fields + "}]}"; };
  const std::string id = R"("id":")" + domain::new_event_id() + R"(")";
  const std::string token = R"("card_token":")" + std::string(64, 'b') + R"(")";
  const std::string at = R"("occurred_at":"2026-11-25T10:00:00Z")";

  CHECK(protocol::decode_push_events_request("{").error() == ProtocolErrc::kNotJson);
  CHECK(protocol::decode_push_events_request("[]").error() == ProtocolErrc::kWrongShape);
  CHECK(protocol::decode_push_events_request(R"({"events":5})").error() ==
        ProtocolErrc::kWrongShape);
  CHECK(protocol::decode_push_events_request(event(R"("kind":"visit",)" + token + "," + at))
            .error() == ProtocolErrc::kWrongShape);
  CHECK(
      protocol::decode_push_events_request(event(R"("id":"x","kind":"visit",)" + token + "," + at))
          .error() == ProtocolErrc::kBadEventId);
  CHECK(
      protocol::decode_push_events_request(event(id + R"(,"kind":"teleport",)" + token + "," + at))
          .error() == ProtocolErrc::kUnknownEventKind);
  CHECK(protocol::decode_push_events_request(
            event(id + R"(,"kind":"visit","card_token":"1234",)" + at))
            .error() == ProtocolErrc::kBadCardToken);
  CHECK(protocol::decode_push_events_request(
            event(id + R"(,"kind":"visit",)" + token + R"(,"occurred_at":"noon")"))
            .error() == ProtocolErrc::kBadTimestamp);
  CHECK(protocol::decode_push_events_request(
            event(id + R"(,"kind":"visit",)" + token + "," + at + R"(,"member_id":"7")"))
            .error() == ProtocolErrc::kWrongShape);
  // Nesting far deeper than any message of ours.
  CHECK(protocol::decode_push_events_request(std::string(10000, '[') + std::string(10000, ']'))
            .error() == ProtocolErrc::kNotJson);
}

TEST_CASE("a batch above the limit is refused whole", "[protocol]") {
  protocol::PushEventsRequest request;
  for (std::size_t i = 0; i <= protocol::kMaxEventsPerBatch; ++i) {
    request.events.push_back(sample_event());
  }
  CHECK(protocol::decode_push_events_request(protocol::encode(request)).error() ==
        ProtocolErrc::kTooManyEvents);
}

TEST_CASE("a changes page round-trips through JSON", "[protocol]") {
  domain::Member m;
  m.id = 7;
  m.name = "Zoë \"Z\" Ångström";
  m.home_store = "S1";
  m.birth_date = "1990-01-31";
  m.visit_count = 12;
  m.cards.push_back({std::string(64, 'c'), "1234", domain::CardStatus::kActive});
  m.cards.push_back({std::string(64, 'd'), "5678", domain::CardStatus::kBlocked});
  const protocol::ChangesPage page{"S1", {m}, "17.7", true};
  const auto decoded = protocol::decode_changes_page(protocol::encode(page));
  REQUIRE(decoded);
  CHECK(decoded->cursor == "17.7");
  CHECK(decoded->more);
  REQUIRE(decoded->members.size() == 1);
  CHECK(decoded->members[0].name == m.name);
  CHECK(decoded->members[0].birth_date == m.birth_date);
  CHECK_FALSE(decoded->members[0].last_visit);
  REQUIRE(decoded->members[0].cards.size() == 2);
  CHECK(decoded->members[0].cards[1].status == domain::CardStatus::kBlocked);
}

// Recent purchases ride with the member (docs/protocol.md, "Recent purchases"): absent (an
// older server) means none; what is left to refund is between 0 and the total.
TEST_CASE("a member's recent purchases round-trip and a malformed one is refused",
          "[protocol]") {
  domain::Member m;
  m.id = 7;
  m.name = "Ada";
  m.home_store = "S1";
  const auto without = protocol::encode(m);
  m.recent_purchases.push_back({domain::new_event_id(), "2026-11-20T10:00:00.000Z", "S2",
                                "2 x Latte", 800, 500});
  const auto back = protocol::decode_member(protocol::encode(m)).value();
  REQUIRE(back.recent_purchases.size() == 1);
  CHECK(back.recent_purchases[0].event_id == m.recent_purchases[0].event_id);
  CHECK(back.recent_purchases[0].occurred_at == "2026-11-20T10:00:00.000Z");
  CHECK(back.recent_purchases[0].store_id == "S2");
  CHECK(back.recent_purchases[0].summary == "2 x Latte");
  CHECK(back.recent_purchases[0].total_cents == 800);
  CHECK(back.recent_purchases[0].refundable_cents == 500);
  auto old = without;
  const auto start = old.find(",\"recent_purchases\"");
  REQUIRE(start != std::string::npos);
  old.erase(start, old.find(']', start) + 1 - start);
  CHECK(protocol::decode_member(old).value().recent_purchases.empty());
  auto more = m;
  more.recent_purchases[0].refundable_cents = 801;
  CHECK_FALSE(protocol::decode_member(protocol::encode(more)));
  more.recent_purchases[0].refundable_cents = -1;
  CHECK_FALSE(protocol::decode_member(protocol::encode(more)));
  more = m;
  more.recent_purchases[0].event_id = "not-an-id";
  CHECK_FALSE(protocol::decode_member(protocol::encode(more)));
  more = m;
  more.recent_purchases.assign(21, m.recent_purchases[0]);
  CHECK_FALSE(protocol::decode_member(protocol::encode(more)));
}

// Amounts shown to people: one formatter for the dashboard, the CLI and offer reasons. A
// refund smaller than one unit keeps its sign (an earlier private copy printed -50 as 0.50).
TEST_CASE("amounts in cents are shown with two decimals and their sign", "[money]") {
  CHECK(rapport::format_cents(0) == "0.00");
  CHECK(rapport::format_cents(5) == "0.05");
  CHECK(rapport::format_cents(1250) == "12.50");
  CHECK(rapport::format_cents(-50) == "-0.50");
  CHECK(rapport::format_cents(-123456) == "-1234.56");
}

TEST_CASE("programs ask glibc for huge pages once and keep the tunables already set", "[util]") {
  CHECK(tunables_with_malloc_huge_pages(nullptr) == "glibc.malloc.hugetlb=1");
  CHECK(tunables_with_malloc_huge_pages("") == "glibc.malloc.hugetlb=1");
  CHECK(tunables_with_malloc_huge_pages("glibc.malloc.arena_max=2") ==
        "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
  // Set already: by the first start (so a restart never loops) or by a user opting out.
  CHECK_FALSE(tunables_with_malloc_huge_pages("glibc.malloc.hugetlb=1").has_value());
  CHECK_FALSE(tunables_with_malloc_huge_pages("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=0").has_value());
}
