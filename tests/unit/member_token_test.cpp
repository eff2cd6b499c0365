// tests/unit/member_token_test.cpp
//
// Signed member tokens (docs/cards.md): Ed25519 on real OpenSSL, the binary format and its
// text form, the keyring, and every way a token is refused.

#include "shared/card/member_token.h"

#include <chrono>
#include <string>
#include <vector>

#include "shared/card/token_keyring.h"
#include "shared/crypto/crypto_errc.h"
#include "shared/crypto/ed25519.h"
#include "shared/util/base32.h"
#include "shared/util/files.h"
#include "shared/util/hex.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using namespace rapport;
using card::TokenErrc;
using crypto::Ed25519PrivateKey;

namespace {

constexpr const char* kPrefix = "627599";
constexpr const char* kAdaCard = "6275991234567894";
const std::vector<std::uint8_t> kUid10 = {0x04, 0x11, 0x22, 0x33, 0x44,
                                          0x55, 0x66, 0x77, 0x88, 0x99};
const std::vector<std::uint8_t> kUid7 = {0x04, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0x80};
constexpr auto kIssued = std::chrono::sys_days{std::chrono::year{2026} / 11 / 26};

card::MemberTokenClaims claims(std::vector<std::uint8_t> uid = {}) {
  return {kAdaCard, 42, std::move(uid), kIssued};
}

std::vector<std::uint8_t> sign(const Ed25519PrivateKey& key, std::uint8_t key_id,
                               std::vector<std::uint8_t> uid = {}) {
  return card::sign_member_token(claims(std::move(uid)), key_id, key).value();
}

card::TokenKeyring keyring_of(
    std::initializer_list<std::pair<std::uint8_t, const Ed25519PrivateKey*>> keys) {
  card::TokenKeyring keyring;
  for (const auto& [id, key] : keys) REQUIRE(keyring.add(id, key->public_key()));
  return keyring;
}

const std::optional<std::span<const std::uint8_t>> kNoChip = std::nullopt;

}  // namespace

TEST_CASE("Ed25519 signs the RFC 8032 test vector 1", "[token]") {
  const auto seed =
      from_hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60").value();
  const auto key = Ed25519PrivateKey::from_seed(seed).value();
  CHECK(to_hex(key.public_key().raw()) ==
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const auto signature = key.sign({});
  CHECK(to_hex(signature) ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e3970"
        "1cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(key.public_key().verify({}, signature));
  const std::vector<std::uint8_t> other = {0x00};
  CHECK_FALSE(key.public_key().verify(other, signature));
}

TEST_CASE("Ed25519 keys survive PEM and refuse other key types", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto again = Ed25519PrivateKey::from_pem(key.to_pem()).value();
  CHECK(again.public_key() == key.public_key());
  CHECK(crypto::Ed25519PublicKey::from_pem(key.public_key().to_pem()).value() == key.public_key());
  const char* p256 =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEch9CZ6yKSKVGoZ+VKDmwhkxUsbhy\n"
      "LeipABmPXykUK66PJqa9OjNPU9oJhiKiq1+OLtE4XSPpoPeKkr5cLOho2g==\n"
      "-----END PUBLIC KEY-----\n";
  CHECK(crypto::Ed25519PublicKey::from_pem(p256).error() == crypto::CryptoErrc::kBadKey);
  CHECK(crypto::Ed25519PublicKey::from_pem("not pem").error() == crypto::CryptoErrc::kBadPem);
}

TEST_CASE("a good token verifies to its card number and member", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{3, &key}});
  const auto token = sign(key, 3);
  CHECK(token.size() == 80);
  const auto verified = keyring.verify(token, kNoChip, kPrefix);
  REQUIRE(verified);
  CHECK(verified->number.digits() == kAdaCard);
  CHECK(verified->member_id == 42);
  CHECK(verified->key_id == 3);
  CHECK(verified->issued == kIssued);
  CHECK_FALSE(verified->uid_bound);
}

TEST_CASE("a token with a 10-byte UID fits an NTAG213 with room to spare", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto token = sign(key, 1, kUid10);
  CHECK(token.size() == card::kMemberTokenMaxBytes);
  CHECK(token.size() == 90);
  CHECK(token.size() + 48 <= card::kNtag213UserBytes);  // 54 bytes left for an NDEF wrapper
  CHECK(card::member_token_size(std::span(token).first(3)).value() == token.size());
  const auto verified =
      keyring_of({{1, &key}}).verify(token, std::span<const std::uint8_t>(kUid10), kPrefix);
  REQUIRE(verified);
  CHECK(verified->uid_bound);
  // The text form stays within a version 6-M QR code in alphanumeric mode (154 characters).
  CHECK(card::member_token_text(token).size() == 4 + 144);
}

TEST_CASE("every byte of a token altered is refused", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{1, &key}});
  const auto good = sign(key, 1, kUid7);
  REQUIRE(keyring.verify(good, std::span<const std::uint8_t>(kUid7), kPrefix));
  for (std::size_t i = 0; i < good.size(); ++i) {
    for (const int flip : {0x01, 0x80, 0xff}) {
      auto altered = good;
      altered[i] = static_cast<std::uint8_t>(altered[i] ^ flip);
      INFO("byte " << i << " xor " << flip);
      const auto result = keyring.verify(altered, std::span<const std::uint8_t>(kUid7), kPrefix);
      CHECK_FALSE(result);
    }
  }
  for (std::size_t length = 0; length < good.size(); ++length) {
    INFO("truncated to " << length);
    CHECK_FALSE(keyring.verify(std::span(good).first(length), kNoChip, kPrefix));
  }
  auto longer = good;
  longer.push_back(0);
  CHECK(keyring.verify(longer, std::span<const std::uint8_t>(kUid7), kPrefix).error() ==
        TokenErrc::kMalformed);
}

TEST_CASE("an altered signature or member id is a bad signature", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{1, &key}});
  auto token = sign(key, 1);
  token[13] ^= 0x01;  // member 42 becomes 43
  CHECK(keyring.verify(token, kNoChip, kPrefix).error() == TokenErrc::kBadSignature);
  token = sign(key, 1);
  token.back() ^= 0x40;
  CHECK(keyring.verify(token, kNoChip, kPrefix).error() == TokenErrc::kBadSignature);
}

TEST_CASE("a token bound to one chip is refused on another or without a chip", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{1, &key}});
  const auto token = sign(key, 1, kUid7);
  auto other = kUid7;
  other[6] ^= 0x01;
  CHECK(keyring.verify(token, std::span<const std::uint8_t>(other), kPrefix).error() ==
        TokenErrc::kUidMismatch);
  CHECK(keyring.verify(token, std::span<const std::uint8_t>(kUid10), kPrefix).error() ==
        TokenErrc::kUidMismatch);
  CHECK(keyring.verify(token, kNoChip, kPrefix).error() == TokenErrc::kUidMismatch);
  // An unbound (QR) token written to a chip proves no more than its QR code: accepted.
  const auto unbound = sign(key, 1);
  CHECK(keyring.verify(unbound, std::span<const std::uint8_t>(kUid7), kPrefix));
}

TEST_CASE("a token signed by a key the terminal does not hold is refused", "[token]") {
  const auto trusted = Ed25519PrivateKey::generate();
  const auto stranger = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{1, &trusted}});
  CHECK(keyring.verify(sign(stranger, 2), kNoChip, kPrefix).error() == TokenErrc::kUnknownKey);
  // A forger who reuses a trusted key id still needs the trusted private key.
  CHECK(keyring.verify(sign(stranger, 1), kNoChip, kPrefix).error() == TokenErrc::kBadSignature);
  CHECK(card::TokenKeyring().verify(sign(trusted, 1), kNoChip, kPrefix).error() ==
        TokenErrc::kUnknownKey);
}

TEST_CASE("after a rotation old and new tokens verify until the old key is retired", "[token]") {
  const auto old_key = Ed25519PrivateKey::generate();
  const auto new_key = Ed25519PrivateKey::generate();
  const auto old_token = sign(old_key, 1);
  const auto new_token = sign(new_key, 2);
  const auto both = keyring_of({{1, &old_key}, {2, &new_key}});
  CHECK(both.verify(old_token, kNoChip, kPrefix));
  CHECK(both.verify(new_token, kNoChip, kPrefix));
  const auto retired = keyring_of({{2, &new_key}});
  CHECK(retired.verify(old_token, kNoChip, kPrefix).error() == TokenErrc::kUnknownKey);
  CHECK(retired.verify(new_token, kNoChip, kPrefix));
}

TEST_CASE("the text form round-trips and any changed character is refused", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{1, &key}});
  const auto token = sign(key, 1);
  const auto text = card::member_token_text(token);
  CHECK(text.starts_with("RPT:"));
  CHECK(text.size() == 4 + 128);
  CHECK(text.find_first_not_of("RPT:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == std::string::npos);
  CHECK(card::is_member_token_text(text));
  CHECK(card::member_token_from_text(text).value() == token);
  // A keyboard-wedge scanner with Caps Lock on types it in lower case.
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(card::member_token_from_text(lower).value() == token);

  for (std::size_t i = 4; i < text.size(); ++i) {
    auto changed = text;
    changed[i] = changed[i] == 'A' ? 'B' : 'A';
    INFO("character " << i);
    const auto bytes = card::member_token_from_text(changed);
    CHECK((!bytes || !keyring.verify(*bytes, kNoChip, kPrefix)));
  }
  CHECK(card::member_token_from_text("RPT:").error() == TokenErrc::kMalformed);
  CHECK(card::member_token_from_text("RPT:AB=").error() == TokenErrc::kMalformed);
  CHECK(card::member_token_from_text("RPT:A").error() == TokenErrc::kMalformed);
  CHECK_FALSE(card::is_member_token_text("6275991234567894"));
  CHECK_FALSE(card::is_member_token_text("RP"));
}

TEST_CASE("base32 is RFC 4648 without padding and has one text per byte string", "[token]") {
  const std::string foobar = "foobar";
  const std::vector<std::uint8_t> bytes(foobar.begin(), foobar.end());
  CHECK(to_base32(bytes) == "MZXW6YTBOI");
  CHECK(to_base32(std::span(bytes).first(1)) == "MY");
  CHECK(to_base32(std::span(bytes).first(4)) == "MZXW6YQ");
  CHECK(from_base32("MZXW6YTBOI").value() == bytes);
  CHECK(from_base32("mzxw6ytboi").value() == bytes);
  CHECK_FALSE(from_base32("MZ"));   // 'Z' leaves non-zero unused bits: not canonical
  CHECK_FALSE(from_base32("MZX"));  // no byte string encodes to 3 characters
  CHECK_FALSE(from_base32("MY1"));
}

TEST_CASE("the card number inside a token is checked", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{1, &key}});
  auto token = sign(key, 1);
  // 6275991234567894 is 0x164BFB14265ED6 in bytes 3..9: make the last digit 5.
  REQUIRE(to_hex(std::span(token).subspan(3, 7)) == "164bfb14265ed6");
  token[9] = 0xd7;
  CHECK(keyring.verify(token, kNoChip, kPrefix).error() == TokenErrc::kBadCheckDigit);
  // The signer refuses a number with a wrong check digit, and other bad claims.
  auto bad = claims();
  bad.card_digits = "6275991234567895";
  CHECK(card::sign_member_token(bad, 1, key).error() == TokenErrc::kBadCheckDigit);
  bad = claims({1, 2, 3});
  CHECK(card::sign_member_token(bad, 1, key).error() == TokenErrc::kBadClaims);
  bad = claims();
  bad.member_id = 0;
  CHECK(card::sign_member_token(bad, 1, key).error() == TokenErrc::kBadClaims);
  CHECK(card::sign_member_token(claims(), 0, key).error() == TokenErrc::kBadClaims);
  // Another chain's number, genuinely signed, is still not one of our cards.
  auto foreign = claims();
  foreign.card_digits = "1234561234567896";
  const auto foreign_token = card::sign_member_token(foreign, 1, key).value();
  CHECK(keyring.verify(foreign_token, kNoChip, kPrefix).error() == TokenErrc::kOtherIssuer);
}

TEST_CASE("a token of an unknown format version is named as such", "[token]") {
  const auto key = Ed25519PrivateKey::generate();
  auto token = sign(key, 1);
  token[0] = 2;
  CHECK(card::decode_member_token(token).error() == TokenErrc::kUnknownVersion);
  token[0] = 0;
  CHECK(card::decode_member_token(token).error() == TokenErrc::kMalformed);
  token = sign(key, 1);
  token[2] = 5;  // no UID is 5 bytes long
  CHECK(card::decode_member_token(token).error() == TokenErrc::kMalformed);
}

TEST_CASE("a keyring file round-trips and malformed ones are refused", "[token]") {
  const auto a = Ed25519PrivateKey::generate();
  const auto b = Ed25519PrivateKey::generate();
  const auto keyring = keyring_of({{7, &b}, {1, &a}});
  const std::string text = "# Rapport token keys\n\n" + keyring.to_text();
  const auto parsed = card::TokenKeyring::parse(text).value();
  CHECK(parsed.key_ids() == std::vector<std::uint8_t>{1, 7});
  CHECK(parsed.verify(sign(b, 7), kNoChip, kPrefix));

  rapport::testing::TempDir dir;
  write_file_atomically(dir / "token-keys.pem", text, false);
  CHECK(card::TokenKeyring::load(dir / "token-keys.pem").value().key_ids().size() == 2);
  CHECK(card::TokenKeyring::load(dir / "missing.pem").error() == TokenErrc::kBadKeyring);

  const std::string pem = a.public_key().to_pem();
  for (const std::string& bad :
       std::vector<std::string>{pem,  // no Key-Id line
                                "Key-Id: 0\n" + pem, "Key-Id: 256\n" + pem, "Key-Id: x\n" + pem,
                                "Key-Id: 1\n" + pem + "Key-Id: 1\n" + pem,  // the same id twice
                                std::string("Key-Id: 1\n"),                 // an id without a key
                                "Key-Id: 1\n" + pem.substr(0, pem.size() - 26),  // no END line
                                "hello\n" + keyring.to_text()}) {
    INFO(bad);
    CHECK(card::TokenKeyring::parse(bad).error() == TokenErrc::kBadKeyring);
  }
  CHECK(card::TokenKeyring::parse("").value().empty());
}
