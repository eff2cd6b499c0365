// shared/card/phone_number.h
//
// Finding a member by phone at a terminal that holds no phone numbers (docs/cards.md, "Phone
// digests"): the server sends each member's phone as a keyed digest (CardKey::phone_digest of
// the normalised number), and the terminal digests what the cashier typed the same way. Both
// sides must normalise identically, so the rules live here only. Pure.

#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace rapport::card {

// The chain's country calling code when [cards] phone_country_code does not say (server.toml
// and terminal.toml must agree).
inline constexpr std::string_view kDefaultPhoneCountryCode = "44";

// 1 to 3 digits, not starting with 0.
[[nodiscard]] bool is_valid_country_code(std::string_view code);

// A phone number as typed or stored, in international form "+<digits>", or nullopt when it is
// not one. Rules:
//   - "(0)" is dropped (the trunk prefix written beside a country code: "+44 (0)7700 ...");
//   - spaces, tabs, '-', '.', '/', '(' and ')' are dropped; anything else but digits and one
//     leading '+' makes it not a number;
//   - "+CC..." and "00CC..." are international: the digits are kept as they are;
//   - any other number is national: one leading 0 (trunk prefix) is dropped and
//     `country_code` put in front ("07700 900123" -> "+447700900123" with "44");
//   - the result has 7 to 15 digits (E.164 allows 15).
// Requires: is_valid_country_code(country_code).
[[nodiscard]] std::optional<std::string> normalise_phone(std::string_view text,
                                                         std::string_view country_code);

}  // namespace rapport::card
