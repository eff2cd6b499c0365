// server/ctl/member_commands.cpp
//
// `rapportctl member add` and `rapportctl member list`.

#include <iomanip>
#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "shared/card/card_key.h"
#include "shared/card/card_number.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::ctl {

int run_member_add(const MemberAddOptions& o) {
  if (o.birth_date && !is_valid_date(*o.birth_date)) {
    std::cerr << "error: --birth-date must be a date written YYYY-MM-DD, not '" << *o.birth_date
              << "'\n";
    return 2;
  }
  auto folder = open_data_folder(o.data);
  if (!folder) return 1;
  const auto& config = folder->config;

  std::optional<card::CardNumber> number;
  if (o.card) {
    auto parsed = card::CardNumber::parse(*o.card, config.issuer_prefix);
    if (!parsed) {
      std::cerr << "error: card number '" << *o.card << "': " << parsed.error().message() << "\n";
      return 2;
    }
    number = *parsed;
  } else {
    number = card::CardNumber::generate(config.issuer_prefix);
  }
  auto key = card::CardKey::load(config.card_key);
  if (!key) {
    std::cerr << "error: cannot read the card key " << config.card_key.string() << ": "
              << key.error().message() << "\n";
    return 1;
  }

  const domain::Card card{key->token_for(*number), number->last4(), domain::CardStatus::kActive};
  auto id = folder->store->enroll_member({o.name, o.store, o.birth_date}, card);
  if (!id) {
    std::cerr << "error: cannot add the member: " << id.error().message();
    if (id.error() == storage::StorageErrc::kConstraint) {
      std::cerr << " (either the card number belongs to another member, or '" << o.store
                << "' is not a store; stores:";
      if (const auto stores = folder->store->list_stores(); stores) {
        for (const auto& s : *stores) std::cerr << ' ' << s;
      }
      std::cerr << ")";
    }
    std::cerr << "\n";
    return 1;
  }
  std::cout << "member " << *id << "  " << o.name << "  store " << o.store << "  card "
            << number->grouped() << "\n";
  return 0;
}

int run_member_list(const std::filesystem::path& data, const std::optional<std::string>& store) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  auto members = folder->store->list_members(store);
  if (!members) {
    std::cerr << "error: cannot list members: " << members.error().message() << "\n";
    return 1;
  }
  std::cout << std::left << std::setw(6) << "ID" << std::setw(28) << "NAME" << std::setw(8)
            << "STORE" << std::setw(8) << "VISITS" << std::setw(26) << "LAST VISIT"
            << std::setw(14) << "TIER" << "CARDS\n";
  for (const auto& m : *members) {
    // The tier (and the at-risk flag) come from the latest value refresh; "-" before one.
    const std::string tier = m.value_tier.value_or("-") + (m.at_risk ? " AT RISK" : "");
    std::cout << std::setw(6) << m.id << std::setw(28) << m.name << std::setw(8) << m.home_store
              << std::setw(8) << m.visit_count << std::setw(26) << m.last_visit.value_or("-")
              << std::setw(14) << tier;
    for (const auto& c : m.cards) {
      std::cout << "*" << c.last4
                << (c.status == domain::CardStatus::kBlocked ? "(blocked) " : " ");
    }
    std::cout << "\n";
  }
  std::cout << members->size() << " member(s)\n";
  return 0;
}

int run_events_list(const std::filesystem::path& data, std::size_t limit) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  auto events = folder->store->list_events(limit);
  if (!events) {
    std::cerr << "error: cannot list events: " << events.error().message() << "\n";
    return 1;
  }
  std::cout << std::left << std::setw(6) << "SEQ" << std::setw(38) << "EVENT ID" << std::setw(13)
            << "KIND" << std::setw(10) << "TERMINAL" << std::setw(8) << "MEMBER" << std::setw(26)
            << "AT TERMINAL" << std::setw(26) << "RECEIVED"
            << "DETAILS\n";
  for (const auto& s : *events) {
    std::cout << std::setw(6) << s.sequence << std::setw(38) << s.event.id << std::setw(13)
              << domain::to_string(s.event.kind) << std::setw(10) << s.event.terminal_id
              << std::setw(8)
              << (s.event.member_id ? std::to_string(*s.event.member_id) : std::string("?"))
              << std::setw(26) << s.event.occurred_at << std::setw(26) << s.received_at
              << (s.event.payload == "{}" ? "" : s.event.payload) << "\n";
  }
  std::cout << events->size() << " event(s)\n";
  return 0;
}

int run_card_alerts(const std::filesystem::path& data, std::size_t limit) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto alerts = folder->store->list_card_alerts(limit);
  if (!alerts) {
    std::cerr << "error: cannot list card alerts: " << alerts.error().message() << "\n";
    return 1;
  }
  std::cout << std::left << std::setw(8) << "CARD" << std::setw(8) << "MEMBER" << std::setw(34)
            << "FIRST READ" << std::setw(34) << "THEN" << "FLAGGED\n";
  for (const auto& a : *alerts) {
    std::cout << std::setw(8) << ("*" + a.last4) << std::setw(8)
              << (a.member_id ? std::to_string(*a.member_id) : std::string("?")) << std::setw(34)
              << (a.first_store + " " + a.first_at) << std::setw(34)
              << (a.second_store + " " + a.second_at) << a.flagged_at << "\n";
  }
  std::cout << alerts->size() << " alert(s). Terminal clocks decide the gap: check them before "
            << "blocking a card (rapportctl member list shows its holder).\n";
  return 0;
}

}  // namespace rapport::ctl
