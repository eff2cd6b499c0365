// server/storage/pg_connection.h
//
// One connection to PostgreSQL: the only door from Rapport code to libpq (libpq-fe.h is
// included by pg_connection.cpp alone). Statements take their parameters as text ($1, $2,
// ...; PostgreSQL converts them to the columns' types) and return rows as text, so no
// value is ever spliced into SQL. Failures arrive as values: StorageErrc::kConstraint for a
// row a constraint refused (as on SQLite), PgErrc for the rest (details logged).
//
// Thread-safety: one thread at a time per Connection (and its Transactions).

#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "shared/util/result.h"

namespace rapport::server::pg {

// A statement parameter in PostgreSQL's text form; nullopt is SQL NULL.
using Param = std::optional<std::string>;

[[nodiscard]] Param param(std::int64_t value);
[[nodiscard]] Param param(std::string_view value);
[[nodiscard]] Param param(const std::string& value);
[[nodiscard]] Param param(const char* value);
[[nodiscard]] Param param(const std::optional<std::string>& value);
[[nodiscard]] Param param(const std::optional<std::int64_t>& value);
// A boolean (its own name: a literal or pointer would silently convert to bool).
[[nodiscard]] Param flag(bool value);
// A double in the shortest text that reads back as the same double (PostgreSQL's own output
// form since version 12), so a real goes in and comes out bit for bit.
[[nodiscard]] std::string real_text(double value);

// A text[] literal ({"a","b",NULL}) holding a whole column of a batch as ONE parameter, for
// set-based statements (`unnest($1::text[], $2::text[])`): one round trip for a batch.
[[nodiscard]] std::string text_array(std::span<const Param> values);

// Appends one field of a COPY ... FROM STDIN row in text format to `row`: \\N for NULL, else
// the value with backslash, tab, newline and carriage return escaped. The caller puts a tab
// between fields and a newline after the last.
void append_copy_field(std::string& row, const std::optional<std::string_view>& value);

// Fills `buffer` (handed over empty) with whole COPY rows; false once nothing is left (what
// the last call appended is still sent). An error aborts the COPY.
using CopyRows = std::function<Result<bool>(std::string& buffer)>;

// The rows a statement returned (and how many it changed). Cheap to copy; owns the result.
class Rows {
 public:
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] int columns() const;
  // Rows inserted, updated or deleted (also counts rows returned by ... RETURNING).
  [[nodiscard]] std::int64_t affected() const;
  // Requires: row < size(), col < the statement's column count.
  [[nodiscard]] bool is_null(std::size_t row, int col) const;
  [[nodiscard]] std::string text(std::size_t row, int col) const;  // "" for NULL
  [[nodiscard]] std::optional<std::string> optional_text(std::size_t row, int col) const;
  [[nodiscard]] std::int64_t int64(std::size_t row, int col) const;  // 0 for NULL
  [[nodiscard]] std::optional<std::int64_t> optional_int64(std::size_t row, int col) const;
  [[nodiscard]] double real(std::size_t row, int col) const;
  [[nodiscard]] bool boolean(std::size_t row, int col) const;  // a boolean column ('t')

  // A column's name and the kind of its values, for readers that take whatever columns a
  // query returns (members' export): int2/int4/int8, bool, float4/float8, and every other
  // type as text.
  enum class ColumnKind { kInteger, kBoolean, kReal, kText };
  [[nodiscard]] std::string column_name(int col) const;
  [[nodiscard]] ColumnKind column_kind(int col) const;

 private:
  friend class Connection;
  struct Owned;  // Holds the PGresult; defined in pg_connection.cpp.
  explicit Rows(std::shared_ptr<const Owned> owned) : owned_(std::move(owned)) {}
  std::shared_ptr<const Owned> owned_;
};

class Connection {
 public:
  // Connects to `url` (a libpq URI: postgresql://user@host/db, postgresql:///db?host=/dir;
  // connect_timeout=N bounds the wait) and sets the session to UTC. PgErrc::kCannotConnect
  // (reason logged) on failure. A connection that breaks (the server restarted, a failover)
  // is re-established before the next statement outside a transaction; inside one, every
  // statement fails with PgErrc::kConnectionLost until the Transaction ends.
  [[nodiscard]] static Result<Connection> open(const std::string& url);

  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Runs one statement with `params` bound to $1, $2, ...
  [[nodiscard]] Result<Rows> exec(std::string_view sql, std::span<const Param> params);
  [[nodiscard]] Result<Rows> exec(std::string_view sql, std::initializer_list<Param> params = {}) {
    return exec(sql, std::span<const Param>(params.begin(), params.size()));
  }
  // Runs `sql`, a COPY ... FROM STDIN in text format, sending what `rows` produces as it
  // comes: one statement however many rows (bulk loads, `rapportctl storage migrate`).
  // Returns the rows stored. When `rows` fails, the COPY is cancelled (nothing of it stays)
  // and its error returned; a row the table refuses fails the whole COPY as exec() would.
  [[nodiscard]] Result<std::int64_t> copy_in(std::string_view sql, const CopyRows& rows);
  // Runs a script of several statements without parameters (migrations). Not for input.
  [[nodiscard]] Result<void> execute_script(std::string_view sql);

 private:
  friend class Transaction;  // marks handle_ in and out of a transaction
  struct Handle;             // Owns the PGconn; defined in pg_connection.cpp.
  explicit Connection(std::unique_ptr<Handle> handle);
  [[nodiscard]] Result<void> reopen_if_broken();
  // The error for a failed statement's result (a PGresult, null when none came), logged.
  [[nodiscard]] ErrorCode failure(const void* result, std::string_view sql) const;
  std::unique_ptr<Handle> handle_;
};

// BEGIN on creation; ROLLBACK on destruction unless commit() succeeded, so an early return
// never leaves half a batch behind. When commit() returns success, the transaction is
// durable (synchronous_commit as the server is configured: on by default).
class Transaction {
 public:
  [[nodiscard]] static Result<Transaction> begin(Connection& connection);
  Transaction(Transaction&& other) noexcept : connection_(other.connection_) {
    other.connection_ = nullptr;
  }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  [[nodiscard]] Result<void> commit();

 private:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  Connection* connection_;  // Null once committed or moved from.
};

}  // namespace rapport::server::pg
