// tests/unit/member_tokens_test.cpp
//
// The server's token keys and its decision to issue a member token, on a real SQLite store
// and a real key folder.

#include "server/member_tokens.h"

#include <sys/stat.h>

#include "server/card_token_keys.h"
#include "server/member_token_handler.h"
#include "server/sync_handler.h"
#include "shared/protocol/card_messages.h"
#include "shared/card/member_token.h"
#include "shared/card/token_errc.h"
#include "shared/util/files.h"
#include "shared/util/hex.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using card::TokenErrc;

namespace {

constexpr const char* kPrefix = "627599";
constexpr auto kToday = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26};

struct Fixture {
  rapport::testing::TempDir dir;
  std::unique_ptr<server::Store> store = server::open_sqlite_store(dir / "rapport.db").value();
  card::CardKey card_key = card::CardKey::generate();
  server::CardTokenKeys keys{dir.path()};
  card::CardNumber ada_card = card::CardNumber::parse("6275991234567894", kPrefix).value();
  card::CardNumber old_card = card::CardNumber::parse("6275993182640574", kPrefix).value();
  std::int64_t ada = 0;

  Fixture() {
    REQUIRE(store->add_store("S1", "High Street"));
    ada = store->add_member({"Ada Lovelace", "S1", std::nullopt}).value();
    REQUIRE(
        store->add_card(ada, {card_key.token_for(ada_card), "7894", domain::CardStatus::kActive}));
    REQUIRE(
        store->add_card(ada, {card_key.token_for(old_card), "0574", domain::CardStatus::kBlocked}));
  }

  Result<server::IssuedMemberToken> issue(std::int64_t member, const card::CardNumber& number,
                                          std::vector<std::uint8_t> uid = {}) {
    return server::issue_member_token(*store, card_key, keys,
                                      {member, number, std::move(uid), kToday});
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "a token is issued for a member's own active card with the active key",
                 "[server][token]") {
  CHECK(issue(ada, ada_card).error() == TokenErrc::kNoSigningKey);
  REQUIRE(keys.create() == 1);
  REQUIRE(keys.create() == 2);
  const auto issued = issue(ada, ada_card, {0x04, 1, 2, 3, 4, 5, 6});
  REQUIRE(issued);
  CHECK(issued->key_id == 2);
  const auto verified = keys.public_keyring().verify(
      issued->bytes, std::vector<std::uint8_t>{0x04, 1, 2, 3, 4, 5, 6}, kPrefix);
  REQUIRE(verified);
  CHECK(verified->member_id == ada);
  CHECK(verified->number == ada_card);
  CHECK(verified->issued == kToday);
}

TEST_CASE_METHOD(Fixture, "no token for someone else's card or a blocked one", "[server][token]") {
  REQUIRE(keys.create());
  const auto grace = store->add_member({"Grace Hopper", "S1", std::nullopt}).value();
  CHECK(issue(grace, ada_card).error() == TokenErrc::kNotMembersCard);
  CHECK(issue(ada + 100, ada_card).error() == TokenErrc::kNotMembersCard);
  CHECK(issue(ada, old_card).error() == TokenErrc::kCardBlocked);
  CHECK(issue(ada, ada_card, {1, 2}).error() == TokenErrc::kBadClaims);
}

TEST_CASE_METHOD(Fixture, "keys rotate: private keys 0600, retired keys leave the keyring",
                 "[server][token]") {
  REQUIRE(keys.create() == 1);
  const auto old_token = issue(ada, ada_card).value();
  REQUIRE(keys.create() == 2);
  struct stat info {};
  REQUIRE(::stat((keys.folder() / "2.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(keys.public_keyring().verify(old_token.bytes, std::nullopt, kPrefix));

  CHECK(keys.retire(2) == server::RetireOutcome::kActiveKey);
  CHECK(keys.retire(1) == server::RetireOutcome::kRetired);
  CHECK(keys.retire(1) == server::RetireOutcome::kAlreadyRetired);
  CHECK(keys.retire(9) == server::RetireOutcome::kNoSuchKey);
  CHECK(keys.public_keyring().key_ids() == std::vector<std::uint8_t>{2});
  CHECK(keys.public_keyring().verify(old_token.bytes, std::nullopt, kPrefix).error() ==
        TokenErrc::kUnknownKey);
  CHECK(card::TokenKeyring::parse(keys.public_keyring_text()).value().key_ids() ==
        std::vector<std::uint8_t>{2});
  CHECK(keys.create() == 3);  // ids are never reused
  const auto list = keys.list();
  REQUIRE(list.size() == 3);
  CHECK(list[0].status == server::TokenKeyStatus::kRetired);
  CHECK(list[1].status == server::TokenKeyStatus::kValid);
  CHECK(list[2].status == server::TokenKeyStatus::kActive);
  CHECK_FALSE(list[2].created.empty());
}

TEST_CASE_METHOD(Fixture, "a public key file that does not match its private key is noticed",
                 "[server][token]") {
  REQUIRE(keys.create() == 1);
  const auto stranger = crypto::Ed25519PrivateKey::generate();
  write_file_atomically(keys.folder() / "1.pub", "Key-Id: 1\n" + stranger.public_key().to_pem(),
                        false);
  CHECK_THROWS_WITH(keys.public_keyring(), Catch::Contains("does not match"));
}

namespace {

// The sync endpoints as terminal T1 of store S1 (certificate serial 01) calls them.
struct EndpointFixture : Fixture {
  server::MemberTokenService service{card_key, server::CardTokenKeys(dir.path()), kPrefix};
  server::SyncPolicy policy;

  EndpointFixture() { REQUIRE(store->register_terminal({"T1", "S1", "01", false})); }

  net::HttpResponse call(std::string method, std::string_view path, std::string body = {},
                         std::string cn = "T1", std::string serial = "01") {
    net::HttpRequest request;
    request.method = std::move(method);
    request.target = std::string(path);
    request.body = std::move(body);
    request.peer_common_name = std::move(cn);
    request.peer_certificate_serial = std::move(serial);
    return server::handle_sync_request(*store, policy, request, &service);
  }
  net::HttpResponse ask(std::string number, std::string uid = "04a23c5a6b8081",
                        std::string cn = "T1", std::string serial = "01") {
    return call("POST", protocol::kMemberTokensPath,
                protocol::encode(protocol::MemberTokenRequest{std::move(number), std::move(uid)}),
                std::move(cn), std::move(serial));
  }
};

}  // namespace

TEST_CASE_METHOD(EndpointFixture, "a terminal gets a token signed for a member's card and chip",
                 "[server][token][sync]") {
  REQUIRE(keys.create() == 1);
  const auto response = ask("6275 9912 3456 7894");
  REQUIRE(response.status == 200);
  const auto answer = protocol::decode_member_token_answer(response.body).value();
  CHECK(answer.member_id == ada);
  CHECK(answer.key_id == 1);
  const auto bytes = from_hex(answer.token).value();
  const std::vector<std::uint8_t> uid = {0x04, 0xa2, 0x3c, 0x5a, 0x6b, 0x80, 0x81};
  const auto verified = keys.public_keyring().verify(bytes, uid, kPrefix);
  REQUIRE(verified);
  CHECK(verified->number == ada_card);
  CHECK(verified->uid_bound);
  // Who asked for it is on record.
  const auto issues = store->list_member_token_issues(10).value();
  REQUIRE(issues.size() == 1);
  CHECK(issues[0].card_token == card_key.token_for(ada_card));
  CHECK(issues[0].member_id == ada);
  CHECK(issues[0].chip_uid == "04a23c5a6b8081");
  CHECK(issues[0].key_id == 1);
  CHECK(issues[0].terminal_id == "T1");
  CHECK(issues[0].store_id == "S1");
  CHECK_FALSE(issues[0].issued_at.empty());
  // Without the service (an old wiring) the path does not exist.
  net::HttpRequest plain;
  plain.method = "POST";
  plain.target = std::string(protocol::kMemberTokensPath);
  plain.peer_common_name = "T1";
  plain.peer_certificate_serial = "01";
  CHECK(server::handle_sync_request(*store, policy, plain).status == 404);
}

TEST_CASE_METHOD(EndpointFixture,
                 "no token for an unknown or blocked card, a bad request or a wrong terminal",
                 "[server][token][sync]") {
  REQUIRE(keys.create() == 1);
  CHECK(ask("6275 9980 1973 9184").status == 404);  // valid number, no member holds it
  CHECK_THAT(ask("6275 9980 1973 9184").body, Catch::Contains("enroll the member first"));
  const auto blocked = ask("6275993182640574");
  CHECK(blocked.status == 409);
  CHECK_THAT(blocked.body, Catch::Contains("blocked"));
  CHECK(ask("4111 1111 1111 1111").status == 400);  // another issuer's card
  CHECK(ask("6275 9912 3456 7895").status == 400);  // check digit
  CHECK(ask("6275 9912 3456 7894", "04a2").status == 400);  // a 2-byte UID
  CHECK(ask("6275 9912 3456 7894", "zz").status == 400);
  CHECK(call("POST", protocol::kMemberTokensPath, "{\"card\":1}").status == 400);
  CHECK(call("GET", protocol::kMemberTokensPath).status == 405);
  // The terminal's identity is its certificate: unknown, superseded or revoked is refused.
  CHECK(ask("6275 9912 3456 7894", "04a23c5a6b8081", "T9").status == 403);
  CHECK(ask("6275 9912 3456 7894", "04a23c5a6b8081", "T1", "02").status == 403);
  REQUIRE(store->revoke_terminal("T1").value());
  CHECK(ask("6275 9912 3456 7894").status == 403);
  CHECK(store->list_member_token_issues(10).value().empty());  // nothing was handed out
}

TEST_CASE_METHOD(EndpointFixture, "no signing key yet is a 503 that says what to do",
                 "[server][token][sync]") {
  const auto response = ask("6275 9912 3456 7894");
  CHECK(response.status == 503);
  CHECK_THAT(response.body, Catch::Contains("card-keys new"));
}

TEST_CASE_METHOD(EndpointFixture, "terminals fetch the public keyring with the retired key ids",
                 "[server][token][sync]") {
  REQUIRE(keys.create() == 1);
  REQUIRE(keys.create() == 2);
  REQUIRE(keys.retire(1) == server::RetireOutcome::kRetired);
  const auto response = call("GET", protocol::kTokenKeysPath);
  REQUIRE(response.status == 200);
  CHECK(response.body.find("PRIVATE") == std::string::npos);
  const auto answer = protocol::decode_token_keys_answer(response.body).value();
  CHECK(card::TokenKeyring::parse(answer.keyring).value().key_ids() ==
        std::vector<std::uint8_t>{2});
  CHECK(answer.retired == std::vector<std::uint8_t>{1});
  CHECK(call("GET", protocol::kTokenKeysPath, "", "T9").status == 403);
}
