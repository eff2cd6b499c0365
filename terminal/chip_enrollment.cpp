// terminal/chip_enrollment.cpp
#include "terminal/chip_enrollment.h"

#include <spdlog/spdlog.h>

#include "drivers/ccid/ccid_errc.h"
#include "shared/card/member_token.h"
#include "shared/card/token_errc.h"
#include "shared/net/failover_client.h"
#include "shared/util/hex.h"
#include "terminal/chip_write_errc.h"
#include "terminal/signed_cards.h"

namespace rapport::terminal {
namespace {

constexpr std::string_view kWriteCommand = "write-card";
constexpr std::string_view kCancelCommand = "cancel";

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

class ServerTokenIssuer final : public MemberTokenIssuer {
 public:
  ServerTokenIssuer(std::unique_ptr<net::HttpsClient> client, std::chrono::milliseconds timeout)
      : client_(std::move(client)), timeout_(timeout) {}

  Result<protocol::MemberTokenAnswer> issue(const card::CardNumber& number,
                                            std::string_view uid_hex) override {
    const auto response =
        client_->request("POST", protocol::kMemberTokensPath,
                         protocol::encode(protocol::MemberTokenRequest{number.digits(),
                                                                       std::string(uid_hex)}),
                         timeout_);
    if (!response) {
      spdlog::warn("write-card: no answer from the server: {}", response.error().message());
      return ChipWriteErrc::kOffline;
    }
    if (response->status == 404) return ChipWriteErrc::kUnknownCard;
    if (response->status == 409) return ChipWriteErrc::kCardBlocked;
    if (response->status != 200) {
      spdlog::error("write-card: the server refused with HTTP {}: {}", response->status,
                    response->body);
      return ChipWriteErrc::kServerRefused;
    }
    auto answer = protocol::decode_member_token_answer(response->body);
    if (!answer) {
      spdlog::error("write-card: unreadable answer: {}", answer.error().message());
      return ChipWriteErrc::kServerRefused;
    }
    return std::move(*answer);
  }

 private:
  std::unique_ptr<net::HttpsClient> client_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<MemberTokenIssuer> make_server_token_issuer(const TerminalConfig& config) {
  return std::make_unique<ServerTokenIssuer>(
      net::FailoverClient::create(failover_options(config, "member token")),
      config.request_timeout);
}

Result<card::VerifiedMemberToken> write_member_chip(MemberTokenIssuer& issuer,
                                                    drivers::ReaderControl& control,
                                                    const card::TokenKeyring& keys,
                                                    std::string_view issuer_prefix,
                                                    const card::CardNumber& number,
                                                    const drivers::CardRead& tap,
                                                    std::chrono::milliseconds timeout) {
  if (tap.kind != drivers::CardKind::kContactless) return ChipWriteErrc::kNoReader;
  // Never overwrite another card's token by mistake (a member's card tapped for a blank one).
  // Anything else on the chip (zeros, an empty NDEF record, a damaged write) is overwritten.
  if (const auto size = card::member_token_size(tap.card_memory);
      size && *size <= tap.card_memory.size()) {
    const auto old = card::decode_member_token(std::span(tap.card_memory).first(*size));
    if (old && old->claims.card_digits != number.digits()) return ChipWriteErrc::kNotBlank;
  }
  RAPPORT_TRY(const auto issued, issuer.issue(number, tap.payload));
  const auto token = from_hex(issued.token);
  if (!token) return ChipWriteErrc::kServerRefused;
  RAPPORT_TRY(const auto back, control.write_card(tap.reader, tap.payload, *token, timeout));
  // The card as read back must prove itself like any card at the counter, and be the one asked.
  const auto uid = from_hex(back.payload);
  if (!uid) return drivers::CcidErrc::kWriteNotKept;
  RAPPORT_TRY(auto verified, verify_chip_token(keys, back.card_memory, *uid, issuer_prefix));
  if (verified.number.digits() != number.digits() || verified.member_id != issued.member_id ||
      !verified.uid_bound) {
    return drivers::CcidErrc::kWriteNotKept;
  }
  return verified;
}

std::string chip_write_advice(const ErrorCode& error) {
  using drivers::CcidErrc;
  std::string advice = "card NOT written: " + error.message();
  if (error == ChipWriteErrc::kOffline) {
    return advice +
           " - writing a contactless card needs the server: try again when the terminal is "
           "online (the card is not enrolled)";
  }
  if (error == ChipWriteErrc::kUnknownCard) {
    return advice + " - check the number, or enroll the member first";
  }
  if (error == ChipWriteErrc::kCardBlocked) {
    return advice + " - use the member's current card number";
  }
  if (error == ChipWriteErrc::kNotBlank) {
    return advice + " - take a blank card (this one was left as it was)";
  }
  if (error == card::TokenErrc::kUnknownKey) {
    return advice +
           " - this terminal lacks the chain's newest keys: wait for the next sync and type "
           "write-card again";
  }
  if (error == CcidErrc::kCardMoved || error == CcidErrc::kNoCard || error == CcidErrc::kWrongCard) {
    return advice +
           " - the card is NOT enrolled: keep it still on the reader, type write-card again and "
           "tap it";
  }
  return advice + " - the card is NOT enrolled: type write-card again and tap it, or use another "
                  "blank card";
}

std::optional<std::string> ChipEnrollmentDesk::command(std::string_view line) {
  line = trimmed(line);
  if (line == kCancelCommand && pending_) {
    pending_.reset();
    return "card writing cancelled";
  }
  if (!line.starts_with(kWriteCommand)) return std::nullopt;
  const std::string_view rest = trimmed(line.substr(kWriteCommand.size()));
  if (rest.empty()) {
    return "usage: write-card CARD-NUMBER, then tap a blank card (e.g. write-card 6275 9912 "
           "3456 7894)";
  }
  auto number = card::CardNumber::parse(rest, issuer_prefix_);
  if (!number) return "write-card: " + number.error().message() + " - type the number again";
  if (control_ == nullptr) {
    return "write-card: no contactless reader that can write cards is configured ([readers] "
           "in terminal.toml)";
  }
  pending_ = std::move(*number);
  return "write-card: tap a blank card on the reader to write card ending " + pending_->last4() +
         " (type cancel to stop)";
}

ChipEnrollmentDesk::Outcome ChipEnrollmentDesk::write(const drivers::CardRead& tap) {
  const card::CardNumber number = *pending_;
  pending_.reset();
  if (control_ == nullptr) return {false, chip_write_advice(ChipWriteErrc::kNoReader)};
  const auto keys = keys_->current();
  const auto written =
      write_member_chip(issuer_, *control_, *keys, issuer_prefix_, number, tap, write_timeout_);
  if (!written) {
    spdlog::warn("write-card: card ending {} on chip {} not written: {}", number.last4(),
                 tap.payload, written.error().message());
    (void)control_->signal(tap.reader, drivers::ReaderSignal::kRejected);
    return {false, chip_write_advice(written.error())};
  }
  spdlog::info("write-card: card ending {} written to chip {} for member {} (key {})",
               number.last4(), tap.payload, written->member_id, int{written->key_id});
  (void)control_->signal(tap.reader, drivers::ReaderSignal::kGoodRead);
  return {true, "card ending " + number.last4() +
                    " written and checked - it is enrolled; hand it to the member"};
}

}  // namespace rapport::terminal
