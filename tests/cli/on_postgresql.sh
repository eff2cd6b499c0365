# Sourced by the cli tests that run a data folder on PostgreSQL (docs/deployment.md, "On
# PostgreSQL"): move_folder_to_postgresql RAPPORTCTL DATA makes a database in the run's
# throwaway cluster (RAPPORT_PG_CLUSTER, tests/support/pg_cluster.h), moves the folder's chain
# there with `storage migrate` as an operator would, points server.toml at it and removes the
# SQLite file, so nothing can be read from it. The database is dropped when the script exits.
# Sets pg_socket and pg_db for the caller's own psql checks.
move_folder_to_postgresql() {
  local ctl=$1 data=$2
  [ -n "${RAPPORT_PG_CLUSTER:-}" ] || { echo "FAIL: RAPPORT_PG_CLUSTER is not set (run through ctest)" >&2; exit 1; }
  pg_socket=$(cat "$RAPPORT_PG_CLUSTER/socket_dir")
  pg_db="cli_folder_$$"
  psql -h "$pg_socket" -U root -d postgres -qc "CREATE DATABASE $pg_db" >/dev/null
  trap 'psql -h "$pg_socket" -U root -d postgres -qc "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true' EXIT
  local url="postgresql:///$pg_db?host=$pg_socket&user=root"
  "$ctl" storage migrate --from "sqlite://$data/rapport.db" --to "$url" >/dev/null 2>&1
  sed -i "s|^database = .*|database = \"${url//&/\\&}\"|" "$data/server.toml"
  rm -f "$data"/rapport.db*
}
