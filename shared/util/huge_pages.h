// shared/util/huge_pages.h
//
// Advice to the kernel for a large array about to be filled: back it with 2 MiB pages.
// A million-member value refresh fills a few hundred MB of fresh vectors; with 4 KiB pages
// each first touch is a page fault, and on a virtual machine those faults were a third of
// the work (perf, docs/performance.md). Transparent huge pages in "madvise" mode (Debian's
// default) only serve ranges advised this way.
//
// Thread-safety: stateless. Errors are ignored: the advice is an optimisation only.

#pragma once

#include <cstddef>
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

}  // namespace rapport
