// tests/support/catch_result.h
//
// Teaches Catch2 to print a Result<T>: "ok" or the error's category and message. Without it
// Catch tries Boost's operator<<, which needs T itself to be printable.
// Include it instead of <catch2/catch.hpp> in tests that check Results.

#pragma once

#include <boost/system/result.hpp>
#include <catch2/catch.hpp>
#include <string>

namespace Catch {

template <class T, class E>
struct StringMaker<boost::system::result<T, E>> {
  static std::string convert(const boost::system::result<T, E>& r) {
    if (r) return "ok";
    return "error " + std::string(r.error().category().name()) + ": " + r.error().message();
  }
};

}  // namespace Catch
