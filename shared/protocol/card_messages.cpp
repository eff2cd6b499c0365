// shared/protocol/card_messages.cpp
//
// JSON of the member-token sync messages with Boost.JSON (docs/protocol.md, "Member tokens").

#include "shared/protocol/card_messages.h"

#include "shared/protocol/detail/json_fields.h"

namespace rapport::protocol {
namespace {

namespace json = boost::json;
using detail::int_field;
using detail::parse_json;
using detail::string_field;

Result<json::object> object_of(std::string_view text) {
  RAPPORT_TRY(auto value, parse_json(text));
  if (!value.is_object()) return ProtocolErrc::kWrongShape;
  return std::move(value.get_object());
}

}  // namespace

std::string encode(const TokenKeysAnswer& answer) {
  json::array retired;
  for (const auto id : answer.retired) retired.emplace_back(id);
  return json::serialize(json::object{{"keyring", answer.keyring}, {"retired", retired}});
}

Result<TokenKeysAnswer> decode_token_keys_answer(std::string_view text) {
  RAPPORT_TRY(const auto o, object_of(text));
  if (!detail::has_only(o, {"keyring", "retired"})) return ProtocolErrc::kWrongShape;
  TokenKeysAnswer answer;
  RAPPORT_TRY(answer.keyring, string_field(o, "keyring"));
  RAPPORT_TRY(const auto* retired, detail::array_field(o, "retired"));
  for (const auto& id : *retired) {
    if (!id.is_int64() || id.get_int64() < 1 || id.get_int64() > 255) {
      return ProtocolErrc::kWrongShape;
    }
    answer.retired.push_back(static_cast<std::uint8_t>(id.get_int64()));
  }
  return answer;
}

std::string encode(const MemberTokenRequest& request) {
  return json::serialize(json::object{{"card_number", request.card_number}, {"uid", request.uid}});
}

Result<MemberTokenRequest> decode_member_token_request(std::string_view text) {
  RAPPORT_TRY(const auto o, object_of(text));
  if (!detail::has_only(o, {"card_number", "uid"})) return ProtocolErrc::kWrongShape;
  MemberTokenRequest request;
  RAPPORT_TRY(request.card_number, string_field(o, "card_number"));
  RAPPORT_TRY(request.uid, string_field(o, "uid"));
  return request;
}

std::string encode(const MemberTokenAnswer& answer) {
  return json::serialize(json::object{{"token", answer.token},
                                      {"member_id", answer.member_id},
                                      {"key_id", answer.key_id}});
}

Result<MemberTokenAnswer> decode_member_token_answer(std::string_view text) {
  RAPPORT_TRY(const auto o, object_of(text));
  if (!detail::has_only(o, {"token", "member_id", "key_id"})) return ProtocolErrc::kWrongShape;
  MemberTokenAnswer answer;
  RAPPORT_TRY(answer.token, string_field(o, "token"));
  RAPPORT_TRY(answer.member_id, int_field(o, "member_id"));
  RAPPORT_TRY(const auto key_id, int_field(o, "key_id"));
  if (answer.member_id < 1 || key_id < 1 || key_id > 255) return ProtocolErrc::kWrongShape;
  answer.key_id = static_cast<std::uint8_t>(key_id);
  return answer;
}

}  // namespace rapport::protocol
