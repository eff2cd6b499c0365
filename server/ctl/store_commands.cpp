// server/ctl/store_commands.cpp
//
// `rapportctl store add` and `rapportctl store list`: the chain's stores.

#include <algorithm>
#include <iostream>

#include "server/ctl/commands.h"
#include "server/ctl/data_folder.h"
#include "shared/storage/storage_errc.h"

namespace rapport::ctl {

int run_store_add(const std::filesystem::path& data, const std::string& id,
                  const std::string& name) {
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

}  // namespace rapport::ctl
