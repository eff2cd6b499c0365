// server/storage/pg_staff_store.h
//
// Internal to the PostgreSQL backend: StaffStore on PostgreSQL (PostgreSQL migration 7),
// statement for statement as the SQLite one (sqlite_staff_store.h), with the same answers;
// tests/unit/staff_store_contract_test.cpp runs one script on both and compares them.
// Members are defined in pg_staff_store.cpp (users, audit, opening), pg_staff_reads.cpp
// (regulars, visitors, a member's overview and page), pg_staff_owners.cpp (owners,
// follow-ups), pg_staff_panels.cpp (charts, this week, owners' results) and
// pg_staff_changes.cpp (merging and moving members).
//
// Thread-safety: one thread at a time, as the Connection.

#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "server/storage/pg_connection.h"
#include "server/storage/staff_store.h"

namespace rapport::server::pg {

class PgStaffStore final : public StaffStore {
 public:
  // `sessions`: the dashboard's sessions, on a connection of their own to the same database.
  PgStaffStore(Connection db, std::unique_ptr<SessionStore> sessions)
      : db_(std::move(db)), sessions_(std::move(sessions)) {}

  SessionStore& sessions() override { return *sessions_; }

  Result<std::int64_t> add_user(const NewStaffUser& user, const std::string& created_at) override;
  Result<std::vector<StaffUser>> list_users() override;
  Result<std::optional<StaffAccount>> find_user_by_name(const std::string& name) override;
  Result<std::optional<StaffAccount>> find_user(std::int64_t id) override;
  Result<void> set_password_hash(std::int64_t id, const std::string& password_hash) override;
  Result<bool> disable_user(std::int64_t id, const std::string& at) override;
  Result<void> record_audit(const AuditEntry& entry) override;
  Result<void> run_report(const reports::Report& report, const reports::Filter& filter,
                          reports::RowSink& sink) override;
  Result<std::vector<AuditEntry>> list_audit(std::size_t limit) override;
  Result<bool> store_exists(const std::string& store_id) override;
  Result<std::vector<std::string>> all_stores() override;
  Result<std::vector<RegularRow>> regulars(const std::string& store_id,
                                           std::size_t limit) override;
  Result<std::vector<VisitorRow>> visitors(const std::string& store_id,
                                           std::size_t limit) override;
  Result<bool> has_value_snapshots() override;
  Result<std::optional<MemberOverview>> member(std::int64_t id) override;
  Result<std::vector<StoreVisits>> member_visits_at(
      std::int64_t id, const std::vector<std::string>& stores) override;
  Result<std::vector<OwnerCandidate>> owner_candidates(const std::string& store_id) override;
  Result<void> set_owner(std::int64_t member_id, std::int64_t owner_id, std::int64_t assigned_by,
                         const std::string& at) override;
  Result<std::size_t> raise_follow_ups(const std::string& now) override;
  Result<std::vector<FollowUp>> open_follow_ups(const std::string& store_id) override;
  Result<std::optional<FollowUp>> follow_up(std::int64_t id) override;
  Result<bool> close_follow_up(std::int64_t id, std::int64_t closed_by,
                               const std::string& at) override;
  Result<MemberDetail> member_detail(std::int64_t id, std::size_t history_limit) override;
  Result<StoreCharts> store_charts(const std::string& store_id) override;
  Result<StoreOverview> store_overview(const std::string& store_id,
                                       const std::string& today) override;
  Result<std::vector<OwnerResult>> owner_results(const std::string& store_id,
                                                 const std::string& today) override;
  Result<bool> move_member(std::int64_t id, const std::string& store) override;
  Result<MergeOutcome> merge_members(std::int64_t keep, std::int64_t merge, const StaffUser& by,
                                     const std::string& at) override;

 private:
  Result<std::optional<StaffAccount>> find_where(std::string_view where, const Param& value);
  // Follow-ups (with member and owner) WHERE `where` ($1 is `value`), soonest due first.
  Result<std::vector<FollowUp>> follow_ups_where(std::string_view where, const Param& value);

  Connection db_;
  std::unique_ptr<SessionStore> sessions_;
};

}  // namespace rapport::server::pg
