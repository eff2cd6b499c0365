// terminal/pos_api/pos_handler.h
//
// The POS integration API's request handler (docs/pos-api.md): bearer-key check, routing
// (pos_routes.h), idempotency keys (idempotency.h), and the calls into the counter (identify
// = a card read, recorded as the counter's scan records it) and the sales entry point
// (terminal/sales.h) and the rewards desk (redemptions, terminal/redemption.h). A pure
// function of the request and the terminal's SQLite file (and, for a redemption, the
// server's answer to the balance check).
//
// Threading: called on the POS listener's one I/O thread only; owns nothing shared.

#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "shared/net/https.h"
#include "shared/storage/database.h"
#include "terminal/counter.h"
#include "terminal/pos_api/idempotency.h"
#include "terminal/pos_api/pos_routes.h"
#include "terminal/redemption.h"
#include "terminal/sales.h"
#include "terminal/screen/local_sales.h"
#include "terminal/screen/staff_pins.h"

namespace rapport::terminal::pos {

class PosHandler {
 public:
  // Requires: api_key is not empty; counter, sales, rewards and db (the connection they all
  // work on) outlive the handler. `recorded` is called after each event committed (wakes
  // the sync).
  PosHandler(std::string api_key, Counter& counter, Sales& sales, RewardsDesk& rewards,
             storage::Database& db, std::function<void()> recorded = {});

  [[nodiscard]] net::HttpResponse handle(const net::HttpRequest& request);

 private:
  net::HttpResponse identify(const net::HttpRequest& request, const std::string& key,
                             const std::string& fingerprint);
  net::HttpResponse member(std::string_view id_text);
  net::HttpResponse sale(const net::HttpRequest& request, RouteId route, const std::string& key,
                         const std::string& fingerprint);
  net::HttpResponse redeem(const net::HttpRequest& request, const std::string& key,
                           const std::string& fingerprint);
  [[nodiscard]] bool authorised(const net::HttpRequest& request) const;

  std::array<std::uint8_t, 32> key_digest_;
  Counter& counter_;
  Sales& sales_;
  RewardsDesk& rewards_;
  IdempotencyStore answers_;
  LocalSales local_;  // so the screen lists and refunds the POS's sales too
  StaffPins audit_;   // the POS's operator (`staff`) with each event, when the POS names one
  std::function<void()> recorded_;
};

}  // namespace rapport::terminal::pos
