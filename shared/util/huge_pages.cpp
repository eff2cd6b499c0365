// shared/util/huge_pages.cpp
#include "shared/util/huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>

namespace rapport {

void advise_huge_pages(const void* data, std::size_t bytes) {
#ifdef MADV_HUGEPAGE
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (data == nullptr || last <= first) return;
  (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kOwnMalloc = true;
#else
constexpr bool kOwnMalloc = false;
#endif

// "always [madvise] never": glibc's advice only helps in the first two modes.
bool kernel_takes_huge_page_advice() {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(mode, line)) return false;
  return line.find("[never]") == std::string::npos;
}

}  // namespace

std::optional<std::string> tunables_with_malloc_huge_pages(const char* current) {
  constexpr std::string_view kTunable = "glibc.malloc.hugetlb";
  const std::string tunables = current ? current : "";
  if (tunables.find(kTunable) != std::string::npos) return std::nullopt;  // set, by us or the user
  return (tunables.empty() ? std::string() : tunables + ":") + std::string(kTunable) + "=1";
}

void restart_with_malloc_huge_pages(char** argv) {
#ifdef __GLIBC__
  if (kOwnMalloc || argv == nullptr || argv[0] == nullptr) return;
  const char* current = std::getenv("GLIBC_TUNABLES");
  const auto wanted = tunables_with_malloc_huge_pages(current);
  if (!wanted || !kernel_takes_huge_page_advice()) return;
  const std::optional<std::string> before = current ? std::optional<std::string>(current) : std::nullopt;
  if (::setenv("GLIBC_TUNABLES", wanted->c_str(), 1) != 0) return;
  ::execv("/proc/self/exe", argv);
  // Still here: no /proc, or the binary is gone. Carry on with 4 KiB pages, as before.
  if (before) {
    ::setenv("GLIBC_TUNABLES", before->c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
#else
  (void)argv;
#endif
}

}  // namespace rapport
