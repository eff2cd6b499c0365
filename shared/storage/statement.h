// shared/storage/statement.h
//
// A compiled SQL statement. Bind parameters (1-based, as SQLite counts them), step through
// the rows, reset, and bind again: prepare once, run many times.
//
// Thread-safety: as its Database. Requires: does not outlive the Database that prepared it.

#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>
#include <string_view>

#include "shared/util/result.h"

namespace rapport::storage {

class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  ~Statement();

  // Binding clears nothing else; reset() keeps bindings, clear() drops them.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  // Binds `text` without SQLite copying it: for a loop binding a million rows, where the copy
  // (a malloc and free per text column and row) is a real part of the time.
  // Requires: `text` stays alive and unchanged until the statement is bound again at
  // `index`, cleared or destroyed (SQLite reads it at every step until then).
  Statement& bind_unowned(int index, std::string_view text);
  Statement& bind(int index, double value);
  // Bytes stored as a BLOB (copied, as text is).
  Statement& bind_blob(int index, std::span<const std::uint8_t> bytes);
  Statement& bind_null(int index);
  // Binds `value` or NULL when it is empty.
  Statement& bind_optional(int index, const std::optional<std::string>& value);
  Statement& bind_optional(int index, std::optional<std::int64_t> value);
  Statement& bind_optional(int index, std::optional<double> value);

  // Advances to the next row: true when a row is ready to read, false when done.
  [[nodiscard]] Result<bool> step();
  // Runs a statement that returns no rows; resets it afterwards so it can run again.
  [[nodiscard]] Result<void> run();
  // Makes the statement ready to run again, keeping its bindings.
  void reset();

  // Columns of the current row, 0-based. Requires: the last step() returned true.
  [[nodiscard]] std::int64_t column_int64(int column) const;
  [[nodiscard]] double column_double(int column) const;
  [[nodiscard]] std::string column_text(int column) const;
  [[nodiscard]] std::optional<std::string> column_optional_text(int column) const;
  // A BLOB's bytes (a text's, if the column holds text); empty for NULL.
  [[nodiscard]] std::vector<std::uint8_t> column_blob(int column) const;
  [[nodiscard]] bool column_is_null(int column) const;

  // What a row holds, for code that reads any query's rows generically (a member's data
  // export). kInteger, kReal, kText or kBlob as SQLite stored the value; kNull for NULL.
  enum class ColumnKind { kNull, kInteger, kReal, kText, kBlob };
  [[nodiscard]] int column_count() const;
  [[nodiscard]] std::string column_name(int column) const;
  [[nodiscard]] ColumnKind column_kind(int column) const;

 private:
  friend class Database;
  struct Handle;  // Wraps sqlite3_stmt; defined in statement.cpp.
  explicit Statement(Handle* handle) : handle_(handle) {}
  // Takes ownership of a prepared sqlite3_stmt (typed void* to keep sqlite3.h out of here).
  static Statement adopt(void* prepared_stmt);

  Handle* handle_;  // Owned; null when moved from.
};

}  // namespace rapport::storage
