// shared/protocol/json_fields.cpp
#include <algorithm>

#include "shared/protocol/detail/json_fields.h"
#include "shared/util/hex.h"

namespace rapport::protocol::detail {

Result<json::value> parse_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec) return ProtocolErrc::kNotJson;
  return value;
}

Result<std::string> string_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return ProtocolErrc::kWrongShape;
  return std::string(v->get_string());
}

Result<std::optional<std::string>> optional_string_field(const json::object& o,
                                                         std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::optional<std::string>{};
  if (!v->is_string()) return ProtocolErrc::kWrongShape;
  return std::optional<std::string>(std::string(v->get_string()));
}

Result<std::int64_t> int_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_int64()) return ProtocolErrc::kWrongShape;
  return v->get_int64();
}

Result<const json::array*> array_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return ProtocolErrc::kWrongShape;
  return &v->get_array();
}

bool has_only(const json::object& o, std::initializer_list<std::string_view> allowed) {
  return std::all_of(o.begin(), o.end(), [&](const json::key_value_pair& field) {
    return std::find(allowed.begin(), allowed.end(), field.key()) != allowed.end();
  });
}

bool is_card_token(std::string_view token) {
  return token.size() == 64 && from_hex(token).has_value();
}

}  // namespace rapport::protocol::detail
