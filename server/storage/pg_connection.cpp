// server/storage/pg_connection.cpp
//
// libpq behind Connection, Rows and Transaction. Every statement goes through
// PQexecParams in text format: parameters are never spliced into SQL. Bulk rows go through
// COPY ... FROM STDIN (copy_in), escaped by append_copy_field.

#include "server/storage/pg_connection.h"

#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdlib>

#include "server/storage/pg_errc.h"
#include "shared/storage/storage_errc.h"

namespace rapport::server::pg {
namespace {

// SQLSTATE classes and codes we name (PostgreSQL manual, appendix A).
bool is_constraint(std::string_view state) { return state.substr(0, 2) == "23"; }
bool is_retryable(std::string_view state) { return state == "40001" || state == "40P01"; }

std::string_view shortened(std::string_view sql) { return sql.substr(0, 160); }

}  // namespace

Param param(std::int64_t value) { return std::to_string(value); }
Param flag(bool value) { return std::string(value ? "true" : "false"); }
std::string real_text(double value) {
  char text[32];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  return std::string(text, end);
}
Param param(std::string_view value) { return std::string(value); }
Param param(const std::string& value) { return value; }
Param param(const char* value) { return std::string(value); }
Param param(const std::optional<std::string>& value) { return value; }
Param param(const std::optional<std::int64_t>& value) {
  if (!value) return std::nullopt;
  return std::to_string(*value);
}

void append_copy_field(std::string& row, const std::optional<std::string_view>& value) {
  if (!value) {
    row += "\\N";
    return;
  }
  for (const char c : *value) {
    switch (c) {
      case '\\':
        row += "\\\\";
        break;
      case '\t':
        row += "\\t";
        break;
      case '\n':
        row += "\\n";
        break;
      case '\r':
        row += "\\r";
        break;
      default:
        row += c;
    }
  }
}

std::string text_array(std::span<const Param> values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    if (!values[i]) {
      out += "NULL";
      continue;
    }
    out += '"';
    for (const char c : *values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

struct Rows::Owned {
  explicit Owned(PGresult* r) : result(r) {}
  ~Owned() { PQclear(result); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  PGresult* result;
};

int Rows::columns() const { return PQnfields(owned_->result); }

std::size_t Rows::size() const { return static_cast<std::size_t>(PQntuples(owned_->result)); }

std::int64_t Rows::affected() const {
  const char* n = PQcmdTuples(owned_->result);
  std::int64_t value = 0;
  std::from_chars(n, n + std::char_traits<char>::length(n), value);
  return value;
}

bool Rows::is_null(std::size_t row, int col) const {
  return PQgetisnull(owned_->result, static_cast<int>(row), col) != 0;
}

std::string Rows::text(std::size_t row, int col) const {
  return PQgetvalue(owned_->result, static_cast<int>(row), col);
}

std::optional<std::string> Rows::optional_text(std::size_t row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return text(row, col);
}

std::int64_t Rows::int64(std::size_t row, int col) const {
  const char* v = PQgetvalue(owned_->result, static_cast<int>(row), col);
  std::int64_t value = 0;
  std::from_chars(v, v + std::char_traits<char>::length(v), value);
  return value;
}

std::optional<std::int64_t> Rows::optional_int64(std::size_t row, int col) const {
  if (is_null(row, col)) return std::nullopt;
  return int64(row, col);
}

double Rows::real(std::size_t row, int col) const {
  return std::strtod(PQgetvalue(owned_->result, static_cast<int>(row), col), nullptr);
}

bool Rows::boolean(std::size_t row, int col) const {
  return PQgetvalue(owned_->result, static_cast<int>(row), col)[0] == 't';
}

std::string Rows::column_name(int col) const { return PQfname(owned_->result, col); }

Rows::ColumnKind Rows::column_kind(int col) const {
  // The built-in types' fixed oids (pg_type.dat); server/catalog/pg_type_d.h is not in
  // libpq-dev's include path.
  switch (PQftype(owned_->result, col)) {
    case 20:  // int8
    case 21:  // int2
    case 23:  // int4
      return ColumnKind::kInteger;
    case 16:  // bool
      return ColumnKind::kBoolean;
    case 700:  // float4
    case 701:  // float8
      return ColumnKind::kReal;
    default:
      return ColumnKind::kText;
  }
}

struct Connection::Handle {
  explicit Handle(PGconn* c) : conn(c) {}
  ~Handle() { PQfinish(conn); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  PGconn* conn;
  bool in_transaction = false;  // between a Transaction's BEGIN and its end
};

Connection::Connection(std::unique_ptr<Handle> handle) : handle_(std::move(handle)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Result<Connection> Connection::open(const std::string& url) {
  auto handle = std::make_unique<Handle>(PQconnectdb(url.c_str()));
  if (handle->conn == nullptr || PQstatus(handle->conn) != CONNECTION_OK) {
    // The message names the host or socket, never a password (libpq leaves it out).
    spdlog::error("PostgreSQL: cannot connect: {}",
                  handle->conn ? PQerrorMessage(handle->conn) : "out of memory");
    return PgErrc::kCannotConnect;
  }
  // Notices ("relation already exists, skipping") go to the log, not to stderr.
  PQsetNoticeProcessor(
      handle->conn,
      [](void*, const char* message) { spdlog::debug("PostgreSQL: {}", message); }, nullptr);
  Connection connection(std::move(handle));
  // Times are ISO 8601 text written by Rapport; UTC keeps any server-side now() comparable.
  RAPPORT_TRY_VOID(connection.execute_script("SET TIME ZONE 'UTC'"));
  return connection;
}

Result<void> Connection::reopen_if_broken() {
  if (PQstatus(handle_->conn) == CONNECTION_OK) return {};
  if (handle_->in_transaction) return PgErrc::kConnectionLost;  // the transaction is gone
  PQreset(handle_->conn);
  if (PQstatus(handle_->conn) != CONNECTION_OK) {
    spdlog::error("PostgreSQL: connection lost and not re-established: {}",
                  PQerrorMessage(handle_->conn));
    return PgErrc::kConnectionLost;
  }
  spdlog::warn("PostgreSQL: connection lost and re-established");
  return execute_script("SET TIME ZONE 'UTC'");
}

Result<Rows> Connection::exec(std::string_view sql, std::span<const Param> params) {
  RAPPORT_TRY_VOID(reopen_if_broken());
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string statement(sql);
  PGresult* raw = PQexecParams(handle_->conn, statement.c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0);
  auto owned = std::make_shared<Rows::Owned>(raw);
  const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Rows(std::move(owned));
  return failure(raw, sql);
}

ErrorCode Connection::failure(const void* result, std::string_view sql) const {
  const auto* raw = static_cast<const PGresult*>(result);
  if (raw == nullptr || PQstatus(handle_->conn) == CONNECTION_BAD) {
    spdlog::error("PostgreSQL: connection lost: {}", PQerrorMessage(handle_->conn));
    return PgErrc::kConnectionLost;
  }
  const char* state_field = PQresultErrorField(raw, PG_DIAG_SQLSTATE);
  const std::string_view state = state_field ? state_field : "";
  if (is_constraint(state)) {
    spdlog::debug("PostgreSQL: constraint refused a row: {}", PQresultErrorMessage(raw));
    return storage::StorageErrc::kConstraint;
  }
  if (is_retryable(state)) {
    spdlog::warn("PostgreSQL: {}", PQresultErrorMessage(raw));
    return PgErrc::kSerialization;
  }
  spdlog::error("PostgreSQL: {} ({}) in: {}", PQresultErrorMessage(raw), state, shortened(sql));
  return PgErrc::kQuery;
}

Result<std::int64_t> Connection::copy_in(std::string_view sql, const CopyRows& rows) {
  RAPPORT_TRY_VOID(reopen_if_broken());
  PGconn* conn = handle_->conn;
  const std::string statement(sql);
  {
    const Rows started(std::make_shared<Rows::Owned>(PQexec(conn, statement.c_str())));
    const PGresult* raw = started.owned_->result;
    if (raw == nullptr || PQresultStatus(raw) != PGRES_COPY_IN) return failure(raw, sql);
  }
  // Ends the COPY (with `cancel` as the reason, or normally) and reads its outcome; libpq
  // wants every result read before the next statement.
  const auto end = [&](const char* cancel) -> Result<std::int64_t> {
    if (PQputCopyEnd(conn, cancel) != 1) return failure(nullptr, sql);
    Rows outcome(std::make_shared<Rows::Owned>(PQgetResult(conn)));
    while (PGresult* more = PQgetResult(conn)) PQclear(more);
    const PGresult* raw = outcome.owned_->result;
    if (raw != nullptr && PQresultStatus(raw) == PGRES_COMMAND_OK) return outcome.affected();
    if (cancel != nullptr) return PgErrc::kQuery;  // replaced by the caller's own error
    // Unlike a duplicate event, a refused row in a bulk load is news: say which and why.
    if (raw != nullptr) spdlog::warn("PostgreSQL: COPY failed: {}", PQresultErrorMessage(raw));
    return failure(raw, sql);
  };
  std::string buffer;
  for (bool more = true; more;) {
    buffer.clear();
    auto produced = rows(buffer);
    if (!produced) {
      (void)end("the rows' source failed");
      return produced.error();
    }
    more = *produced;
    if (!buffer.empty() &&
        PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      return failure(nullptr, sql);
    }
  }
  return end(nullptr);
}

Result<void> Connection::execute_script(std::string_view sql) {
  RAPPORT_TRY_VOID(reopen_if_broken());
  const std::string script(sql);
  Rows rows(std::make_shared<Rows::Owned>(PQexec(handle_->conn, script.c_str())));
  const PGresult* raw = rows.owned_->result;
  const auto status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return {};
  if (raw == nullptr || PQstatus(handle_->conn) == CONNECTION_BAD) {
    spdlog::error("PostgreSQL: connection lost: {}", PQerrorMessage(handle_->conn));
    return PgErrc::kConnectionLost;
  }
  spdlog::error("PostgreSQL: {} in: {}", PQresultErrorMessage(raw), shortened(sql));
  return PgErrc::kQuery;
}

Result<Transaction> Transaction::begin(Connection& connection) {
  RAPPORT_TRY_VOID(connection.execute_script("BEGIN"));
  connection.handle_->in_transaction = true;
  return Transaction(&connection);
}

Transaction::~Transaction() {
  if (connection_ == nullptr) return;
  (void)connection_->execute_script("ROLLBACK");
  connection_->handle_->in_transaction = false;
}

Result<void> Transaction::commit() {
  Connection* connection = connection_;
  connection_ = nullptr;  // a failed COMMIT has ended the transaction too
  auto committed = connection->execute_script("COMMIT");
  connection->handle_->in_transaction = false;
  return committed;
}

}  // namespace rapport::server::pg
