// shared/util/files.h
//
// Small file helpers with the durability and privacy Rapport needs: secrets are written
// readable by their owner only, and a file is replaced atomically (write, fsync, rename).

#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace rapport {

// Writes `content` to `file` through a temporary file and rename, so readers see the old or
// the new content, never half. `owner_only` sets mode 0600 before any byte is written.
// Throws std::runtime_error naming the file on failure (used by admin tools and start-up).
void write_file_atomically(const std::filesystem::path& file, std::string_view content,
                           bool owner_only);

// The whole file, or nullopt when it cannot be read.
[[nodiscard]] std::optional<std::string> read_file(const std::filesystem::path& file);

// True when group or others may read `file` (a secret stored carelessly).
[[nodiscard]] bool readable_by_others(const std::filesystem::path& file);

}  // namespace rapport
