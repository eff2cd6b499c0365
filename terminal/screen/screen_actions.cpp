// terminal/screen/screen_actions.cpp
#include "terminal/screen/screen_actions.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "shared/card/card_number.h"
#include "shared/card/phone_number.h"
#include "shared/domain/event_id.h"
#include "shared/util/clock.h"
#include "terminal/outbox.h"
#include "terminal/screen/form_fields.h"
#include "terminal/screen/local_notes.h"

namespace rapport::terminal {
namespace {

namespace json = boost::json;

}  // namespace

ParsedForm<EnrollmentForm> parse_enrollment_form(std::string_view body) {
  const auto o = json_object_of(body);
  if (!o) return {std::nullopt, "the form was not sent as JSON"};
  EnrollmentForm form;
  const auto scan = scan_field(*o);
  if (!scan) return {std::nullopt, "the form does not say which card to enroll"};
  form.scan = *scan;
  bool bad = false;
  auto& p = form.payload;
  const auto name = text_field(*o, "name", bad);
  if (!name || name->size() > protocol::kMaxShortText || has_control(*name)) {
    return {std::nullopt, "type the customer's name (up to 200 characters)"};
  }
  p.name = *name;
  p.phone = text_field(*o, "phone", bad);
  if (p.phone && (p.phone->size() > 40 || has_control(*p.phone))) {
    return {std::nullopt, "the phone number is too long (up to 40 characters)"};
  }
  p.email = text_field(*o, "email", bad);
  if (p.email && (p.email->size() > protocol::kMaxShortText ||
                  p.email->find('@') == std::string::npos || has_control(*p.email))) {
    return {std::nullopt, "the email address needs an @ (or leave it empty)"};
  }
  p.birth_date = text_field(*o, "birth_date", bad);
  if (p.birth_date && !is_valid_date(*p.birth_date)) {
    return {std::nullopt, "write the birth date as YYYY-MM-DD (or leave it empty)"};
  }
  p.channel = text_field(*o, "channel", bad);
  if (p.channel && (p.channel->size() > protocol::kMaxShortText || has_control(*p.channel))) {
    return {std::nullopt, "'how did you hear of us' is too long"};
  }
  form.referred_by_card = text_field(*o, "referred_by", bad);
  for (const char* consent : {"marketing", "personalisation"}) {
    const auto* v = o->if_contains(consent);
    if (v == nullptr || !v->is_bool()) {
      return {std::nullopt, "answer both consent questions (yes or no)"};
    }
  }
  p.marketing_consent = o->at("marketing").get_bool();
  p.personalisation_consent = o->at("personalisation").get_bool();
  if (const auto* needs = o->if_contains("needs"); needs != nullptr) {
    const json::array* list = needs->if_array();
    if (list == nullptr || list->size() > 2) return {std::nullopt, "at most two answers"};
    for (const auto& need : *list) {
      if (!need.is_string()) {
        bad = true;
        break;
      }
      auto text = trimmed(need.get_string());
      if (text.size() > protocol::kMaxNoteText) {
        return {std::nullopt, "an answer is too long (up to 2000 characters)"};
      }
      if (!text.empty()) form.needs.push_back(std::move(text));
    }
  }
  if (bad) return {std::nullopt, "the form has a field of the wrong kind: reload the page"};
  return {std::move(form), {}};
}

ParsedForm<ReplaceCardForm> parse_replace_card_form(std::string_view body) {
  const auto o = json_object_of(body);
  if (!o) return {std::nullopt, "the form was not sent as JSON"};
  ReplaceCardForm form;
  const auto* member = o->if_contains("member_id");
  if (member == nullptr || !member->is_int64() || member->get_int64() <= 0) {
    return {std::nullopt, "choose the member first"};
  }
  form.member_id = member->get_int64();
  bool bad = false;
  const auto lost = text_field(*o, "lost_last4", bad);
  if (!lost || lost->size() != 4) return {std::nullopt, "choose which card was lost"};
  form.lost_last4 = *lost;
  auto typed = text_field(*o, "new_card", bad);
  if (!typed || typed->size() > 40) return {std::nullopt, "scan or type the new card's number"};
  std::erase(*typed, ' ');
  form.new_card = *typed;
  if (bad) return {std::nullopt, "the form has a field of the wrong kind: reload the page"};
  return {std::move(form), {}};
}

ParsedForm<NoteForm> parse_note_form(std::string_view body) {
  const auto o = json_object_of(body);
  if (!o) return {std::nullopt, "the note was not sent as JSON"};
  NoteForm form;
  const auto scan = scan_field(*o);
  if (!scan) return {std::nullopt, "the note does not say which member it is about"};
  form.scan = *scan;
  bool bad = false;
  const auto topic = text_field(*o, "topic", bad);
  const auto text = text_field(*o, "text", bad);
  if (!text) return {std::nullopt, "type the note first"};
  if (text->size() > protocol::kMaxNoteText) {
    return {std::nullopt, "the note is too long (up to 2000 characters)"};
  }
  // The protocol's own decoder names the topics: one list of them.
  const auto decoded = protocol::decode_note(
      json::serialize(json::object{{"topic", topic.value_or("")}, {"text", *text}}));
  if (bad || !decoded) return {std::nullopt, "choose what kind of note this is"};
  form.topic = decoded->topic;
  form.text = *text;
  return {std::move(form), {}};
}

std::optional<std::string> ScreenActions::card_token(std::string_view card_number) const {
  const auto number = card::CardNumber::parse(card_number, identity_.issuer_prefix);
  if (!number) return std::nullopt;
  return key_.token_for(*number);
}

domain::Event ScreenActions::event_for(domain::EventKind kind, const ScanTarget& card,
                                       const std::string& at) const {
  domain::Event event;
  event.id = domain::new_event_id();
  event.kind = kind;
  event.terminal_id = identity_.terminal_id;
  event.store_id = identity_.store_id;
  event.card_token = card.card_token;
  event.member_id = card.member_id;
  event.occurred_at = at;
  return event;
}

Result<std::string> ScreenActions::append_note(const ScanTarget& card, protocol::NoteTopic topic,
                                               const std::string& text,
                                               const StaffMember& cashier,
                                               std::chrono::system_clock::time_point now) {
  const std::string at = to_iso8601(now);
  auto event = event_for(domain::EventKind::kNote, card, at);
  event.payload = protocol::encode_payload(protocol::NotePayload{topic, text});
  Outbox outbox(db_);
  RAPPORT_TRY_VOID(outbox.append(event));
  LocalNotes notes(db_);
  RAPPORT_TRY_VOID(notes.add(event.id, card.member_id, card.card_token, protocol::to_string(topic),
                             text, at));
  StaffPins audit(db_);
  RAPPORT_TRY_VOID(audit.record(cashier.id, "note", event.id, now));
  return event.id;
}

Result<std::string> ScreenActions::enroll(const EnrollmentForm& form, const ScanTarget& card,
                                          std::optional<std::string> referrer_token,
                                          const StaffMember& cashier,
                                          std::chrono::system_clock::time_point now) {
  const std::string at = to_iso8601(now);
  auto payload = form.payload;
  payload.last4 = card.last4;
  payload.referred_by_token = std::move(referrer_token);
  auto event = event_for(domain::EventKind::kEnrollment, card, at);
  event.member_id.reset();  // the server makes the member
  event.payload = protocol::encode_payload(payload);
  // What the server will check: refused here, not after the customer has gone.
  RAPPORT_TRY_VOID(protocol::check_payload(event.kind, event.payload));

  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  Outbox outbox(db_);
  RAPPORT_TRY_VOID(outbox.append(event));
  StaffPins audit(db_);
  RAPPORT_TRY_VOID(audit.record(cashier.id, "enroll", event.id, now));
  for (const auto& need : form.needs) {
    RAPPORT_TRY_VOID(append_note(card, protocol::NoteTopic::kPreference, need, cashier, now));
  }
  RAPPORT_TRY_VOID(tx.commit());
  return event.id;
}

namespace {

// Reads the rows of a "SELECT id, name, <active cards' last4 joined by spaces>" query.
Result<std::vector<FoundMember>> found_members(storage::Statement& select) {
  std::vector<FoundMember> found;
  while (true) {
    RAPPORT_TRY(const bool row, select.step());
    if (!row) break;
    FoundMember member{select.column_int64(0), select.column_text(1), {}};
    const auto cards = select.column_optional_text(2).value_or("");
    for (std::size_t at = 0; at + 4 <= cards.size(); at += 5) {
      member.cards.push_back(cards.substr(at, 4));
    }
    found.push_back(std::move(member));
  }
  return found;
}

constexpr std::string_view kFoundColumns =
    "SELECT m.id, m.name, "
    "(SELECT group_concat(c.last4, ' ') FROM cards c "
    " WHERE c.member_id = m.id AND c.status = 'active') "
    "FROM members m ";

}  // namespace

Result<std::vector<FoundMember>> ScreenActions::find_members(std::string_view query, int limit) {
  std::string pattern = "%";
  for (const char c : query) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  RAPPORT_TRY(auto select, db_.prepare(std::string(kFoundColumns) +
                                       "WHERE m.name LIKE ?1 ESCAPE '\\' "
                                       "ORDER BY m.name, m.id LIMIT ?2"));
  select.bind(1, pattern).bind(2, std::int64_t{limit});
  return found_members(select);
}

Result<std::optional<std::vector<FoundMember>>> ScreenActions::find_by_phone(std::string_view typed,
                                                                            int limit) {
  const auto normalised = card::normalise_phone(typed, phone_country_code_);
  if (!normalised) return std::optional<std::vector<FoundMember>>{};
  RAPPORT_TRY(auto select, db_.prepare(std::string(kFoundColumns) +
                                       "WHERE m.phone_digest = ?1 ORDER BY m.name, m.id LIMIT ?2"));
  select.bind(1, key_.phone_digest(*normalised)).bind(2, std::int64_t{limit});
  RAPPORT_TRY(auto found, found_members(select));
  return std::optional(std::move(found));
}

Result<std::optional<std::string>> ScreenActions::replace_card(
    const ReplaceCardForm& form, const StaffMember& cashier,
    std::chrono::system_clock::time_point now, std::string& problem) {
  const auto number = card::CardNumber::parse(form.new_card, identity_.issuer_prefix);
  if (!number) {
    problem = "the new card's number is not one of our cards (" + number.error().message() +
              "): scan it again";
    return std::optional<std::string>{};
  }
  const std::string new_token = key_.token_for(*number);
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  RAPPORT_TRY(auto lost, db_.prepare("SELECT token FROM cards WHERE member_id = ?1 AND "
                                     "last4 = ?2 AND status = 'active' LIMIT 1"));
  lost.bind(1, form.member_id).bind(2, form.lost_last4);
  RAPPORT_TRY(const bool has_lost, lost.step());
  if (!has_lost) {
    problem = "this member has no active card ending " + form.lost_last4;
    return std::optional<std::string>{};
  }
  const std::string lost_token = lost.column_text(0);
  RAPPORT_TRY(auto taken, db_.prepare("SELECT 1 FROM cards WHERE token = ?1"));
  taken.bind(1, new_token);
  RAPPORT_TRY(const bool is_taken, taken.step());
  if (is_taken) {
    problem = "the new card ending " + number->last4() +
              " already belongs to a member: use a blank card";
    return std::optional<std::string>{};
  }
  const ScanTarget card{false, form.member_id, lost_token, form.lost_last4};
  auto event = event_for(domain::EventKind::kCardLinked, card, to_iso8601(now));
  event.payload = protocol::encode_payload(
      protocol::CardLinkedPayload{new_token, number->last4(), true});
  Outbox outbox(db_);
  RAPPORT_TRY_VOID(outbox.append(event));
  // The same change locally, as the server will make it: the new card is theirs at once.
  RAPPORT_TRY(auto block, db_.prepare("UPDATE cards SET status = 'blocked' WHERE token = ?1"));
  RAPPORT_TRY_VOID(block.bind(1, lost_token).run());
  RAPPORT_TRY(auto add, db_.prepare("INSERT INTO cards(token, member_id, last4, status) "
                                    "VALUES (?1, ?2, ?3, 'active')"));
  RAPPORT_TRY_VOID(add.bind(1, new_token).bind(2, form.member_id).bind(3, number->last4()).run());
  StaffPins audit(db_);
  RAPPORT_TRY_VOID(audit.record(cashier.id, "replace-card", event.id, now));
  RAPPORT_TRY_VOID(tx.commit());
  return std::optional<std::string>{event.id};
}

Result<std::string> ScreenActions::note(const NoteForm& form, const ScanTarget& card,
                                        const StaffMember& cashier,
                                        std::chrono::system_clock::time_point now) {
  RAPPORT_TRY(auto tx, storage::Transaction::begin(db_));
  RAPPORT_TRY(auto id, append_note(card, form.topic, form.text, cashier, now));
  RAPPORT_TRY_VOID(tx.commit());
  return id;
}

}  // namespace rapport::terminal
