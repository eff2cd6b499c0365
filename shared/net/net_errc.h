// shared/net/net_errc.h
//
// Failures of rapport_net that are not plain Asio or OpenSSL errors, registered with
// boost::system so they travel in Result<T> next to them.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::net {

enum class NetErrc {
  kTimeout = 1,       // the request's deadline (or the per-step I/O timeout) expired
  kBodyTooLarge,      // a response body or header exceeded Limits; the connection is dropped
  kBadResponse,       // the peer sent bytes that do not parse as an HTTP/1.1 response
  kConnectionClosed,  // the peer closed the connection (TCP or TLS) before a full response
  kResting,           // not sent: every server failed moments ago (FailoverClient's quiet time)
};

[[nodiscard]] const boost::system::error_category& net_category() noexcept;

inline ErrorCode make_error_code(NetErrc e) noexcept {
  return {static_cast<int>(e), net_category()};
}

}  // namespace rapport::net

template <>
struct boost::system::is_error_code_enum<rapport::net::NetErrc> : std::true_type {};
