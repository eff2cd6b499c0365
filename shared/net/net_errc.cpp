// shared/net/net_errc.cpp
//
// The boost::system category behind NetErrc: its name and messages.
#include "shared/net/net_errc.h"

#include <string>

namespace rapport::net {
namespace {

// boost::system::error_category's destructor is protected and non-virtual by design (categories
// are never deleted through a base pointer), which -Wnon-virtual-dtor flags in every subclass.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class NetCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "rapport.net"; }
  std::string message(int value) const override {
    switch (static_cast<NetErrc>(value)) {
      case NetErrc::kTimeout:
        return "operation timed out";
      case NetErrc::kBodyTooLarge:
        return "message larger than the configured limit";
      case NetErrc::kBadResponse:
        return "malformed HTTP response";
      case NetErrc::kConnectionClosed:
        return "connection closed by the peer";
      case NetErrc::kResting:
        return "not sent: no server answered moments ago";
    }
    return "unknown net error";
  }
};
#pragma GCC diagnostic pop

}  // namespace

const boost::system::error_category& net_category() noexcept {
  static const NetCategory category;
  return category;
}

}  // namespace rapport::net
