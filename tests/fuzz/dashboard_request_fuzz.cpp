// tests/fuzz/dashboard_request_fuzz.cpp
//
// Whatever a browser (or anyone) sends the dashboard as a Cookie header, a request target or
// a login body: parsing never crashes, a parsed target has no empty, "." or ".." segment, and
// a parsed login form respects its size bounds, and a report filter taken from a target's
// query is well-formed days and survives being written back as a query and read again.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/dashboard/report_views.h"
#include "server/dashboard/request_parts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace rapport::server;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)cookie_value(text, "__Host-rapport-session");
  if (const auto target = parse_target(text); target) {
    for (const auto& segment : target->segments) {
      if (segment.empty() || segment == "." || segment == ".." ||
          segment.find('/') != std::string::npos || segment.find('\0') != std::string::npos) {
        std::abort();
      }
    }
    if (const auto filter = report_filter_from_query(target->query); filter) {
      for (const auto& day : {filter->from, filter->to}) {
        if (day && day->size() != 10) std::abort();
      }
      const auto again = parse_target("/reports/x?" + report_filter_query(*filter));
      const auto reread = again ? report_filter_from_query(again->query) : std::nullopt;
      if (!reread || reread->store != filter->store || reread->from != filter->from ||
          reread->to != filter->to) {
        std::abort();
      }
    }
  }
  if (const auto form = parse_login_form(text); form) {
    if (form->name.empty() || form->name.size() > 64 || form->password.empty() ||
        form->password.size() > 1024) {
      std::abort();
    }
  }
  return 0;
}
