// tests/unit/server_test.cpp
//
// The server's SQLite store and its sync handler, called as the HTTPS layer calls it.

#include "tests/unit/server_fixture.h"

using namespace rapport;
using rapport::testing::ServerFixture;


TEST_CASE_METHOD(ServerFixture, "an event delivered twice is stored once", "[server]") {
  const std::vector<domain::Event> batch{visit(ada_token), visit(ada_token)};
  CHECK(store->record_events(batch).value() == 2);
  CHECK(store->record_events(batch).value() == 0);
  const std::vector<domain::Event> overlap{batch[1], visit(ada_token)};
  CHECK(store->record_events(overlap).value() == 1);
  CHECK(store->list_events(100).value().size() == 3);
}

TEST_CASE_METHOD(ServerFixture, "the server resolves the member from its own card table", "[server]") {
  auto unknown = visit(std::string(64, 'f'));
  auto claimed = visit(ada_token);
  claimed.member_id = 999;  // the terminal's claim is not what the server stores
  const std::vector<domain::Event> batch{unknown, claimed};
  REQUIRE(store->record_events(batch));
  const auto events = store->list_events(10).value();
  REQUIRE(events.size() == 2);
  CHECK_FALSE(events[0].event.member_id);
  CHECK(events[1].event.member_id == ada);
  CHECK(events[1].sequence > events[0].sequence);
  const auto members = store->list_members(std::nullopt).value();
  REQUIRE(members.size() == 1);
  CHECK(members[0].visit_count == 1);
  CHECK(members[0].last_visit == "2026-11-25T10:00:00.000Z");
}

TEST_CASE_METHOD(ServerFixture, "members are listed per home store with their cards", "[server]") {
  REQUIRE(store->add_member({"Bob", "S2", std::nullopt}));
  CHECK(store->list_members(std::string("S1")).value().size() == 1);
  CHECK(store->list_members(std::nullopt).value().size() == 2);
  CHECK(store->list_members(std::string("S1")).value()[0].cards.size() == 1);
  CHECK_FALSE(store->add_member({"Nobody", "S9", std::nullopt}));  // no such store
  CHECK_FALSE(store->add_card(ada, {ada_token, "7894", domain::CardStatus::kActive}));
}

TEST_CASE_METHOD(ServerFixture, "enrolling with a card someone holds creates no member", "[server]") {
  const auto taken = store->enroll_member({"Eve", "S1", std::nullopt},
                                          {ada_token, "7894", domain::CardStatus::kActive});
  CHECK_FALSE(taken);
  CHECK(store->list_members(std::nullopt).value().size() == 1);
  const auto ok = store->enroll_member({"Eve", "S1", std::nullopt},
                                       {std::string(64, 'e'), "1111", domain::CardStatus::kActive});
  REQUIRE(ok);
  CHECK(store->list_members(std::nullopt).value().size() == 2);
}

TEST_CASE_METHOD(ServerFixture, "the sync handler acknowledges a resent batch and stores it once",
                 "[server]") {
  const std::vector<domain::Event> batch{visit(ada_token), visit(ada_token)};
  for (int attempt = 0; attempt < 3; ++attempt) {
    const auto response = post(batch);
    REQUIRE(response.status == 200);
    const auto acks = protocol::decode_push_events_response(response.body).value();
    CHECK(acks.acknowledged == std::vector<std::string>{batch[0].id, batch[1].id});
  }
  CHECK(store->list_events(100).value().size() == 2);
}

TEST_CASE_METHOD(ServerFixture, "the terminal and store come from the certificate, not the body",
                 "[server]") {
  REQUIRE(store->register_terminal({"T2", "S2", "02", false}));
  REQUIRE(post({visit(ada_token)}, "T2", "02").status == 200);
  const auto events = store->list_events(10).value();
  REQUIRE(events.size() == 1);
  CHECK(events[0].event.terminal_id == "T2");
  CHECK(events[0].event.store_id == "S2");
}

TEST_CASE_METHOD(ServerFixture, "malformed messages get 400 with a reason and store nothing",
                 "[server]") {
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/sync/v1/events";
  request.peer_common_name = "T1";
  request.peer_certificate_serial = "01";
  for (const char* body : {"", "{", "null", R"({"events":[{"id":"x"}]})", "\xff\xfe"}) {
    request.body = body;
    const auto response = server::handle_sync_request(*store, policy, request);
    INFO(body);
    CHECK(response.status == 400);
    CHECK_THAT(response.body, Catch::Contains("\"error\""));
  }
  CHECK(store->list_events(10).value().empty());
}

TEST_CASE_METHOD(ServerFixture, "unknown terminals, paths and methods are refused", "[server]") {
  CHECK(post({visit(ada_token)}, "T9").status == 403);
  CHECK(post({visit(ada_token)}, "").status == 403);
  net::HttpRequest request;
  request.peer_common_name = "T1";
  request.peer_certificate_serial = "01";
  request.method = "GET";
  request.target = "/sync/v1/events";
  CHECK(server::handle_sync_request(*store, policy, request).status == 405);
  request.target = "/sync/v2/events";
  CHECK(server::handle_sync_request(*store, policy, request).status == 404);
  request.target = "/sync/v1/changes";
  const auto members = server::handle_sync_request(*store, policy, request);
  REQUIRE(members.status == 200);
  CHECK(protocol::decode_changes_page(members.body).value().members.size() == 1);
  CHECK(store->list_events(10).value().empty());
}

TEST_CASE_METHOD(ServerFixture, "a revoked terminal and a superseded certificate are shut out",
                 "[server]") {
  CHECK(post({visit(ada_token)}, "T1", "0badc0de").status == 403);  // an older certificate
  REQUIRE(post({visit(ada_token)}, "T1", "01").status == 200);
  CHECK(store->revoke_terminal("T1").value());
  CHECK_FALSE(store->revoke_terminal("T1").value());  // already revoked
  CHECK_FALSE(store->revoke_terminal("T9").value());  // never issued
  CHECK(post({visit(ada_token)}, "T1", "01").status == 403);
  REQUIRE(store->register_terminal({"T1", "S1", "03", false}));  // issued again
  CHECK(post({visit(ada_token)}, "T1", "01").status == 403);
  CHECK(post({visit(ada_token)}, "T1", "03").status == 200);
  CHECK(store->list_events(10).value().size() == 2);
}
