// terminal/pos_api/pos_routes.h
//
// Every route the POS integration API answers: the single list the handler dispatches on and
// the test checks against docs/pos-api.openapi.yaml, so the document cannot miss a route.

#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace rapport::terminal::pos {

enum class RouteId { kIdentify = 1, kMember, kPurchase, kRefund, kVoid, kRedemption };

struct Route {
  RouteId id;
  std::string_view method;
  std::string_view path;  // OpenAPI form: "{member_id}" is a path parameter
  bool mutating;          // needs an Idempotency-Key
};

inline constexpr std::array<Route, 6> kRoutes{{
    {RouteId::kIdentify, "POST", "/pos/v1/identify", true},
    {RouteId::kMember, "GET", "/pos/v1/members/{member_id}", false},
    {RouteId::kPurchase, "POST", "/pos/v1/purchases", true},
    {RouteId::kRefund, "POST", "/pos/v1/refunds", true},
    {RouteId::kVoid, "POST", "/pos/v1/voids", true},
    {RouteId::kRedemption, "POST", "/pos/v1/redemptions", true},
}};

// Requests larger than this are refused with 413 and a JSON error (200 sale lines fit).
inline constexpr std::size_t kMaxPosBody = 64 * 1024;

}  // namespace rapport::terminal::pos
