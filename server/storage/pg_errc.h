// server/storage/pg_errc.h
//
// Failures of the PostgreSQL backend (docs/schema.md, "PostgreSQL") that have no SQLite
// counterpart, and what the backend cannot do yet. Conditions both backends share arrive as
// storage::StorageErrc instead (kConstraint for a refused row, kSchemaTooNew), so callers
// test one code whatever the backend.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::server::pg {

enum class PgErrc {
  kCannotConnect = 1,  // the server did not accept the connection: check the URL and that it runs
  kConnectionLost,     // the connection broke mid-call: nothing of the call was committed
  kSerialization,      // a deadlock or serialization failure: the transaction may be retried
  kQuery,              // the server refused a statement (a bug: bad SQL); details are logged
  kNotSupported,       // a Store call the PostgreSQL backend does not do yet (logged by name)
  kUnknownScheme,      // a storage URL that is neither sqlite:// , a path, nor postgresql://
};

[[nodiscard]] const boost::system::error_category& pg_category() noexcept;

inline ErrorCode make_error_code(PgErrc e) noexcept { return {static_cast<int>(e), pg_category()}; }

}  // namespace rapport::server::pg

template <>
struct boost::system::is_error_code_enum<rapport::server::pg::PgErrc> : std::true_type {};
