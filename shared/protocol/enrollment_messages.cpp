// shared/protocol/enrollment_messages.cpp
//
// JSON of the enrollment messages with Boost.JSON; every decoding failure is kBadMessage.

#include "shared/protocol/enrollment_messages.h"

#include <boost/json.hpp>

#include "shared/protocol/enrollment_errc.h"

namespace rapport::protocol {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxDepth = 4;

Result<json::object> parse_object(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxDepth;
  boost::system::error_code ec;
  json::value value = json::parse(text, ec, {}, options);
  if (ec || !value.is_object()) return EnrollmentErrc::kBadMessage;
  return std::move(value.get_object());
}

Result<std::string> text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return EnrollmentErrc::kBadMessage;
  return std::string(v->get_string());
}

}  // namespace

std::string encode(const EnrollRequest& request) {
  return json::serialize(
      json::object{{"code", request.code}, {"certificate_request", request.certificate_request}});
}

Result<EnrollRequest> decode_enroll_request(std::string_view text) {
  RAPPORT_TRY(const auto o, parse_object(text));
  EnrollRequest request;
  RAPPORT_TRY(request.code, text_of(o, "code"));
  RAPPORT_TRY(request.certificate_request, text_of(o, "certificate_request"));
  return request;
}

std::string encode(const EnrollResponse& r) {
  return json::serialize(json::object{{"terminal_id", r.terminal_id},
                                      {"store", r.store_id},
                                      {"certificate", r.certificate},
                                      {"ca_certificate", r.ca_certificate},
                                      {"card_key", r.card_key},
                                      {"issuer_prefix", r.issuer_prefix},
                                      {"sync_port", r.sync_port},
                                      {"token_keys", r.token_keys}});
}

Result<EnrollResponse> decode_enroll_response(std::string_view text) {
  RAPPORT_TRY(const auto o, parse_object(text));
  EnrollResponse r;
  RAPPORT_TRY(r.terminal_id, text_of(o, "terminal_id"));
  RAPPORT_TRY(r.store_id, text_of(o, "store"));
  RAPPORT_TRY(r.certificate, text_of(o, "certificate"));
  RAPPORT_TRY(r.ca_certificate, text_of(o, "ca_certificate"));
  RAPPORT_TRY(r.card_key, text_of(o, "card_key"));
  RAPPORT_TRY(r.issuer_prefix, text_of(o, "issuer_prefix"));
  const auto* port = o.if_contains("sync_port");
  if (port == nullptr || !port->is_int64() || port->get_int64() < 1 || port->get_int64() > 65535) {
    return EnrollmentErrc::kBadMessage;
  }
  r.sync_port = static_cast<std::uint16_t>(port->get_int64());
  if (o.contains("token_keys")) {
    RAPPORT_TRY(r.token_keys, text_of(o, "token_keys"));
  }
  return r;
}

}  // namespace rapport::protocol
