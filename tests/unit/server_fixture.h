// tests/unit/server_fixture.h
//
// The server tests' common set-up: a real SQLite store in a temporary folder, and requests
// made as the HTTPS layer makes them.

#pragma once

#include "server/storage/store.h"
#include "server/sync_handler.h"
#include "shared/domain/event_id.h"
#include "shared/protocol/sync_messages.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

namespace rapport::testing {

// A store with S1 and S2, Ada (home S1) holding ada_token, and terminal T1 of S1.
struct ServerFixture {
  rapport::testing::TempDir dir;
  std::unique_ptr<server::Store> store = server::open_sqlite_store(dir / "rapport.db").value();
  std::int64_t ada = 0;
  std::string ada_token = std::string(64, 'a');
  server::SyncPolicy policy;

  ServerFixture() {
    REQUIRE(store->add_store("S1", "High Street"));
    REQUIRE(store->add_store("S2", "Station"));
    ada = store->add_member({"Ada Lovelace", "S1", "1815-12-10"}).value();
    REQUIRE(store->add_card(ada, {ada_token, "7894", domain::CardStatus::kActive}));
    REQUIRE(store->register_terminal({"T1", "S1", "01", false}));
  }

  static domain::Event visit(const std::string& token) {
    domain::Event e;
    e.id = domain::new_event_id();
    e.card_token = token;
    e.occurred_at = "2026-11-25T10:00:00.000Z";
    e.terminal_id = "T1";
    e.store_id = "S1";
    return e;
  }

  static domain::Event event(domain::EventKind kind, const std::string& token,
                             std::string payload, std::string store_id = "S1") {
    domain::Event e = visit(token);
    e.kind = kind;
    e.payload = std::move(payload);
    e.store_id = std::move(store_id);
    return e;
  }

  net::HttpResponse get(std::string target, std::string cn = "T1") {
    net::HttpRequest request;
    request.method = "GET";
    request.target = std::move(target);
    request.peer_common_name = std::move(cn);
    request.peer_certificate_serial = "01";
    return server::handle_sync_request(*store, policy, request);
  }

  net::HttpResponse post(const std::vector<domain::Event>& events, std::string cn = "T1",
                         std::string serial = "01") {
    net::HttpRequest request;
    request.method = "POST";
    request.target = std::string(protocol::kPushEventsPath);
    request.body = protocol::encode(protocol::PushEventsRequest{events});
    request.peer_common_name = std::move(cn);
    request.peer_certificate_serial = serial;
    return server::handle_sync_request(*store, policy, request);
  }
};

}  // namespace rapport::testing
