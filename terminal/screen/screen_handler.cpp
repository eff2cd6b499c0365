// terminal/screen/screen_handler.cpp
#include "terminal/screen/screen_handler.h"

#include <spdlog/spdlog.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <algorithm>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <span>

#include "shared/crypto/digest.h"
#include "shared/crypto/random.h"
#include "shared/protocol/protocol_errc.h"
#include "shared/util/hex.h"
#include "shared/util/money.h"
#include "terminal/screen/screen_assets.h"

namespace rapport::terminal {
namespace {

constexpr std::string_view kCookie = "rapport_screen";
constexpr auto kIdle = std::chrono::hours(2);
constexpr int kMaxFailures = 5;
constexpr auto kLockout = std::chrono::seconds(60);
constexpr std::size_t kMaxTracked = 1024;  // names with wrong PINs remembered at most

std::string key_of(std::string_view token) {
  return to_hex(crypto::sha256(
      std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(token.data()),
                                    token.size())));
}

net::HttpResponse with_safety(net::HttpResponse response) {
  response.headers.push_back({"Cache-Control", "no-store"});
  response.headers.push_back({"X-Content-Type-Options", "nosniff"});
  response.headers.push_back({"X-Frame-Options", "DENY"});
  response.headers.push_back(
      {"Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'"});
  return response;
}

net::HttpResponse json(unsigned status, const boost::json::object& body) {
  return with_safety({status, "application/json", boost::json::serialize(body)});
}

net::HttpResponse error(unsigned status, std::string_view message) {
  return json(status, {{"error", message}});
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// A refused or failed counter action: a refusal says why and what to do (409, or 400 for a
// form the protocol refuses); anything else was not recorded (500).
net::HttpResponse not_done(const ErrorCode& e, std::string_view what) {
  const auto& category = e.category();
  if (category == protocol::protocol_category()) {
    return error(400, std::string(what) + ": " + e.message());
  }
  const bool refusal =
      category == sales_category() || category == refund_category() ||
      (category == redemption_category() && e != RedemptionErrc::kNotRecorded);
  if (refusal) return error(409, std::string(what) + ": " + e.message());
  spdlog::error("screen: {}: {}", what, e.message());
  return error(500, std::string(what) + " (" + e.message() +
                        "): try again; if it goes on, the terminal needs attention");
}

}  // namespace

std::string screen_cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto end = header.find(';');
    auto pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.size() > name.size() && pair.substr(0, name.size()) == name &&
        pair[name.size()] == '=') {
      return std::string(pair.substr(name.size() + 1));
    }
  }
  return {};
}

std::optional<PinLogin> parse_pin_login(std::string_view json) {
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(json, ec);
  const auto* form = ec ? nullptr : parsed.if_object();
  const auto* name = form ? form->if_contains("name") : nullptr;
  const auto* pin = form ? form->if_contains("pin") : nullptr;
  if (name == nullptr || pin == nullptr || !name->is_string() || !pin->is_string() ||
      !is_valid_staff_name(name->as_string()) || pin->as_string().size() > 64) {
    return std::nullopt;
  }
  return PinLogin{std::string(name->as_string()), std::string(pin->as_string())};
}

net::HttpResponse ScreenHandler::handle(const net::HttpRequest& request) {
  const auto now = Clock::now();
  const auto path = path_of(request.target);
  if (request.method == "GET") {
    std::string_view name;
    if (path == "/") name = "index.html";
    if (path.size() > 1 && path.find('/', 1) == std::string_view::npos) name = path.substr(1);
    if (!name.empty()) {
      if (const auto asset = find_screen_asset(name)) {
        return with_safety({200, std::string(asset->content_type), std::string(asset->bytes)});
      }
    }
    if (path == "/api/session") {
      const auto* session = session_of(request, now);
      if (session == nullptr) return error(401, "sign in with your PIN");
      return json(200, {{"name", session->staff.name}});
    }
    if (path == "/events") {
      const auto* session = session_of(request, now);
      if (session == nullptr) return error(401, "sign in with your PIN");
      return events(request, *session);
    }
    return error(404, "no such page");
  }
  if (request.method == "POST") {
    // A foreign page cannot add this header without a CORS preflight, never granted here.
    if (request.header("x-rapport-screen") != "1") return error(403, "missing X-Rapport-Screen");
    if (path == "/api/login") return login(request, now);
    if (path == "/api/logout") return logout(request);
    if (counter_ != nullptr && (path == "/api/sale" || path == "/api/refund" ||
                                path == "/api/redeem" || path == "/api/gesture" ||
                                path == "/api/decline")) {
      const auto* session = session_of(request, now);
      if (session == nullptr) return error(401, "sign in with your PIN");
      return counter_action(path, request, *session, now);
    }
    if (actions_ != nullptr && (path == "/api/enroll" || path == "/api/note" ||
                                path == "/api/find" || path == "/api/replace-card")) {
      const auto* session = session_of(request, now);
      if (session == nullptr) return error(401, "sign in with your PIN");
      if (path == "/api/enroll") return enroll(request, *session, now);
      if (path == "/api/note") return note(request, *session, now);
      if (path == "/api/find") return find(request);
      return replace_card(request, *session, now);
    }
    return error(404, "no such action");
  }
  return error(405, "method not allowed");
}

net::HttpResponse ScreenHandler::login(const net::HttpRequest& request, Clock::time_point now) {
  const auto form = parse_pin_login(request.body);
  if (!form) return error(400, "send {\"name\": ..., \"pin\": ...}");
  const std::string& who = form->name;
  if (failures_.size() > kMaxTracked) {  // names tried and forgotten: keep only the locked
    std::erase_if(failures_, [&](const auto& f) { return f.second.locked_until <= now; });
  }
  auto& failed = failures_[who];
  if (failed.locked_until > now) {
    return error(429, "too many wrong PINs: wait a minute, or ask a manager");
  }
  const auto staff = staff_.verify(who, form->pin);
  if (!staff) {
    spdlog::error("screen: cannot check a PIN: {}", staff.error().message());
    return error(500, "cannot check PINs now: " + staff.error().message());
  }
  if (!*staff) {
    if (++failed.count >= kMaxFailures) {
      failed = Failures{0, now + kLockout};
      spdlog::warn("screen: {} wrong PINs for '{}': locked for a minute", kMaxFailures, who);
    }
    return error(401, "wrong name or PIN");
  }
  failures_.erase(who);
  std::erase_if(sessions_, [&](const auto& s) { return now - s.second.last_used > kIdle; });
  const std::string token = to_hex(crypto::random_bytes(32));
  sessions_[key_of(token)] = Session{**staff, now};
  board_.set_cashier(**staff);
  spdlog::info("screen: {} signed in", who);
  auto response = json(200, {{"name", who}});
  response.headers.push_back({"Set-Cookie", std::string(kCookie) + "=" + token +
                                                "; Path=/; HttpOnly; Secure; SameSite=Strict"});
  return response;
}

net::HttpResponse ScreenHandler::logout(const net::HttpRequest& request) {
  const auto token = screen_cookie_value(request.header("cookie"), kCookie);
  if (const auto found = sessions_.find(key_of(token)); found != sessions_.end()) {
    const auto cashier = board_.cashier();
    if (cashier && cashier->id == found->second.staff.id) board_.set_cashier(std::nullopt);
    spdlog::info("screen: {} signed out", found->second.staff.name);
    sessions_.erase(found);
  }
  auto response = json(200, {{"signed_out", true}});
  response.headers.push_back({"Set-Cookie", std::string(kCookie) +
                                                "=; Path=/; Max-Age=0; HttpOnly; Secure; "
                                                "SameSite=Strict"});
  return response;
}

const ScreenHandler::Session* ScreenHandler::session_of(const net::HttpRequest& request,
                                                        Clock::time_point now) {
  const auto token = screen_cookie_value(request.header("cookie"), kCookie);
  if (token.size() != 64) return nullptr;
  const auto found = sessions_.find(key_of(token));
  if (found == sessions_.end()) return nullptr;
  if (now - found->second.last_used > kIdle) {
    sessions_.erase(found);
    return nullptr;
  }
  found->second.last_used = now;
  return &found->second;
}

// The unknown card the page showed (its scan number) is enrolled, with the cashier named in
// staff_actions. Only the newest scan: a card read since means the page is out of date.
net::HttpResponse ScreenHandler::enroll(const net::HttpRequest& request, const Session& session,
                                        Clock::time_point now) {
  const auto parsed = parse_enrollment_form(request.body);
  if (!parsed.form) return error(400, parsed.problem);
  const auto latest = board_.latest();
  if (latest.seq != parsed.form->scan || !latest.target.unknown) {
    return error(409, "that card is no longer the one on the screen (another card was read, or "
                      "it was enrolled already): scan the new card again, then enroll");
  }
  std::optional<std::string> referrer;
  if (parsed.form->referred_by_card) {
    referrer = actions_->card_token(*parsed.form->referred_by_card);
    if (!referrer) {
      return error(400, "the referrer's card number is not one of our cards: check the 16 "
                        "digits, or leave it empty");
    }
  }
  const auto id = actions_->enroll(*parsed.form, latest.target, referrer, session.staff, now);
  if (!id) {
    spdlog::error("screen: enrollment NOT recorded: {}", id.error().message());
    return error(500, "NOT enrolled (" + id.error().message() +
                          "): try again; if it goes on, the terminal needs attention");
  }
  board_.mark_enrolled(latest.seq);
  spdlog::info("screen: {} enrolled card ending {} (event {})", session.staff.name,
               latest.target.last4, *id);
  return json(200, {{"event_id", *id},
                    {"message", "Enrolled " + parsed.form->payload.name + " on the card ending " +
                                    latest.target.last4 + ". Welcome them!"}});
}

// A note about the member greeted by the scan the page names.
net::HttpResponse ScreenHandler::note(const net::HttpRequest& request, const Session& session,
                                      Clock::time_point now) {
  const auto parsed = parse_note_form(request.body);
  if (!parsed.form) return error(400, parsed.problem);
  const auto latest = board_.latest();
  if (latest.seq != parsed.form->scan || !latest.target.member_id) {
    return error(409, "that member is no longer the one on the screen: scan their card again");
  }
  const auto id = actions_->note(*parsed.form, latest.target, session.staff, now);
  if (!id) {
    spdlog::error("screen: note NOT recorded: {}", id.error().message());
    return error(500, "note NOT recorded (" + id.error().message() + "): try again");
  }
  return json(200, {{"event_id", *id}, {"message", "Noted."}});
}

// Members of this store by name or phone, for a customer who forgot their card:
// {"query": "ada"} or {"query": "07700 900123"}. A query with a digit and no letter is a phone
// number (the store holds only its keyed digest: docs/cashier-screen.md, "Find a member").
net::HttpResponse ScreenHandler::find(const net::HttpRequest& request) {
  boost::system::error_code ec;
  const auto parsed = boost::json::parse(request.body, ec);
  const auto* form = ec ? nullptr : parsed.if_object();
  const auto* query = form ? form->if_contains("query") : nullptr;
  if (query == nullptr || !query->is_string() || query->as_string().size() < 2 ||
      query->as_string().size() > 100) {
    return error(400, "type at least two letters of the name, or the phone number");
  }
  const std::string_view text = query->as_string();
  const auto has = [&](auto predicate) {
    return std::any_of(text.begin(), text.end(),
                       [&](char c) { return predicate(static_cast<unsigned char>(c)) != 0; });
  };
  const bool by_phone = has([](unsigned char c) { return std::isdigit(c); }) &&
                        !has([](unsigned char c) { return std::isalpha(c); });
  constexpr int kShown = 10;
  std::vector<FoundMember> found;
  if (by_phone) {
    auto members = actions_->find_by_phone(text, kShown);
    if (!members) return error(500, "cannot search now: " + members.error().message());
    if (!*members) {
      return error(400, "that is not a phone number: type it with its area code "
                        "(07700 900123) or with the country code (+44 7700 900123)");
    }
    found = std::move(**members);
  } else {
    auto members = actions_->find_members(text, kShown);
    if (!members) return error(500, "cannot search now: " + members.error().message());
    found = std::move(*members);
  }
  boost::json::array members;
  for (const auto& m : found) {
    boost::json::array cards;
    for (const auto& last4 : m.cards) cards.emplace_back(last4);
    members.emplace_back(
        boost::json::object{{"id", m.id}, {"name", m.name}, {"cards", std::move(cards)}});
  }
  return json(200, {{"by", by_phone ? "phone" : "name"}, {"members", std::move(members)}});
}

net::HttpResponse ScreenHandler::replace_card(const net::HttpRequest& request,
                                              const Session& session, Clock::time_point now) {
  const auto parsed = parse_replace_card_form(request.body);
  if (!parsed.form) return error(400, parsed.problem);
  std::string problem;
  const auto id = actions_->replace_card(*parsed.form, session.staff, now, problem);
  if (!id) {
    spdlog::error("screen: card replacement NOT recorded: {}", id.error().message());
    return error(500, "card NOT replaced (" + id.error().message() + "): try again");
  }
  if (!*id) return error(400, problem);
  spdlog::info("screen: {} replaced card ending {} of member {} (event {})", session.staff.name,
               parsed.form->lost_last4, parsed.form->member_id, **id);
  return json(200, {{"event_id", **id},
                    {"message", "Card ending " + parsed.form->lost_last4 +
                                    " is blocked; the new card is theirs, with their history."}});
}

// A sale, refund, redemption or gesture for the member greeted by the scan the page names
// (only while that scan is the newest: otherwise 409, as for notes).
net::HttpResponse ScreenHandler::counter_action(std::string_view path,
                                                const net::HttpRequest& request,
                                                const Session& session, Clock::time_point now) {
  const auto latest = board_.latest();
  const auto gone = [&](std::uint64_t scan) {
    return latest.seq != scan || !latest.target.member_id || latest.target.card_token.empty();
  };
  constexpr std::string_view kGone =
      "that member is no longer the one on the screen: scan their card again";
  const auto& who = session.staff.name;
  if (path == "/api/sale") {
    const auto parsed = parse_sale_form(request.body);
    if (!parsed.form) return error(400, parsed.problem);
    if (gone(parsed.form->scan)) return error(409, kGone);
    const auto sale = counter_->sale(*parsed.form, latest.target, session.staff, now);
    if (!sale) return not_done(sale.error(), "sale NOT recorded");
    const auto stored = protocol::decode_purchase(sale->payload);
    const std::int64_t total = stored ? stored->total_cents : 0;
    spdlog::info("screen: {} recorded sale {} ({} lines)", who, sale->event_id,
                 parsed.form->lines.size());
    return json(200, {{"event_id", sale->event_id},
                      {"message", "Sale of " + format_cents(total) + " recorded for " +
                                      sale->holder.member.name + "."}});
  }
  if (path == "/api/refund") {
    const auto parsed = parse_refund_form(request.body);
    if (!parsed.form) return error(400, parsed.problem);
    if (gone(parsed.form->scan)) return error(409, kGone);
    const auto refund = counter_->refund(*parsed.form, latest.target, session.staff, now);
    if (!refund) return not_done(refund.error(), "NOT refunded");
    const auto amount = protocol::decode_refund(refund->payload);
    spdlog::info("screen: {} recorded refund {} of sale {}", who, refund->event_id,
                 parsed.form->sale);
    return json(200, {{"event_id", refund->event_id},
                      {"message", "Refunded " + (amount ? format_cents(amount->amount_cents) : "") +
                                      " of that sale to " + refund->holder.member.name + "."}});
  }
  if (path == "/api/redeem") {
    const auto parsed = parse_redeem_form(request.body);
    if (!parsed.form) return error(400, parsed.problem);
    if (gone(parsed.form->scan)) return error(409, kGone);
    const auto receipt = counter_->redeem(*parsed.form, latest.target, session.staff, now);
    if (!receipt) return not_done(receipt.error(), "NOT redeemed");
    spdlog::info("screen: {} redeemed {} (event {})", who, parsed.form->offer_id,
                 receipt->event_id);
    return json(200, {{"event_id", receipt->event_id},
                      {"message", receipt->message},
                      {"checked_online", receipt->checked_online}});
  }
  if (path == "/api/decline") {
    const auto parsed = parse_redeem_form(request.body);  // the same form: scan and offer_id
    if (!parsed.form) return error(400, parsed.problem);
    if (gone(parsed.form->scan)) return error(409, kGone);
    const auto declined = counter_->decline(*parsed.form, latest.target, session.staff, now);
    if (!declined) return not_done(declined.error(), "NOT declined");
    spdlog::info("screen: {} recorded offer {} declined (event {})", who, parsed.form->offer_id,
                 *declined);
    return json(200, {{"event_id", *declined},
                      {"message", "Noted: not today. That offer is not made again for a while."}});
  }
  const auto parsed = parse_gesture_form(request.body);
  if (!parsed.form) return error(400, parsed.problem);
  if (gone(parsed.form->scan)) return error(409, kGone);
  const auto receipt = counter_->gesture(*parsed.form, latest.target, session.staff, now);
  if (!receipt) return not_done(receipt.error(), "NOT given");
  spdlog::info("screen: {} gave {} goodwill points (event {})", who, parsed.form->points,
               receipt->event_id);
  return json(200, {{"event_id", receipt->event_id}, {"message", receipt->message}});
}

// One held-open event stream per page (docs/cashier-screen.md, "Scans pushed to the page"):
// the newest scan when the page has not seen it (Last-Event-ID), then the status; after that
// the board pushes each scan the moment the counter loop publishes it, and the stream's poll
// (on this thread, every kStatusEvery and right after an action the page recorded) pushes
// the status when it changed. The server writes it without holding its thread; a page that
// lost its stream reconnects after `retry` and gets the current state this way again.
net::HttpResponse ScreenHandler::events(const net::HttpRequest& request, const Session& session) {
  std::optional<std::uint64_t> seen;  // none: a new page starts from now
  const auto last_id = request.header("last-event-id");
  if (!last_id.empty()) {
    std::uint64_t parsed = 0;
    const auto [end, ec] = std::from_chars(last_id.data(), last_id.data() + last_id.size(), parsed);
    if (ec == std::errc() && end == last_id.data() + last_id.size()) seen = parsed;
  }
  const std::string key = key_of(screen_cookie_value(request.header("cookie"), kCookie));
  auto last_status = std::make_shared<std::string>();
  net::ResponseStream::Options options;
  options.poll_every = kStatusEvery;
  // The server notices a page that went (closed tab, reload) at a failed write: the second
  // after it left. Heartbeats every 5 s free its stream slot within about 10 s.
  options.heartbeat_every = std::chrono::seconds(5);
  options.poll = [this, key, last_status](net::ResponseStream& stream) {
    const auto found = sessions_.find(key);
    if (found == sessions_.end()) {
      stream.close();  // signed out: the page's reconnect gets 401 and shows the sign-in
      return;
    }
    found->second.last_used = Clock::now();  // an open page keeps its session, as its polls did
    auto event = status_event(found->second);
    if (event == *last_status) return;
    stream.push(event);
    *last_status = std::move(event);
  };
  auto stream = std::make_shared<net::ResponseStream>(std::move(options));
  stream->push("retry: " + std::to_string(kRetry.count()) + "\n\n");
  board_.subscribe(stream, seen);
  *last_status = status_event(session);
  stream->push(*last_status);
  auto response = with_safety({200, "text/event-stream", ""});
  response.stream = std::move(stream);
  return response;
}

// The status event: online, events waiting, who is signed in, and the member on screen as
// they are now (after a sale, a redemption, a sync): the page redraws the panel only when it
// changed, and only for the scan it shows.
std::string ScreenHandler::status_event(const Session& session) {
  const auto latest = board_.latest();
  const auto status = status_();
  boost::json::object state{{"online", status.online},
                            {"pending", status.pending},
                            {"cashier", session.staff.name}};
  if (counter_ != nullptr && latest.target.member_id && !latest.target.card_token.empty()) {
    auto panel = counter_->panel(latest.target);
    if (panel && *panel) {
      (*panel)->emplace("scan", latest.seq);
      state["panel"] = std::move(**panel);
    } else if (!panel) {
      spdlog::error("screen: cannot read the member panel: {}", panel.error().message());
    }
  }
  return "id: " + std::to_string(latest.seq) + "\nevent: status\ndata: " +
         boost::json::serialize(state) + "\n\n";
}

}  // namespace rapport::terminal
