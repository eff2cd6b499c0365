// server/storage/pg_errc.cpp
#include "server/storage/pg_errc.h"

#include "shared/util/error_category.h"

namespace rapport::server::pg {
namespace {

const char* describe(int value) {
  switch (static_cast<PgErrc>(value)) {
    case PgErrc::kCannotConnect:
      return "cannot connect to PostgreSQL; check the postgresql:// URL and that the server runs";
    case PgErrc::kConnectionLost:
      return "the connection to PostgreSQL was lost; nothing of the call was committed";
    case PgErrc::kSerialization:
      return "PostgreSQL aborted the transaction (deadlock or serialization); try again";
    case PgErrc::kQuery:
      return "PostgreSQL refused a statement (details in the log)";
    case PgErrc::kNotSupported:
      return "not yet supported on PostgreSQL (docs/schema.md, \"PostgreSQL\"; the log names "
             "the call); use a sqlite:// database for it";
    case PgErrc::kUnknownScheme:
      return "unknown storage URL: use sqlite:///path/file.db, a file path, or postgresql://...";
  }
  return "unknown PostgreSQL error";
}

}  // namespace

const boost::system::error_category& pg_category() noexcept {
  static const NamedErrorCategory category("rapport.pg", &describe);
  return category;
}

}  // namespace rapport::server::pg
