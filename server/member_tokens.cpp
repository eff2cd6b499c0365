// server/member_tokens.cpp
#include "server/member_tokens.h"

#include "shared/card/member_token.h"
#include "shared/card/token_errc.h"

namespace rapport::server {

Result<IssuedMemberToken> issue_member_token(Store& store, const card::CardKey& card_key,
                                             const CardTokenKeys& keys,
                                             const MemberTokenRequest& request) {
  // The token vouches that the card is this member's: check it against the server's records.
  auto members = store.list_members(std::nullopt);
  if (!members) return members.error();
  const std::string card_token = card_key.token_for(request.number);
  const domain::Card* card = nullptr;
  for (const auto& member : *members) {
    if (member.id != request.member_id) continue;
    for (const auto& c : member.cards) {
      if (c.token == card_token) card = &c;
    }
  }
  if (card == nullptr) return card::TokenErrc::kNotMembersCard;
  if (card->status == domain::CardStatus::kBlocked) return card::TokenErrc::kCardBlocked;
  if (request.member_id < 1 || request.member_id > 0xffffffffLL) {
    return card::TokenErrc::kBadClaims;
  }

  const auto signing = keys.active_key();
  if (!signing) return card::TokenErrc::kNoSigningKey;
  const card::MemberTokenClaims claims{request.number.digits(),
                                       static_cast<std::uint32_t>(request.member_id), request.uid,
                                       request.issued};
  auto bytes = card::sign_member_token(claims, signing->id, signing->key);
  if (!bytes) return bytes.error();
  return IssuedMemberToken{signing->id, std::move(*bytes)};
}

}  // namespace rapport::server
