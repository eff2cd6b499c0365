// terminal/screen/screen_handler.h
//
// The cashier's screen over HTTP (docs/cashier-screen.md): the page and its assets (built into
// the binary), sign-in with a personal PIN, and the scans pushed to the page as Server-Sent
// Events. Sessions are in memory (a restart signs everyone out): a random token in an
// HttpOnly SameSite=Strict cookie, found by its SHA-256. State-changing requests must carry
// the header X-Rapport-Screen (a foreign page cannot send it without a CORS preflight, which
// is never granted). Five wrong PINs for a name lock it for a minute.
//
// Threading: handle() is called on the screen listener's one I/O thread, and so are the polls
// of the event streams it opens (they use this handler: it must outlive the listener);
// ScreenBoard and the status function are thread-safe.

#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "shared/net/https.h"
#include "terminal/screen/counter_actions.h"
#include "terminal/screen/screen_actions.h"
#include "terminal/screen/screen_board.h"
#include "terminal/screen/staff_pins.h"

namespace rapport::terminal {

struct ScreenStatus {
  bool online = false;        // the last sync reached the server
  std::int64_t pending = 0;   // events waiting in the outbox
};

class ScreenHandler {
 public:
  using Clock = std::chrono::system_clock;
  // Requires: board and staff outlive the handler; `staff` works on a connection of its own,
  // used on the handler's thread only. `status` is called on the handler's thread when an event
  // stream opens and at each of its polls.
  // `actions` (enroll, notes; on the handler's thread) may be null: those requests get 404.
  // `counter` (sales, refunds, offers, gestures, the member panel; on the handler's thread)
  // may be null: those requests get 404 and the status carries no panel.
  ScreenHandler(ScreenBoard& board, StaffPins& staff, std::function<ScreenStatus()> status,
                ScreenActions* actions = nullptr, CounterActions* counter = nullptr)
      : board_(board),
        staff_(staff),
        status_(std::move(status)),
        actions_(actions),
        counter_(counter) {}

  [[nodiscard]] net::HttpResponse handle(const net::HttpRequest& request);

  // How long the page waits before reconnecting a dropped event stream (the SSE "retry").
  static constexpr std::chrono::milliseconds kRetry{1000};
  // How often an open event stream looks at the status (online, events waiting, the panel)
  // and pushes it when it changed; an action recorded from a page asks at once.
  static constexpr std::chrono::milliseconds kStatusEvery{500};

 private:
  struct Session {
    StaffMember staff;
    Clock::time_point last_used;
  };
  struct Failures {
    int count = 0;
    Clock::time_point locked_until{};
  };

  net::HttpResponse login(const net::HttpRequest& request, Clock::time_point now);
  net::HttpResponse logout(const net::HttpRequest& request);
  net::HttpResponse events(const net::HttpRequest& request, const Session& session);
  std::string status_event(const Session& session);
  net::HttpResponse enroll(const net::HttpRequest& request, const Session& session,
                           Clock::time_point now);
  net::HttpResponse note(const net::HttpRequest& request, const Session& session,
                         Clock::time_point now);
  net::HttpResponse find(const net::HttpRequest& request);
  net::HttpResponse replace_card(const net::HttpRequest& request, const Session& session,
                                 Clock::time_point now);
  // /api/sale, /api/refund, /api/redeem, /api/decline, /api/gesture: for the member on
  // screen.
  net::HttpResponse counter_action(std::string_view path, const net::HttpRequest& request,
                                   const Session& session, Clock::time_point now);
  // The signed-in session of the request's cookie, its last use moved to `now`.
  const Session* session_of(const net::HttpRequest& request, Clock::time_point now);

  ScreenBoard& board_;
  StaffPins& staff_;
  std::function<ScreenStatus()> status_;
  ScreenActions* actions_;
  CounterActions* counter_;
  std::unordered_map<std::string, Session> sessions_;  // by hex SHA-256 of the cookie token
  std::map<std::string, Failures> failures_;           // wrong PINs by name
};

// Parsers of outside input, pure and fuzzed (tests/fuzz/screen_request_fuzz.cpp).
// The value of cookie `name` in a Cookie header ("a=1; b=2"); empty when absent.
[[nodiscard]] std::string screen_cookie_value(std::string_view header, std::string_view name);
struct PinLogin {
  std::string name;
  std::string pin;
};
// {"name": "...", "pin": "..."}: a valid staff name and a PIN of at most 64 bytes (checked
// against the hash as it is, so a malformed PIN is simply wrong).
[[nodiscard]] std::optional<PinLogin> parse_pin_login(std::string_view json);

}  // namespace rapport::terminal
