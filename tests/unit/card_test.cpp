// tests/unit/card_test.cpp
//
// Card numbers (Luhn, issuer prefix, normalisation) and card tokens (HMAC-SHA256).

#include <sys/stat.h>

#include <set>

#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/util/files.h"
#include "tests/support/catch_result.h"
#include "tests/support/temp_dir.h"

using rapport::card::CardErrc;
using rapport::card::CardKey;
using rapport::card::CardNumber;

namespace {
constexpr const char* kPrefix = "627599";
constexpr const char* kValid = "6275991234567894";
}  // namespace

TEST_CASE("the Luhn check digit matches the published example", "[card]") {
  CHECK(rapport::card::luhn_check_digit("7992739871") == '3');
  CHECK(rapport::card::luhn_check_digit("627599123456789") == '4');
}

TEST_CASE("a valid card number parses with spaces and dashes dropped", "[card]") {
  for (const char* raw : {"6275991234567894", "6275 9912 3456 7894", "6275-9912-3456-7894",
                          " 6275 9912-3456 7894 "}) {
    const auto number = CardNumber::parse(raw, kPrefix);
    REQUIRE(number);
    CHECK(number->digits() == kValid);
    CHECK(number->last4() == "7894");
    CHECK(number->grouped() == "6275 9912 3456 7894");
  }
}

TEST_CASE("every single mistyped digit is rejected by the check digit", "[card]") {
  const std::string valid = kValid;
  for (std::size_t position = 0; position < valid.size(); ++position) {
    for (char digit = '0'; digit <= '9'; ++digit) {
      if (digit == valid[position]) continue;
      std::string typo = valid;
      typo[position] = digit;
      const auto parsed = CardNumber::parse(typo, kPrefix);
      INFO(typo);
      REQUIRE_FALSE(parsed);
      CHECK(parsed.error() == CardErrc::kBadCheckDigit);
    }
  }
}

TEST_CASE("swapping two neighbouring digits is rejected unless they are 0 and 9", "[card]") {
  const std::string valid = kValid;
  for (std::size_t i = 0; i + 1 < valid.size(); ++i) {
    if (valid[i] == valid[i + 1]) continue;
    std::string swapped = valid;
    std::swap(swapped[i], swapped[i + 1]);
    const bool nine_zero =
        (valid[i] == '0' && valid[i + 1] == '9') || (valid[i] == '9' && valid[i + 1] == '0');
    INFO(swapped);
    CHECK(static_cast<bool>(CardNumber::parse(swapped, kPrefix)) == nine_zero);
  }
}

TEST_CASE("malformed reads name the first thing wrong", "[card]") {
  CHECK(CardNumber::parse("", kPrefix).error() == CardErrc::kEmpty);
  CHECK(CardNumber::parse(" - -", kPrefix).error() == CardErrc::kEmpty);
  CHECK(CardNumber::parse(";6275991234567894?", kPrefix).error() == CardErrc::kInvalidCharacter);
  CHECK(CardNumber::parse("6275991234567894\x01", kPrefix).error() == CardErrc::kInvalidCharacter);
  CHECK(CardNumber::parse("627599123456789", kPrefix).error() == CardErrc::kWrongLength);
  CHECK(CardNumber::parse("62759912345678940", kPrefix).error() == CardErrc::kWrongLength);
  // 4111 1111 1111 1111 is a valid Luhn number from another issuer.
  CHECK(CardNumber::parse("4111111111111111", kPrefix).error() == CardErrc::kOtherIssuer);
  CHECK_FALSE(CardNumber::parse("4111111111111111", kPrefix).error().message().empty());
}

TEST_CASE("generated numbers are valid, carry the prefix and do not repeat", "[card]") {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto number = CardNumber::generate(kPrefix);
    REQUIRE(CardNumber::parse(number.digits(), kPrefix));
    REQUIRE(number.digits().starts_with(kPrefix));
    seen.insert(number.digits());
  }
  // 2000 draws from 10^9 account numbers: a collision would mean the digits are not random.
  CHECK(seen.size() == 2000);
}

TEST_CASE("issuer prefixes must be six digits", "[card]") {
  CHECK(rapport::card::is_valid_issuer_prefix("627599"));
  CHECK_FALSE(rapport::card::is_valid_issuer_prefix("62759"));
  CHECK_FALSE(rapport::card::is_valid_issuer_prefix("62759a"));
  CHECK_FALSE(rapport::card::is_valid_issuer_prefix("6275990"));
}

TEST_CASE("a card token is stable for a key and number (HMAC-SHA256 test vector)", "[card]") {
  // Expected value computed independently with Python's hmac module.
  const auto key =
      CardKey::from_hex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  REQUIRE(key);
  const auto number = CardNumber::parse(kValid, kPrefix);
  REQUIRE(number);
  CHECK(key->token_for(*number) ==
        "b2bbbf67a788f790be1317ef96dccab669a892a7d740ed581373fc909d17fb6c");
  // Formatting of the read does not change the token.
  CHECK(key->token_for(*CardNumber::parse("6275 9912 3456 7894", kPrefix)) ==
        key->token_for(*number));
}

TEST_CASE("a different card key gives a different token", "[card]") {
  const auto number = CardNumber::parse(kValid, kPrefix).value();
  CHECK(CardKey::generate().token_for(number) != CardKey::generate().token_for(number));
}

TEST_CASE("card keys are saved owner-only and loaded back", "[card]") {
  rapport::testing::TempDir dir;
  const auto key = CardKey::generate();
  key.save(dir / "card.key");
  struct stat info {};
  REQUIRE(::stat((dir / "card.key").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  const auto loaded = CardKey::load(dir / "card.key");
  REQUIRE(loaded);
  const auto number = CardNumber::parse(kValid, kPrefix).value();
  CHECK(loaded->token_for(number) == key.token_for(number));
}

TEST_CASE("a card key readable by others, malformed or missing is refused", "[card]") {
  rapport::testing::TempDir dir;
  CardKey::generate().save(dir / "card.key");
  ::chmod((dir / "card.key").c_str(), 0644);
  CHECK(CardKey::load(dir / "card.key").error() == CardErrc::kBadKey);

  rapport::write_file_atomically(dir / "short.key", "abcd\n", true);
  CHECK(CardKey::load(dir / "short.key").error() == CardErrc::kBadKey);
  rapport::write_file_atomically(dir / "nothex.key", std::string(64, 'z') + "\n", true);
  CHECK(CardKey::load(dir / "nothex.key").error() == CardErrc::kBadKey);
  CHECK(CardKey::load(dir / "missing.key").error() == CardErrc::kBadKey);
}
