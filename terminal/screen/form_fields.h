// terminal/screen/form_fields.h
//
// Reading the fields of the JSON forms the cashier's page sends (screen_actions.h,
// sale_forms.h): one way to trim text, refuse control characters, read a text field and the
// scan number. Pure.

#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rapport::terminal {

// `text` without leading and trailing spaces and tabs.
[[nodiscard]] std::string trimmed(std::string_view text);
// Whether `text` holds a control character (below 0x20, or DEL).
[[nodiscard]] bool has_control(std::string_view text);
// A text field: absent, null or blank is nullopt; sets `bad` when the field is not text.
[[nodiscard]] std::optional<std::string> text_field(const boost::json::object& o,
                                                    std::string_view key, bool& bad);
// The form's "scan" (board seq): a positive integer, nullopt otherwise.
[[nodiscard]] std::optional<std::uint64_t> scan_field(const boost::json::object& o);
// The body as a JSON object; nullopt when it is not one.
[[nodiscard]] std::optional<boost::json::object> json_object_of(std::string_view body);

}  // namespace rapport::terminal
