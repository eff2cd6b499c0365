// shared/storage/storage_errc.h
//
// Failures of the SQLite layer, in SQLite-independent terms. Callers decide what is
// expected: kBusy is retried, kConstraint means "already there", the rest are reported.

#pragma once

#include <type_traits>

#include "shared/util/result.h"

namespace rapport::storage {

enum class StorageErrc {
  kCannotOpen = 1,  // the file or its folder is missing, unreadable, or not a database
  kBusy,            // another connection holds the lock past the busy timeout: retry later
  kConstraint,      // a UNIQUE / NOT NULL / FOREIGN KEY rule refused the row
  kDiskFull,        // the disk or quota is full: nothing was written
  kIo,              // the OS failed a read, write or fsync
  kCorrupt,         // the file is damaged or not a Rapport database
  kMisuse,          // a statement was used wrongly (a bug: wrong column, bad SQL)
  kSchemaTooNew,    // the file was written by a newer Rapport: upgrade this program
  kOther,           // any other SQLite result code; details are logged
};

[[nodiscard]] const boost::system::error_category& storage_category() noexcept;

inline ErrorCode make_error_code(StorageErrc e) noexcept {
  return {static_cast<int>(e), storage_category()};
}

}  // namespace rapport::storage

template <>
struct boost::system::is_error_code_enum<rapport::storage::StorageErrc> : std::true_type {};
