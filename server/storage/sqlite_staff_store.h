// server/storage/sqlite_staff_store.h
//
// Internal to the SQLite backend: StaffStore's implementation class, whose members are
// defined in staff_store.cpp (users, audit), staff_store_reads.cpp (dashboard reads),
// staff_store_owners.cpp (owners, follow-ups) and staff_store_member.cpp (a member's page),
// staff_store_merge.cpp (merging two members),
// staff_store_charts.cpp (the charts' figures), staff_store_overview.cpp (this week).

#pragma once

#include <functional>
#include <string_view>

#include "server/storage/staff_store.h"
#include "shared/storage/database.h"

namespace rapport::server::sqlite {

class SqliteStaffStore final : public StaffStore {
 public:
  explicit SqliteStaffStore(storage::Database db)
      : db_(std::move(db)), sessions_(sqlite_session_store_on(db_)) {}

  SessionStore& sessions() override { return *sessions_; }

  Result<std::int64_t> add_user(const NewStaffUser& user, const std::string& created_at) override;
  Result<std::vector<StaffUser>> list_users() override;
  Result<std::optional<StaffAccount>> find_user_by_name(const std::string& name) override;
  Result<std::optional<StaffAccount>> find_user(std::int64_t id) override;
  Result<void> set_password_hash(std::int64_t id, const std::string& password_hash) override;
  Result<bool> disable_user(std::int64_t id, const std::string& at) override;
  Result<void> record_audit(const AuditEntry& entry) override;
  Result<void> run_report(const reports::Report& report, const reports::Filter& filter,
                          reports::RowSink& sink) override {
    return report.run(db_, filter, sink);
  }
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
  using BindOne = std::function<void(storage::Statement&)>;
  Result<std::optional<StaffAccount>> find_where(std::string_view where, const BindOne& bind);
  Result<std::vector<std::string>> stores_of(std::int64_t user_id);
  // Follow-ups (with member and owner) WHERE `where`, soonest due first.
  Result<std::vector<FollowUp>> follow_ups_where(std::string_view where, const BindOne& bind);

  storage::Database db_;
  std::unique_ptr<SessionStore> sessions_;  // on db_; declared after it
};

}  // namespace rapport::server::sqlite
