// shared/util/huge_pages.h
//
// Advice to the kernel for a large array about to be filled: back it with 2 MiB pages.
// A million-member value refresh fills a few hundred MB of fresh vectors; with 4 KiB pages
// each first touch is a page fault, and on a virtual machine those faults were a third of
// the work (perf, docs/performance.md). Transparent huge pages in "madvise" mode (Debian's
// default) only serve ranges advised this way.
//
// The arrays Rapport allocates on purpose are advised one by one (below). Everything else
// malloc hands out during a refresh (strings, maps, SQLite's page cache) is faulted in 4 KiB
// at a time unless glibc itself asks for huge pages, which it does only when the tunable
// glibc.malloc.hugetlb=1 is in GLIBC_TUNABLES at start (glibc 2.35+, no mallopt for it):
// that took 2 s off a 10 s refresh of a 1M-member chain (docs/performance.md).
//
// Thread-safety: stateless. Errors are ignored: the advice is an optimisation only.

#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace rapport {

// Advises the whole 2 MiB-aligned part of [data, data + bytes). No-op for small ranges and
// where the kernel does not support it.
void advise_huge_pages(const void* data, std::size_t bytes);

// Reserves room for `count` elements and advises it, before any element is written.
template <typename T>
void reserve_with_huge_pages(std::vector<T>& v, std::size_t count) {
  v.reserve(count);
  advise_huge_pages(v.data(), v.capacity() * sizeof(T));
}

// Called first thing in main() by the programs that run large passes (rapport-server,
// rapportctl, the value benchmarks): when the kernel serves huge pages on advice and
// GLIBC_TUNABLES does not mention glibc.malloc.hugetlb yet, runs this same program again
// (execv of /proc/self/exe, same pid, same arguments) with glibc.malloc.hugetlb=1 appended.
// Returns normally when nothing is to be done or the exec fails. Does nothing in sanitizer
// builds (their malloc is the sanitizer's) or off glibc. Setting the tunable yourself, e.g.
// GLIBC_TUNABLES=glibc.malloc.hugetlb=0, opts out.
void restart_with_malloc_huge_pages(char** argv);

// The GLIBC_TUNABLES value that adds glibc.malloc.hugetlb=1 to `current` (may be null), or
// nothing when `current` names that tunable already.
std::optional<std::string> tunables_with_malloc_huge_pages(const char* current);

}  // namespace rapport
