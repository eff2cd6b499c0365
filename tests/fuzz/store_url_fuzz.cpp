// tests/fuzz/store_url_fuzz.cpp
//
// Any `server.database` setting: parsing never crashes, and what it accepts is a backend
// with a location it took from the text (a PostgreSQL URL whole, a SQLite path non-empty).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/storage/store_url.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using rapport::server::StoreUrl;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto url = rapport::server::parse_store_url(text);
  if (!url) return 0;
  if (url->location.empty()) std::abort();
  if (url->backend == StoreUrl::Backend::kPostgresql && url->location != text) std::abort();
  if (url->location.size() > text.size()) std::abort();
  return 0;
}
