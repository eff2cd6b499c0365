// tests/unit/member_tokens_test.cpp
//
// The server's token keys and its decision to issue a member token, on a real SQLite store
// and a real key folder.

#include "server/member_tokens.h"

#include <sys/stat.h>

#include "server/card_token_keys.h"
#include "shared/card/member_token.h"
#include "shared/card/token_errc.h"
#include "shared/util/files.h"
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
