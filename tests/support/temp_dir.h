// tests/support/temp_dir.h
//
// A fresh folder under the system temp dir for one test, removed afterwards.

#pragma once

#include <filesystem>
#include <string>

namespace rapport::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::filesystem::path operator/(const std::string& name) const {
    return path_ / name;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace rapport::testing
