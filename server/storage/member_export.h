// server/storage/member_export.h
//
// Internal to sqlite_member_rights.cpp and pg_member_rights.cpp: what both backends' member
// exports agree on (docs/members-rights.md, "Export"), so the same member exports the same
// JSON whichever database holds them.

#pragma once

#include <string_view>

namespace rapport::server {

// The export's "format" key: bump it when a key changes meaning.
inline constexpr std::string_view kMemberExportFormat = "rapport-member-export-1";

// Columns holding JSON text (events' payload, a purchase's lines) are exported as JSON, not
// as a string of it.
[[nodiscard]] inline bool holds_json_column(std::string_view column) {
  return column == "payload" || column == "lines";
}

}  // namespace rapport::server
