// server/ctl/rights_cli.cpp
#include "server/ctl/rights_cli.h"

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>

#include "server/ctl/data_folder.h"
#include "server/storage/member_rights_store.h"
#include "shared/storage/storage_errc.h"
#include "shared/util/clock.h"

namespace rapport::ctl {
namespace {

// Opens the folder's database for members' rights; prints the problem and returns null.
std::unique_ptr<server::MemberRightsStore> open_rights(const std::filesystem::path& data) {
  auto folder = open_data_folder(data);
  if (!folder) return nullptr;
  folder->store.reset();  // one connection is enough
  auto store = server::MemberRightsStore::open(folder->config.database_url);
  if (!store) {
    // Not the URL itself: a postgresql:// one may hold a password.
    std::cerr << "error: cannot open the folder's database: " << store.error().message() << "\n";
    return nullptr;
  }
  return std::move(*store);
}

class RightsCommands final : public RightsCli {
 public:
  explicit RightsCommands(CLI::App& app) {
    auto* member = app.get_subcommand("member");
    export_ = member->add_subcommand(
        "export", "Print everything held about one member as JSON (their right of access)");
    export_->add_option("--data", export_data_, "Server data folder")->required();
    export_->add_option("--member", export_member_, "Member id")->required();
    export_->footer(
        "Example: rapportctl member export --data ./rapport-data --member 17 > member-17.json\n"
        "Keys: docs/members-rights.md. The file holds personal data: hand it over securely.");

    erase_ = member->add_subcommand(
        "erase",
        "Erase a member's personal data everywhere (server file, its WAL, terminals at their "
        "next sync); their events stay under the member id");
    erase_->add_option("--data", erase_data_, "Server data folder")->required();
    erase_->add_option("--member", erasure_.member_id, "Member id")->required();
    erase_->add_option("--reason", erasure_.reason,
                       "Why (kept in the erasure record; no personal data)")
        ->required();
    erase_->add_option("--staff", erasure_.staff, "Who is erasing (kept in the erasure record)")
        ->required();
    erase_->footer(
        "Example: rapportctl member erase --data ./rapport-data --member 17 "
        "--reason \"customer request 2026-11-26\" --staff j.smith\n"
        "Cannot be undone. Export first if the customer asked for their data. The database "
        "file is rebuilt (VACUUM): writers wait meanwhile, and it needs free disk space the "
        "size of the database.");
  }

  std::optional<int> run() const override {
    if (*export_) return run_export();
    if (*erase_) return run_erase();
    return std::nullopt;
  }

 private:
  int run_export() const {
    const auto store = open_rights(export_data_);
    if (!store) return 1;
    const auto exported = store->export_member(export_member_);
    if (!exported) {
      std::cerr << "error: cannot read member " << export_member_ << ": "
                << exported.error().message() << "\n";
      return 1;
    }
    if (!*exported) {
      std::cerr << "error: there is no member " << export_member_
                << " (rapportctl member list shows them)\n";
      return 1;
    }
    std::cout << **exported << "\n";
    return 0;
  }

  int run_erase() const {
    if (erasure_.reason.empty() || erasure_.staff.empty()) {
      std::cerr << "error: --reason and --staff must not be empty\n";
      return 2;
    }
    const auto store = open_rights(erase_data_);
    if (!store) return 1;
    auto erasure = erasure_;
    erasure.at = now_iso8601();
    const auto outcome = store->erase_member(erasure);
    if (!outcome) {
      std::cerr << "error: cannot erase member " << erasure.member_id << ": "
                << outcome.error().message();
      if (outcome.error() == storage::StorageErrc::kBusy) {
        std::cerr << " (the erasure is recorded, but other connections still held old data: "
                     "on SQLite pages in the -wal file, on PostgreSQL sessions with snapshots "
                     "from before it; run the same command again, or stop rapport-server "
                     "for a moment first)";
      } else {
        std::cerr << " (if the erasure was recorded, its data may remain in old bytes until "
                     "the rewrite succeeds: on PostgreSQL the role needs to own the database and "
                     "be allowed CHECKPOINT; fix that and run the same command again, "
                     "docs/members-rights.md)";
      }
      std::cerr << "\n";
      return 1;
    }
    if (!*outcome) {
      std::cerr << "error: there is no member " << erasure.member_id
                << " (rapportctl member list shows them)\n";
      return 1;
    }
    if ((*outcome)->already_erased) {
      std::cout << "member " << erasure.member_id
                << " was already erased; the database was rewritten again\n";
      return 0;
    }
    std::cout << "member " << erasure.member_id << " erased: " << (*outcome)->cards_removed
              << " card(s), " << (*outcome)->notes_removed
              << " note(s) removed; database rewritten; terminals remove the member at "
                 "their next sync\n";
    return 0;
  }

  CLI::App* export_ = nullptr;
  std::filesystem::path export_data_;
  std::int64_t export_member_ = 0;
  CLI::App* erase_ = nullptr;
  std::filesystem::path erase_data_;
  server::Erasure erasure_;
};

}  // namespace

std::unique_ptr<RightsCli> add_rights_commands(CLI::App& app) {
  return std::make_unique<RightsCommands>(app);
}

}  // namespace rapport::ctl
