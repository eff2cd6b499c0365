// shared/protocol/detail/json_fields.h
//
// Field readers over Boost.JSON objects for the protocol's decoders. Internal to
// shared/protocol's .cpp files: nothing outside includes Boost.JSON through here.

#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "shared/protocol/protocol_errc.h"
#include "shared/util/result.h"

namespace rapport::protocol::detail {

namespace json = boost::json;

// Parse limits: a message deeper than this is not one of ours.
inline constexpr std::size_t kMaxJsonDepth = 16;

[[nodiscard]] Result<json::value> parse_json(std::string_view text);

[[nodiscard]] Result<std::string> string_field(const json::object& o, std::string_view key);
// Absent or null is nullopt.
[[nodiscard]] Result<std::optional<std::string>> optional_string_field(const json::object& o,
                                                                       std::string_view key);
[[nodiscard]] Result<std::int64_t> int_field(const json::object& o, std::string_view key);
[[nodiscard]] Result<const json::array*> array_field(const json::object& o, std::string_view key);

// True when every key of `o` is one of `allowed`: fields a version of the protocol does not
// define are refused rather than silently dropped.
[[nodiscard]] bool has_only(const json::object& o, std::initializer_list<std::string_view> allowed);

[[nodiscard]] bool is_card_token(std::string_view token);

}  // namespace rapport::protocol::detail
