// server/dashboard/views.cpp
#include "server/dashboard/views.h"
#include "shared/util/clock.h"
#include "shared/util/money.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace rapport::server {
namespace {

namespace json = boost::json;

template <typename T>
json::value or_null(const std::optional<T>& value) {
  if (!value) return nullptr;
  return json::value(*value);
}

std::string fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  return text;
}

// The head of every server-rendered page: the same stylesheet, no inline script.
std::string page_head(std::string_view title) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<title>" +
         html_escape(title) +
         " — Rapport</title><link rel=\"stylesheet\" href=\"/assets/app.css\"></head><body>"
         "<header><a href=\"/\">Rapport</a></header><main>";
}


std::string optional_text(const std::optional<std::string>& text, std::string_view missing) {
  return html_escape(text ? std::string_view(*text) : missing);
}

// An offer event's outcome as staff read it; held_out is the offer's control group.
std::string_view offer_outcome_words(std::string_view outcome) {
  if (outcome == "shown") return "shown";
  if (outcome == "held_out") return "held out (control group: not shown)";
  if (outcome == "accepted") return "redeemed";
  if (outcome == "declined") return "declined";
  return outcome;
}

// The sections of a member's full page beyond the overview; every empty kind of data says
// so in words (docs/dashboard.md, "Empty states").
std::string member_detail_html(const MemberDetail& d) {
  std::string html = "<h2>Relationship owner</h2><p id=\"member-owner\">" +
                     optional_text(d.owner, "Nobody owns this relationship yet.") + "</p>";
  html += "<h2>Open follow-ups</h2><ul id=\"member-follow-ups\">";
  for (const auto& f : d.open_follow_ups) {
    html += "<li>" + html_escape(f.reason) + ": " + html_escape(f.detail) + " (due " +
            html_escape(f.due_at.substr(0, 10)) + ")</li>";
  }
  if (d.open_follow_ups.empty()) html += "<li>None open.</li>";
  html += "</ul><h2>How the value was computed</h2>";
  if (!d.value) {
    html += "<p id=\"member-value-how\">Not computed yet: run <code>rapportctl value "
            "refresh</code>.</p>";
  } else {
    const auto& v = *d.value;
    const auto& s = v.snapshot;
    html += "<dl id=\"member-value-how\"><dt>Computed at</dt><dd>" + html_escape(v.computed_at) +
            "</dd><dt>Model</dt><dd>" + optional_text(v.model, "none (no purchases yet)") +
            "</dd><dt>Parameters</dt><dd>" + optional_text(v.params, "none") +
            "</dd><dt>Spend parameters</dt><dd>" +
            optional_text(v.spend_params, "none (too few repeat buyers)") +
            "</dd><dt>Data up to</dt><dd>" + optional_text(v.as_of, "unknown") +
            "</dd><dt>Historic value</dt><dd>" + format_cents(s.historic_value_cents) +
            "</dd><dt>Historic revenue</dt><dd>" + format_cents(s.historic_revenue_cents) +
            "</dd><dt>Expected purchase days</dt><dd>" + fixed(s.expected_visits, 2) +
            "</dd><dt>Expected spend</dt><dd>" + format_cents(s.expected_spend_cents) +
            "</dd><dt>Lifetime value (discounted forecast)</dt><dd>" +
            format_cents(s.lifetime_value_cents) + "</dd><dt>Referral value</dt><dd>" +
            format_cents(s.referral_value_cents) + "</dd><dt>Advocacy value</dt><dd>" +
            format_cents(s.advocacy_value_cents) + "</dd><dt>Total value</dt><dd id=\"member-total\">" +
            format_cents(s.total_value_cents) + "</dd><dt>RFM</dt><dd>" +
            html_escape(s.rfm.empty() ? "no purchases" : s.rfm) + "</dd><dt>Segment</dt><dd>" +
            html_escape(s.segment) + "</dd></dl>";
  }
  html += "<h2>History</h2><table id=\"member-history\"><thead><tr><th>When</th><th>What</th>"
          "<th>Store</th><th>Amount</th></tr></thead><tbody>";
  for (const auto& h : d.history) {
    html += "<tr><td>" + html_escape(h.at) + "</td><td>" + html_escape(h.kind) + "</td><td>" +
            html_escape(h.store_id) + "</td><td>" +
            (h.amount_cents ? format_cents(*h.amount_cents) : "") + "</td></tr>";
  }
  if (d.history.empty()) html += "<tr><td colspan=\"4\">No visits or purchases yet.</td></tr>";
  html += "</tbody></table><h2>Notes and what they told us</h2><table id=\"member-notes\">"
          "<thead><tr><th>When</th><th>Store</th><th>Topic</th><th>Note</th></tr></thead><tbody>";
  for (const auto& n : d.notes) {
    html += "<tr><td>" + html_escape(n.noted_at) + "</td><td>" + html_escape(n.store_id) +
            "</td><td>" + html_escape(n.topic) + "</td><td>" + html_escape(n.text) + "</td></tr>";
  }
  if (d.notes.empty()) html += "<tr><td colspan=\"4\">No notes yet.</td></tr>";
  html += "</tbody></table><h2>Points</h2><p id=\"member-points\">Balance: " +
          std::to_string(d.points_balance) + "</p><table id=\"member-ledger\"><thead><tr>"
          "<th>When</th><th>What</th><th>Points</th></tr></thead><tbody>";
  for (const auto& l : d.ledger) {
    html += "<tr><td>" + html_escape(l.occurred_at) + "</td><td>" + html_escape(l.kind) +
            "</td><td>" + std::to_string(l.points) + "</td></tr>";
  }
  if (d.ledger.empty()) html += "<tr><td colspan=\"3\">No points earned or spent yet.</td></tr>";
  html += "</tbody></table><h2>Offers</h2><table id=\"member-offers\"><thead><tr><th>When</th>"
          "<th>Offer</th><th>What happened</th><th>Store</th></tr></thead><tbody>";
  for (const auto& o : d.offers) {
    html += "<tr><td>" + html_escape(o.at) + "</td><td>" + html_escape(o.offer_id) + "</td><td>" +
            html_escape(offer_outcome_words(o.outcome)) + "</td><td>" +
            optional_text(o.store_id, "") + "</td></tr>";
  }
  if (d.offers.empty()) html += "<tr><td colspan=\"4\">No offers shown yet.</td></tr>";
  return html + "</tbody></table>";
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string csv_field(std::string_view text) {
  std::string value(text);
  if (!value.empty() && (value[0] == '=' || value[0] == '+' || value[0] == '-' ||
                         value[0] == '@' || value[0] == '\t' || value[0] == '\r')) {
    value.insert(0, "'");
  }
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string quoted = "\"";
  for (const char c : value) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string user_json(const StaffUser& user, const std::vector<std::string>& stores,
                      std::string_view csrf_token) {
  json::array store_list;
  for (const auto& s : stores) store_list.emplace_back(s);
  return json::serialize(json::object{{"name", user.name},
                                      {"role", to_string(user.role)},
                                      {"stores", std::move(store_list)},
                                      {"csrf_token", csrf_token}});
}

bool needs_owner(const RegularRow& row) {
  return row.tier == "MVC" && (!row.owner || row.owner_disabled);
}

std::string regulars_json(std::string_view store_id, const std::vector<RegularRow>& rows,
                          bool values_computed, const std::vector<OwnerCandidate>& owners) {
  json::array list;
  for (const auto& r : rows) {
    list.emplace_back(json::object{{"member_id", r.member_id},
                                   {"name", r.name},
                                   {"visits", r.visit_count},
                                   {"last_visit", or_null(r.last_visit)},
                                   {"tier", or_null(r.tier)},
                                   {"total_value_cents", or_null(r.total_value_cents)},
                                   {"p_alive", or_null(r.p_alive)},
                                   {"rhythm_days", or_null(r.rhythm_days)},
                                   {"at_risk", r.at_risk},
                                   {"segment", or_null(r.segment)},
                                   {"owner", or_null(r.owner)},
                                   {"owner_disabled", r.owner_disabled},
                                   {"needs_owner", needs_owner(r)}});
  }
  json::array candidates;
  for (const auto& o : owners) {
    candidates.emplace_back(json::object{{"id", o.id}, {"name", o.name}});
  }
  // Kinds of data that have not landed in Rapport yet are said to be missing, never shown
  // as empty values (docs/dashboard.md, "Empty states").
  return json::serialize(json::object{{"store", store_id},
                                      {"values_computed", values_computed},
                                      {"owner_candidates", std::move(candidates)},
                                      {"rows", std::move(list)}});
}

std::string follow_ups_json(std::string_view store_id, const std::vector<FollowUp>& rows,
                            std::string_view caller) {
  json::array list;
  for (const auto& f : rows) {
    list.emplace_back(json::object{{"id", f.id},
                                   {"member_id", f.member_id},
                                   {"member_name", f.member_name},
                                   {"reason", f.reason},
                                   {"detail", f.detail},
                                   {"created_at", f.created_at},
                                   {"due_at", f.due_at},
                                   {"owner", or_null(f.owner)},
                                   {"mine", f.owner && *f.owner == caller}});
  }
  return json::serialize(json::object{{"store", store_id}, {"rows", std::move(list)}});
}

namespace {

bool plain_number(std::string_view text) {
  std::size_t i = text.empty() || text[0] != '-' ? 0 : 1;
  bool digits = false;
  bool point = false;
  for (; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') {
      digits = true;
    } else if (text[i] == '.' && !point) {
      point = true;
    } else {
      return false;
    }
  }
  return digits;
}

}  // namespace

std::string csv_table(const CsvRow& header, const std::vector<CsvRow>& rows) {
  std::string out;
  const auto line = [&](const CsvRow& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i != 0) out += ',';
      out += plain_number(fields[i]) ? fields[i] : csv_field(fields[i]);
    }
    out += "\r\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

std::string regulars_csv(const std::vector<RegularRow>& rows) {
  std::vector<CsvRow> lines;
  std::size_t rank = 0;
  for (const auto& r : rows) {
    lines.push_back({std::to_string(++rank), std::to_string(r.member_id), r.name,
                     r.tier.value_or(""),
                     r.total_value_cents ? format_cents(*r.total_value_cents) : "",
                     r.p_alive ? fixed(*r.p_alive, 3) : "", std::to_string(r.visit_count),
                     r.last_visit.value_or(""), r.rhythm_days ? fixed(*r.rhythm_days, 1) : "",
                     r.at_risk ? "yes" : "no", r.segment.value_or(""), r.owner.value_or("")});
  }
  return csv_table({"rank", "member_id", "name", "tier", "total_value", "p_alive", "visits",
                    "last_visit", "rhythm_days", "at_risk", "segment", "owner"},
                   lines);
}

std::string follow_ups_csv(const std::vector<FollowUp>& rows) {
  std::vector<CsvRow> lines;
  for (const auto& f : rows) {
    lines.push_back({std::to_string(f.id), std::to_string(f.member_id), f.member_name, f.reason,
                     f.detail, f.created_at, f.due_at, f.owner.value_or("")});
  }
  return csv_table(
      {"id", "member_id", "member", "reason", "detail", "created_at", "due_at", "owner"}, lines);
}

std::string visitors_csv(const std::vector<VisitorRow>& rows) {
  std::vector<CsvRow> lines;
  for (const auto& r : rows) {
    lines.push_back({std::to_string(r.member_id), r.name, r.home_store, std::to_string(r.visits),
                     r.last_visit});
  }
  return csv_table({"member_id", "name", "home_store", "visits_here", "last_visit_here"}, lines);
}

std::string members_csv(const std::vector<NamedMember>& rows, std::string_view when) {
  std::vector<CsvRow> lines;
  for (const auto& m : rows) lines.push_back({std::to_string(m.id), m.name, m.when});
  return csv_table({"member_id", "name", std::string(when)}, lines);
}

std::string offers_csv(const std::vector<OfferResult>& rows) {
  std::vector<CsvRow> lines;
  for (const auto& o : rows) {
    lines.push_back({o.offer_id, std::to_string(o.shown), std::to_string(o.accepted),
                     std::to_string(o.declined)});
  }
  return csv_table({"offer_id", "shown", "redeemed", "declined"}, lines);
}

std::string visitors_json(std::string_view store_id, const std::vector<VisitorRow>& rows) {
  json::array list;
  for (const auto& r : rows) {
    list.emplace_back(json::object{{"member_id", r.member_id},
                                   {"name", r.name},
                                   {"home_store", r.home_store},
                                   {"visits_here", r.visits},
                                   {"last_visit_here", r.last_visit}});
  }
  return json::serialize(json::object{{"store", store_id}, {"rows", std::move(list)}});
}

std::string member_json(const MemberView& view) {
  const auto& m = view.member;
  json::array visits;
  for (const auto& v : view.visits) {
    visits.emplace_back(json::object{
        {"store", v.store_id}, {"visits", v.visits}, {"last_visit", v.last_visit}});
  }
  json::object out{{"member_id", m.id},
                   {"name", m.name},
                   {"home_store", m.home_store},
                   {"scope", view.full ? "full" : "visits"},
                   {"visits_at_your_stores", std::move(visits)}};
  if (view.full) {
    out["visits"] = m.visit_count;
    out["last_visit"] = or_null(m.last_visit);
    out["tier"] = or_null(m.tier);
    out["total_value_cents"] = or_null(m.total_value_cents);
    out["p_alive"] = or_null(m.p_alive);
    out["rhythm_days"] = or_null(m.rhythm_days);
    out["at_risk"] = m.at_risk;
    out["merged_into"] = or_null(m.merged_into);
    if (view.detail) {
      out["owner"] = or_null(view.detail->owner);
      out["points_balance"] = view.detail->points_balance;
      out["open_follow_ups"] = view.detail->open_follow_ups.size();
      json::array offers;
      for (const auto& o : view.detail->offers) {
        offers.emplace_back(json::object{{"at", o.at},
                                         {"offer_id", o.offer_id},
                                         {"outcome", o.outcome},
                                         {"store_id", or_null(o.store_id)}});
      }
      out["offers"] = std::move(offers);
    }
  }
  return json::serialize(out);
}

std::string charts_json(std::string_view store_id, const StoreCharts& charts) {
  json::array tier_labels;
  json::array tier_counts;
  for (const auto& [tier, members] : charts.tiers) {
    tier_labels.emplace_back(tier);
    tier_counts.emplace_back(members);
  }
  // Week labels are the last day of each week, oldest first.
  json::array week_labels;
  json::array week_counts;
  if (charts.last_visit_day) {
    const auto last = from_iso8601(*charts.last_visit_day + "T00:00:00Z");
    for (std::size_t i = 0; i < charts.visits_per_week.size(); ++i) {
      const auto ago =
          std::chrono::days(static_cast<int>(7 * (charts.visits_per_week.size() - 1 - i)));
      week_labels.emplace_back(last ? to_iso8601(*last - ago).substr(0, 10) : std::string());
      week_counts.emplace_back(charts.visits_per_week[i]);
    }
  }
  json::array value_labels;
  json::array value_counts;
  for (std::size_t i = 0; i < charts.value_bins.size(); ++i) {
    const auto from = static_cast<std::int64_t>(i) * charts.value_bin_cents;
    value_labels.emplace_back(format_cents(from) + (i + 1 == charts.value_bins.size()
                                                        ? std::string(" and up")
                                                        : "-" + format_cents(from + charts.value_bin_cents)));
    value_counts.emplace_back(charts.value_bins[i]);
  }
  const auto chart = [](json::array labels, json::array data, std::string_view label) {
    json::array datasets;
    datasets.emplace_back(json::object{{"label", label}, {"data", std::move(data)}});
    return json::object{{"labels", std::move(labels)}, {"datasets", std::move(datasets)}};
  };
  return json::serialize(json::object{
      {"store", store_id},
      {"tiers", chart(std::move(tier_labels), std::move(tier_counts), "members")},
      {"visits_per_week", chart(std::move(week_labels), std::move(week_counts), "visits")},
      {"value_distribution", chart(std::move(value_labels), std::move(value_counts), "members")}});
}

std::string overview_json(std::string_view store_id, std::string_view today,
                          const StoreOverview& overview) {
  const auto members = [](const std::vector<NamedMember>& list, std::string_view when) {
    json::array out;
    for (const auto& m : list) {
      out.emplace_back(json::object{{"member_id", m.id}, {"name", m.name}, {when, m.when}});
    }
    return out;
  };
  json::array offers;
  for (const auto& o : overview.offers) {
    offers.emplace_back(json::object{{"offer_id", o.offer_id},
                                     {"shown", o.shown},
                                     {"accepted", o.accepted},
                                     {"declined", o.declined}});
  }
  return json::serialize(json::object{{"store", store_id},
                                      {"today", today},
                                      {"new_members", members(overview.new_members, "joined_at")},
                                      {"birthdays", members(overview.birthdays, "birthday")},
                                      {"offers", std::move(offers)}});
}

namespace {

std::optional<double> retention(const OwnerResult& r) {
  if (r.active_before == 0) return std::nullopt;
  return static_cast<double>(r.retained) / static_cast<double>(r.active_before);
}

}  // namespace

std::string owners_csv(const std::vector<OwnerResult>& rows) {
  std::vector<CsvRow> lines;
  for (const auto& r : rows) {
    const auto kept = retention(r);
    lines.push_back({r.owner, r.disabled ? "yes" : "no", std::to_string(r.customers),
                     std::to_string(r.active_before), std::to_string(r.retained),
                     kept ? fixed(*kept, 3) : "", format_cents(r.revenue_before_cents),
                     format_cents(r.revenue_recent_cents),
                     format_cents(r.revenue_recent_cents - r.revenue_before_cents)});
  }
  return csv_table({"owner", "disabled", "customers", "active_before", "retained", "retention",
                    "revenue_before", "revenue_recent", "value_growth"},
                   lines);
}

std::string owners_json(std::string_view store_id, std::string_view today,
                        const std::vector<OwnerResult>& rows) {
  json::array list;
  for (const auto& r : rows) {
    list.emplace_back(json::object{{"owner", r.owner},
                                   {"disabled", r.disabled},
                                   {"customers", r.customers},
                                   {"active_before", r.active_before},
                                   {"retained", r.retained},
                                   {"retention", or_null(retention(r))},
                                   {"revenue_before_cents", r.revenue_before_cents},
                                   {"revenue_recent_cents", r.revenue_recent_cents},
                                   {"value_growth_cents",
                                    r.revenue_recent_cents - r.revenue_before_cents}});
  }
  return json::serialize(
      json::object{{"store", store_id}, {"today", today}, {"rows", std::move(list)}});
}

std::string move_json(std::int64_t member, std::string_view home_store, bool moved) {
  return json::serialize(
      json::object{{"member", member}, {"home_store", home_store}, {"moved", moved}});
}

std::string merge_json(std::int64_t keep, std::int64_t merged, const MergeOutcome& outcome) {
  return json::serialize(json::object{{"ok", true},
                                      {"member_id", keep},
                                      {"merged_member_id", merged},
                                      {"points_moved", outcome.points_moved},
                                      {"cards_moved", outcome.cards_moved},
                                      {"events_moved", outcome.events_moved}});
}

namespace {

// The form that merges another membership of the same person into this one (member.js).
std::string merge_form_html(const MemberOverview& m) {
  if (m.merged_into) {
    const std::string into = std::to_string(*m.merged_into);
    return "<p id=\"merged-into\">Merged into <a href=\"/members/" + into + "\">member " + into +
           "</a>: their history, cards and points are there now.</p>";
  }
  return "<h2>Merge a duplicate membership</h2><form id=\"merge-form\" data-member-id=\"" +
         std::to_string(m.id) +
         "\"><label>Member id of the same person's other membership <input id=\"merge-from\" "
         "inputmode=\"numeric\" required></label> <label><input type=\"checkbox\" id=\"merge-same\" "
         "required> the same person (this cannot be undone)</label> <button type=\"submit\" id=\"merge-button\">"
         "Merge into this member</button></form><p id=\"merge-result\" role=\"status\"></p>"
         "<script src=\"/assets/member.js\"></script>";
}

// Members' rights for head office (rights.js): the export download, and erasure behind a
// confirmation that needs the member id typed again (checked by the server too).
std::string rights_html(const MemberOverview& m) {
  const std::string id = std::to_string(m.id);
  return "<h2>Members' rights</h2><p><a id=\"export-link\" href=\"/api/members/" + id +
         "/export.json\" download=\"member-" + id + ".json\">Export data (JSON)</a></p>"
         "<form id=\"erase-form\" data-member-id=\"" + id + "\"><button type=\"button\" "
         "id=\"erase-button\">Erase member</button><fieldset id=\"erase-confirm\" hidden>"
         "<legend>Erase member " + id + ": their name, birth date, contact, cards and notes are "
         "removed everywhere; this cannot be undone</legend><label>Reason (no personal data) "
         "<input id=\"erase-reason\" required maxlength=\"200\"></label> <label>Type the "
         "member id again <input id=\"erase-id\" inputmode=\"numeric\" required></label> "
         "<button type=\"submit\" id=\"erase-submit\">Erase for good</button></fieldset></form>"
         "<p id=\"erase-result\" role=\"status\"></p><script src=\"/assets/rights.js\"></script>";
}

}  // namespace

std::string member_page(const MemberView& view) {
  const auto& m = view.member;
  std::string html = page_head(m.name) + "<h1 id=\"member-name\">" + html_escape(m.name) +
                     "</h1><p>Member " + std::to_string(m.id) + ", home store " +
                     html_escape(m.home_store) + "</p>";
  if (view.full) {
    html += "<dl id=\"member-value\"><dt>Visits</dt><dd>" + std::to_string(m.visit_count) +
            "</dd><dt>Last visit</dt><dd>" + html_escape(m.last_visit.value_or("never")) +
            "</dd><dt>Value tier</dt><dd>" +
            html_escape(m.tier.value_or("not computed yet")) + "</dd><dt>Total value</dt><dd>" +
            (m.total_value_cents ? format_cents(*m.total_value_cents) : "not computed yet") +
            "</dd><dt>Probability alive</dt><dd>" +
            (m.p_alive ? fixed(*m.p_alive, 3) : "not computed yet") + "</dd><dt>At risk</dt><dd>" +
            (m.at_risk ? "yes" : "no") + "</dd></dl>";
    if (view.detail) html += member_detail_html(*view.detail);
    html += merge_form_html(m);
    if (view.rights) html += rights_html(m);
  } else {
    html += "<p>A member of another store: you see their visits to your stores only.</p>";
  }
  html += "<h2>Visits at your stores</h2><table id=\"member-visits\"><thead><tr><th>Store</th>"
          "<th>Visits</th><th>Last visit</th></tr></thead><tbody>";
  for (const auto& v : view.visits) {
    html += "<tr><td>" + html_escape(v.store_id) + "</td><td>" + std::to_string(v.visits) +
            "</td><td>" + html_escape(v.last_visit) + "</td></tr>";
  }
  if (view.visits.empty()) html += "<tr><td colspan=\"3\">No visits recorded yet.</td></tr>";
  return html + "</tbody></table></main></body></html>\n";
}

std::string message_page(std::string_view title, std::string_view message) {
  return page_head(title) + "<h1>" + html_escape(title) + "</h1><p>" + html_escape(message) +
         "</p><p><a href=\"/\">Back to the dashboard</a></p></main></body></html>\n";
}

}  // namespace rapport::server
