// shared/storage/storage_errc.cpp
#include "shared/storage/storage_errc.h"

#include "shared/util/error_category.h"

namespace rapport::storage {
namespace {

const char* describe(int value) {
  switch (static_cast<StorageErrc>(value)) {
    case StorageErrc::kCannotOpen:
      return "cannot open the database file";
    case StorageErrc::kBusy:
      return "the database is busy; try again";
    case StorageErrc::kConstraint:
      return "a database constraint refused the row";
    case StorageErrc::kDiskFull:
      return "the disk is full; free space and try again";
    case StorageErrc::kIo:
      return "the operating system failed a disk read or write";
    case StorageErrc::kCorrupt:
      return "the database file is damaged or not a Rapport database";
    case StorageErrc::kMisuse:
      return "a database statement was misused (a bug)";
    case StorageErrc::kSchemaTooNew:
      return "the database was written by a newer Rapport; upgrade this program";
    case StorageErrc::kOther:
      return "a database operation failed";
  }
  return "unknown storage error";
}

}  // namespace

const boost::system::error_category& storage_category() noexcept {
  static const NamedErrorCategory category("rapport.storage", &describe);
  return category;
}

}  // namespace rapport::storage
