// shared/util/error_category.h
//
// The one boost::system::error_category implementation every area's `...Errc` enum uses:
// a name and a function from value to message. Keeps each area's errc.cpp to its messages.

#pragma once

#include <boost/system/error_category.hpp>
#include <string>

namespace rapport {

// boost::system::error_category has a protected non-virtual destructor by design (categories
// are never deleted through a base pointer); -Wnon-virtual-dtor cannot know that.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnon-virtual-dtor"
class NamedErrorCategory final : public boost::system::error_category {
 public:
  using Describe = const char* (*)(int value);

  NamedErrorCategory(const char* name, Describe describe) : name_(name), describe_(describe) {}

  const char* name() const noexcept override { return name_; }
  std::string message(int value) const override { return describe_(value); }

 private:
  const char* name_;
  Describe describe_;
};
#pragma GCC diagnostic pop

}  // namespace rapport
