// server/storage/store_url.cpp
#include "server/storage/store_url.h"

#include "server/storage/member_rights_store.h"
#include "server/storage/offer_store.h"
#include "server/storage/pg_errc.h"

namespace rapport::server {

Result<StoreUrl> parse_store_url(std::string_view url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    if (url.empty()) return pg::PgErrc::kUnknownScheme;
    return StoreUrl{StoreUrl::Backend::kSqlite, std::string(url)};
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  if (scheme == "sqlite") {
    // sqlite:///abs/file.db: an empty host, then the path (absolute).
    const std::string_view path = url.substr(scheme_end + 3);
    if (path.empty() || path == "/") return pg::PgErrc::kUnknownScheme;
    return StoreUrl{StoreUrl::Backend::kSqlite, std::string(path)};
  }
  if (scheme == "postgresql" || scheme == "postgres") {
    return StoreUrl{StoreUrl::Backend::kPostgresql, std::string(url)};
  }
  return pg::PgErrc::kUnknownScheme;
}

Result<std::unique_ptr<Store>> open_store(std::string_view url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) return open_pg_store(parsed.location);
  return open_sqlite_store(parsed.location);
}

Result<std::unique_ptr<LeaseStore>> open_lease_store(std::string_view url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) return open_pg_lease_store(parsed.location);
  return open_sqlite_lease_store(parsed.location);
}

Result<std::unique_ptr<SessionStore>> open_session_store(std::string_view url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) {
    return open_pg_session_store(parsed.location);
  }
  return open_sqlite_session_store(parsed.location);
}

Result<std::unique_ptr<EnrollmentStore>> open_enrollment_store(std::string_view url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) {
    return open_pg_enrollment_store(parsed.location);
  }
  return EnrollmentStore::open(parsed.location);
}

Result<std::unique_ptr<StaffStore>> open_staff_store(std::string_view url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) return open_pg_staff_store(parsed.location);
  return StaffStore::open(parsed.location);
}

Result<std::unique_ptr<OfferStore>> OfferStore::open(const std::string& url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) return open_pg_offer_store(parsed.location);
  return open_sqlite_offer_store(parsed.location);
}

Result<std::unique_ptr<MemberRightsStore>> MemberRightsStore::open(const std::string& url) {
  RAPPORT_TRY(const auto parsed, parse_store_url(url));
  if (parsed.backend == StoreUrl::Backend::kPostgresql) {
    return open_pg_member_rights_store(parsed.location);
  }
  return open_sqlite_member_rights_store(parsed.location);
}

}  // namespace rapport::server
