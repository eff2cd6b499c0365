// shared/storage/statement.cpp
#include "shared/storage/statement.h"

#include <sqlite3.h>

#include <utility>

#include "shared/storage/sqlite_error.h"

namespace rapport::storage {

struct Statement::Handle {
  sqlite3_stmt* stmt;
};

Statement Statement::adopt(void* prepared_stmt) {
  return Statement(new Handle{static_cast<sqlite3_stmt*>(prepared_stmt)});
}

Statement::Statement(Statement&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    this->~Statement();
    handle_ = std::exchange(other.handle_, nullptr);
  }
  return *this;
}

Statement::~Statement() {
  if (handle_ != nullptr) {
    sqlite3_finalize(handle_->stmt);
    delete handle_;
    handle_ = nullptr;
  }
}

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(handle_->stmt, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies the text, so temporaries are safe to pass.
  sqlite3_bind_text64(handle_->stmt, index, text.data(), text.size(), SQLITE_TRANSIENT,
                      SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_unowned(int index, std::string_view text) {
  sqlite3_bind_text64(handle_->stmt, index, text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::uint8_t> bytes) {
  sqlite3_bind_blob64(handle_->stmt, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  return *this;
}

Statement& Statement::bind(int index, double value) {
  sqlite3_bind_double(handle_->stmt, index, value);
  return *this;
}

Statement& Statement::bind_null(int index) {
  sqlite3_bind_null(handle_->stmt, index);
  return *this;
}

Statement& Statement::bind_optional(int index, const std::optional<std::string>& value) {
  return value ? bind(index, std::string_view(*value)) : bind_null(index);
}

Statement& Statement::bind_optional(int index, std::optional<std::int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind_optional(int index, std::optional<double> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(handle_->stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const ErrorCode error =
      detail::sqlite_error(rc, sqlite3_db_handle(handle_->stmt), sqlite3_sql(handle_->stmt));
  sqlite3_reset(handle_->stmt);
  return Result<bool>(boost::system::in_place_error, error);
}

Result<void> Statement::run() {
  auto stepped = step();
  reset();
  if (!stepped) return stepped.error();
  return {};
}

void Statement::reset() { sqlite3_reset(handle_->stmt); }

std::int64_t Statement::column_int64(int column) const {
  return sqlite3_column_int64(handle_->stmt, column);
}

double Statement::column_double(int column) const {
  return sqlite3_column_double(handle_->stmt, column);
}

std::string Statement::column_text(int column) const {
  const auto* text = sqlite3_column_text(handle_->stmt, column);
  if (text == nullptr) return {};
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(handle_->stmt, column));
  return {reinterpret_cast<const char*>(text), size};
}

std::vector<std::uint8_t> Statement::column_blob(int column) const {
  const auto* bytes = static_cast<const std::uint8_t*>(sqlite3_column_blob(handle_->stmt, column));
  if (bytes == nullptr) return {};
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(handle_->stmt, column));
  return {bytes, bytes + size};
}

std::optional<std::string> Statement::column_optional_text(int column) const {
  if (column_is_null(column)) return std::nullopt;
  return column_text(column);
}

bool Statement::column_is_null(int column) const {
  return sqlite3_column_type(handle_->stmt, column) == SQLITE_NULL;
}

int Statement::column_count() const { return sqlite3_column_count(handle_->stmt); }

std::string Statement::column_name(int column) const {
  const char* name = sqlite3_column_name(handle_->stmt, column);
  return name == nullptr ? std::string() : std::string(name);
}

Statement::ColumnKind Statement::column_kind(int column) const {
  switch (sqlite3_column_type(handle_->stmt, column)) {
    case SQLITE_INTEGER:
      return ColumnKind::kInteger;
    case SQLITE_FLOAT:
      return ColumnKind::kReal;
    case SQLITE_TEXT:
      return ColumnKind::kText;
    case SQLITE_BLOB:
      return ColumnKind::kBlob;
    default:
      return ColumnKind::kNull;
  }
}

}  // namespace rapport::storage
