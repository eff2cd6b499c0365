// server/storage/sqlite_schema.h
//
// The server's SQLite schema as numbered migrations (docs/schema.md explains each table).
// Append new migrations; never edit one that has shipped.

#pragma once

#include <array>

#include "shared/storage/database.h"

namespace rapport::server {

inline constexpr std::array<storage::Migration, 2> kSqliteMigrations{{
    {1, R"sql(
CREATE TABLE stores (
  id   TEXT PRIMARY KEY,
  name TEXT NOT NULL
);
CREATE TABLE members (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  home_store TEXT NOT NULL REFERENCES stores(id),
  birth_date TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX members_home_store ON members(home_store);
CREATE TABLE cards (
  token     TEXT PRIMARY KEY,
  member_id INTEGER NOT NULL REFERENCES members(id),
  last4     TEXT NOT NULL,
  status    TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'blocked')),
  issued_at TEXT NOT NULL
);
CREATE INDEX cards_member ON cards(member_id);
CREATE TABLE terminals (
  id                 TEXT PRIMARY KEY,
  store_id           TEXT NOT NULL REFERENCES stores(id),
  certificate_serial TEXT NOT NULL,
  issued_at          TEXT NOT NULL,
  revoked_at         TEXT
);
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  id          TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,
  terminal_id TEXT NOT NULL,
  store_id    TEXT NOT NULL,
  card_token  TEXT NOT NULL,
  member_id   INTEGER REFERENCES members(id),
  occurred_at TEXT NOT NULL,
  received_at TEXT NOT NULL
);
CREATE INDEX events_member ON events(member_id, kind);
)sql"},
    // Terminal enrollment codes (server/storage/enrollment_store.cpp): only the secret's
    // SHA-256 is kept; a code is spent when used_at is set. One pending code per terminal id.
    {2, R"sql(
CREATE TABLE enrollment_codes (
  terminal_id TEXT PRIMARY KEY,
  store_id    TEXT NOT NULL REFERENCES stores(id),
  secret_hash TEXT NOT NULL,
  created_at  TEXT NOT NULL,
  expires_at  TEXT NOT NULL,
  used_at     TEXT
);
)sql"},
}};

}  // namespace rapport::server
