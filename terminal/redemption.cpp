// terminal/redemption.cpp
#include "terminal/redemption.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "shared/domain/event_id.h"
#include "shared/net/failover_client.h"
#include "shared/net/net_errc.h"
#include "shared/protocol/event_payloads.h"
#include "shared/protocol/sync_messages.h"
#include "shared/util/clock.h"

namespace rapport::terminal {
namespace {

// How long the desk keeps to the offline rules after every server failed.
constexpr std::chrono::seconds kQuietAfterFailure{15};

class ServerBalanceSource final : public BalanceSource {
 public:
  ServerBalanceSource(std::unique_ptr<net::HttpsClient> client, std::chrono::milliseconds deadline)
      : client_(std::move(client)), deadline_(deadline) {}

  std::optional<std::int64_t> balance(std::int64_t member_id) override {
    const std::string target = std::string(protocol::kMembersPath) + std::to_string(member_id) +
                               std::string(protocol::kBalanceSuffix);
    const auto response = client_->request("GET", target, "", deadline_);
    if (!response) {
      if (response.error() != net::NetErrc::kResting) {
        spdlog::warn("balance check: no answer within {} ms ({}); offline rules",
                     deadline_.count(), response.error().message());
      }
      return std::nullopt;
    }
    if (response->status != 200) {
      spdlog::warn("balance check: server answered HTTP {}: {}", response->status, response->body);
      return std::nullopt;
    }
    const auto answer = protocol::decode_balance_answer(response->body);
    if (!answer || answer->member_id != member_id) {
      spdlog::error("balance check: unreadable answer");
      return std::nullopt;
    }
    return answer->points_balance;
  }

 private:
  std::unique_ptr<net::HttpsClient> client_;
  std::chrono::milliseconds deadline_;
};

std::string day_of(std::chrono::system_clock::time_point now) { return to_iso8601(now).substr(0, 10); }

template <typename Who>
Result<std::int64_t> sum_today(storage::Database& db, const char* sql, const Who& who,
                               const std::string& day) {
  RAPPORT_TRY(auto stmt, db.prepare(sql));
  stmt.bind(1, who).bind(2, day);
  RAPPORT_TRY(const bool row, stmt.step());
  return row ? stmt.column_int64(0) : 0;
}

ErrorCode not_recorded(const ErrorCode& e) {
  spdlog::error("rewards at the counter: could not record: {}", e.message());
  return RedemptionErrc::kNotRecorded;
}

}  // namespace

std::unique_ptr<BalanceSource> make_server_balance_source(const TerminalConfig& config) {
  // No server to ask (a bench or test without one): the desk decides offline, within limits.
  if (config.balance_check_timeout.count() == 0 || config.server_host.empty()) return nullptr;
  auto options = failover_options(config, "balance check");
  options.rest_after_failure = kQuietAfterFailure;
  return std::make_unique<ServerBalanceSource>(net::FailoverClient::create(options),
                                               config.balance_check_timeout);
}

Result<CardHolder> RewardsDesk::member_of(const std::string& card_token) {
  const auto holder = cache_.find_by_token(card_token);
  if (!holder) return not_recorded(holder.error());
  if (!*holder) return RedemptionErrc::kUnknownCard;
  if ((*holder)->card.status == domain::CardStatus::kBlocked) return RedemptionErrc::kBlockedCard;
  return **holder;
}

Result<std::string> RewardsDesk::append(domain::EventKind kind, const CardHolder& holder,
                                        std::string payload,
                                        std::chrono::system_clock::time_point now) {
  domain::Event event;
  event.id = domain::new_event_id();
  event.kind = kind;
  event.terminal_id = identity_.terminal_id;
  event.store_id = identity_.store_id;
  event.card_token = holder.card.token;
  event.member_id = holder.member.id;
  event.occurred_at = to_iso8601(now);
  event.payload = std::move(payload);
  if (auto appended = outbox_.append(event); !appended) return not_recorded(appended.error());
  return event.id;
}

std::int64_t points_to_go(const domain::MemberOffer& offer, std::int64_t spendable) {
  return std::max<std::int64_t>(0, offer.points - std::max<std::int64_t>(0, spendable));
}

Result<std::int64_t> RewardsDesk::spendable_points(const std::string& card_token) {
  RAPPORT_TRY(const auto holder, member_of(card_token));
  const auto pending = outbox_.pending_points(holder.member.id);
  if (!pending) return not_recorded(pending.error());
  return holder.member.points_balance.value_or(0) + *pending;
}

Result<std::vector<domain::MemberOffer>> RewardsDesk::offers(const std::string& card_token) {
  RAPPORT_TRY(const auto holder, member_of(card_token));
  auto offers = cache_.offers_of(holder.member.id);
  if (!offers) return not_recorded(offers.error());
  return std::move(*offers);
}

Result<std::vector<domain::MemberOffer>> RewardsDesk::present_offers(
    const std::string& card_token, std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(const auto holder, member_of(card_token));
  auto offers = cache_.offers_of(holder.member.id);
  if (!offers) return not_recorded(offers.error());
  if (offers->empty()) return std::move(*offers);  // nothing to record: no transaction
  auto tx = storage::Transaction::begin(db_);
  if (!tx) return not_recorded(tx.error());
  for (const auto& offer : *offers) {
    RAPPORT_TRY_VOID(append(domain::EventKind::kOfferResponse, holder,
                            protocol::encode_payload(protocol::OfferResponsePayload{
                                offer.id, protocol::OfferResponse::kShown}),
                            now));
  }
  if (auto committed = tx->commit(); !committed) return not_recorded(committed.error());
  return std::move(*offers);
}

Result<RedeemReceipt> RewardsDesk::redeem(const std::string& card_token,
                                          const RedeemRequest& request,
                                          std::chrono::system_clock::time_point now,
                                          const RedeemAlsoInTransaction& also) {
  RAPPORT_TRY(const auto holder, member_of(card_token));
  const std::int64_t member = holder.member.id;
  std::optional<domain::MemberOffer> offer;
  if (request.offer_id) {
    auto offers = cache_.offers_of(member);
    if (!offers) return not_recorded(offers.error());
    const auto found = std::find_if(offers->begin(), offers->end(),
                                    [&](const auto& o) { return o.id == *request.offer_id; });
    if (found == offers->end()) return RedemptionErrc::kNoSuchOffer;
    offer = *found;
  } else if (request.points <= 0 || request.reward.empty()) {
    return RedemptionErrc::kBadRequest;
  }
  const std::int64_t points = offer ? offer->points : request.points;
  // Asked before the transaction: it may wait on the network (never past its deadline).
  std::optional<std::int64_t> server_balance;
  if (points > 0 && server_ != nullptr) server_balance = server_->balance(member);

  auto tx = storage::Transaction::begin(db_);
  if (!tx) return not_recorded(tx.error());
  const auto pending = outbox_.pending_points(member);
  if (!pending) return not_recorded(pending.error());
  // What the member has, as far as this terminal can tell: the server's balance (or the
  // cached one) with what the outbox has not delivered yet.
  const std::int64_t known = server_balance.value_or(holder.member.points_balance.value_or(0));
  const std::int64_t available = known + *pending;
  const std::string day = day_of(now);
  const bool offline = points > 0 && !server_balance;
  if (points > available) return RedemptionErrc::kNotEnoughPoints;
  if (offline) {
    const auto limits = cache_.counter_limits();
    if (!limits) return not_recorded(limits.error());
    const auto today = sum_today(db_,
                                 "SELECT coalesce(sum(points), 0) FROM counter_rewards WHERE "
                                 "member_id = ?1 AND day = ?2 AND kind = 'redemption' AND offline = 1",
                                 member, day);
    if (!today) return not_recorded(today.error());
    if (*today + points > limits->offline_redeem_points_per_member_per_day) {
      spdlog::info("offline redemption of {} points for member {} refused: {} redeemed offline "
                   "today, limit {}",
                   points, member, *today, limits->offline_redeem_points_per_member_per_day);
      return RedemptionErrc::kOfflineLimit;
    }
  }

  std::string event_id;
  if (points == 0) {
    // An offer that costs nothing (a gesture, a gift): accepted, no points move.
    RAPPORT_TRY(event_id, append(domain::EventKind::kOfferResponse, holder,
                                 protocol::encode_payload(protocol::OfferResponsePayload{
                                     offer->id, protocol::OfferResponse::kAccepted}),
                                 now));
  } else {
    protocol::RedemptionPayload payload{offer ? offer->id : request.reward, points,
                                        request.purchase_id,
                                        offer ? std::optional(offer->id) : std::nullopt};
    RAPPORT_TRY(event_id, append(domain::EventKind::kRedemption, holder,
                                 protocol::encode_payload(payload), now));
    auto log = db_.prepare("INSERT INTO counter_rewards(event_id, kind, member_id, day, points, "
                           "offline) VALUES (?1, 'redemption', ?2, ?3, ?4, ?5)");
    if (!log) return not_recorded(log.error());
    if (auto r = log->bind(1, event_id)
                     .bind(2, member)
                     .bind(3, day)
                     .bind(4, points)
                     .bind(5, std::int64_t{offline ? 1 : 0})
                     .run();
        !r) {
      return not_recorded(r.error());
    }
  }
  if (offer) {
    if (auto r = cache_.remove_offer(member, offer->id); !r) return not_recorded(r.error());
  }
  RedeemReceipt receipt;
  receipt.event_id = event_id;
  receipt.points = points;
  receipt.balance_after = available - points;
  receipt.checked_online = server_balance.has_value();
  receipt.member_id = member;
  receipt.card_last4 = holder.card.last4;
  if (offer) receipt.offer_id = offer->id;
  receipt.occurred_at = to_iso8601(now);
  const std::string what = offer ? "'" + offer->name + "'" : std::to_string(points) + " points";
  receipt.message = points == 0 ? what + " given to " + holder.member.name
                                : what + " redeemed for " + holder.member.name + " (" +
                                      std::to_string(points) + " points; " +
                                      std::to_string(receipt.balance_after) + " left" +
                                      (offline ? ", offline" : "") + ")";
  if (also) {
    RAPPORT_TRY_VOID(also(receipt));
  }
  if (auto committed = tx->commit(); !committed) return not_recorded(committed.error());
  return receipt;
}

Result<std::string> RewardsDesk::decline(const std::string& card_token, const std::string& offer_id,
                                         std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(const auto holder, member_of(card_token));
  auto tx = storage::Transaction::begin(db_);
  if (!tx) return not_recorded(tx.error());
  const auto offers = cache_.offers_of(holder.member.id);
  if (!offers) return not_recorded(offers.error());
  if (std::none_of(offers->begin(), offers->end(),
                   [&](const auto& o) { return o.id == offer_id; })) {
    return RedemptionErrc::kNoSuchOffer;
  }
  RAPPORT_TRY(auto event_id, append(domain::EventKind::kOfferResponse, holder,
                                    protocol::encode_payload(protocol::OfferResponsePayload{
                                        offer_id, protocol::OfferResponse::kDeclined}),
                                    now));
  if (auto r = cache_.remove_offer(holder.member.id, offer_id); !r) return not_recorded(r.error());
  if (auto committed = tx->commit(); !committed) return not_recorded(committed.error());
  return event_id;
}

Result<RedeemReceipt> RewardsDesk::give_gesture(const std::string& card_token,
                                                const std::string& staff, std::int64_t points,
                                                const std::string& reason,
                                                std::chrono::system_clock::time_point now) {
  if (points <= 0 || staff.empty() || reason.empty() ||
      staff.size() > protocol::kMaxShortText || reason.size() > protocol::kMaxShortText) {
    return RedemptionErrc::kBadRequest;
  }
  RAPPORT_TRY(const auto holder, member_of(card_token));
  auto tx = storage::Transaction::begin(db_);
  if (!tx) return not_recorded(tx.error());
  const auto limits = cache_.counter_limits();
  if (!limits) return not_recorded(limits.error());
  const std::string day = day_of(now);
  const auto given = sum_today(db_,
                               "SELECT coalesce(sum(points), 0) FROM counter_rewards WHERE "
                               "staff = ?1 AND day = ?2 AND kind = 'gesture'",
                               staff, day);
  if (!given) return not_recorded(given.error());
  if (*given + points > limits->gesture_points_per_cashier_per_day) {
    spdlog::info("gesture of {} points by {} refused: {} given today, limit {}", points, staff,
                 *given, limits->gesture_points_per_cashier_per_day);
    return RedemptionErrc::kGestureLimit;
  }
  const auto pending = outbox_.pending_points(holder.member.id);
  if (!pending) return not_recorded(pending.error());
  RAPPORT_TRY(auto event_id,
              append(domain::EventKind::kGesture, holder,
                     protocol::encode_payload(protocol::GesturePayload{points, reason, staff}), now));
  auto log = db_.prepare("INSERT INTO counter_rewards(event_id, kind, member_id, staff, day, "
                         "points, offline) VALUES (?1, 'gesture', ?2, ?3, ?4, ?5, 0)");
  if (!log) return not_recorded(log.error());
  if (auto r = log->bind(1, event_id)
                   .bind(2, holder.member.id)
                   .bind(3, staff)
                   .bind(4, day)
                   .bind(5, points)
                   .run();
      !r) {
    return not_recorded(r.error());
  }
  if (auto committed = tx->commit(); !committed) return not_recorded(committed.error());
  RedeemReceipt receipt;
  receipt.event_id = event_id;
  receipt.points = points;
  receipt.balance_after = holder.member.points_balance.value_or(0) + *pending + points;
  receipt.message = std::to_string(points) + " goodwill points given to " + holder.member.name +
                    " by " + staff + " (" + reason + ")";
  return receipt;
}

}  // namespace rapport::terminal
