// server/ctl/store_commands.cpp
//
// `rapportctl store add`, `store list` and `store set-region`: the chain's stores and their
// regions (docs/reports.md, "Regions").

#include <algorithm>
#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "shared/storage/storage_errc.h"

namespace rapport::ctl {

namespace {

bool valid_region(const std::string& region) {
  return region.size() <= 40 && std::all_of(region.begin(), region.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                  c == ' ';
         });
}

}  // namespace

int run_store_add(const std::filesystem::path& data, const std::string& id,
                  const std::string& name, const std::optional<std::string>& region) {
  if (region && (region->empty() || !valid_region(*region))) {
    std::cerr << "error: --region must be 1-40 letters, digits, spaces, '-' or '_', not '"
              << *region << "'\n";
    return 2;
  }
  const bool valid_id = !id.empty() && id.size() <= 32 &&
                        std::all_of(id.begin(), id.end(), [](char c) {
                          return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                                 c == '_';
                        });
  if (!valid_id) {
    std::cerr << "error: --id must be 1-32 letters, digits, '-' or '_', not '" << id << "'\n";
    return 2;
  }
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  if (auto added = folder->store->add_store(id, name.empty() ? id : name); !added) {
    std::cerr << "error: cannot add store '" << id << "': " << added.error().message();
    if (added.error() == storage::StorageErrc::kConstraint) std::cerr << " (it exists already)";
    std::cerr << "\n";
    return 1;
  }
  if (region) {
    if (auto set = folder->store->set_store_region(id, region); !set) {
      std::cerr << "error: store " << id << " was added but its region was not set: "
                << set.error().message() << "; run: rapportctl store set-region --data "
                << data.string() << " --id " << id << " --region '" << *region << "'\n";
      return 1;
    }
  }
  std::cout << "store " << id << " added; issue its terminals with: rapportctl terminal issue "
            << "--data " << data.string() << " --id T? --store " << id << "\n";
  return 0;
}

int run_store_list(const std::filesystem::path& data) {
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto stores = folder->store->list_stores();
  if (!stores) {
    std::cerr << "error: cannot list stores: " << stores.error().message() << "\n";
    return 1;
  }
  for (const auto& id : *stores) std::cout << id << "\n";
  return 0;
}

int run_store_set_region(const std::filesystem::path& data, const std::string& id,
                         const std::string& region) {
  if (!valid_region(region)) {
    std::cerr << "error: --region must be up to 40 letters, digits, spaces, '-' or '_' (empty "
                 "clears it), not '" << region << "'\n";
    return 2;
  }
  auto folder = open_data_folder(data);
  if (!folder) return 1;
  const auto set = folder->store->set_store_region(
      id, region.empty() ? std::nullopt : std::optional<std::string>(region));
  if (!set) {
    std::cerr << "error: cannot set the region of store '" << id << "': "
              << set.error().message() << "\n";
    return 1;
  }
  if (!*set) {
    std::cerr << "error: there is no store '" << id << "' (rapportctl store list --data "
              << data.string() << " lists them)\n";
    return 1;
  }
  if (region.empty()) {
    std::cout << "store " << id << " has no region now\n";
  } else {
    std::cout << "store " << id << " is in region " << region << "\n";
  }
  return 0;
}

}  // namespace rapport::ctl
