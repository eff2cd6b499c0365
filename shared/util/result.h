// shared/util/result.h
//
// Result<T>: the return type of every call whose failure is expected (a bad card read, a
// busy database, a refused connection). Errors travel as boost::system::error_code, so
// Asio's errors and each area's own `...Errc` enum mix freely.

#pragma once

#include <boost/system/error_code.hpp>
#include <boost/system/result.hpp>
#include <utility>

namespace rapport {

template <class T>
using Result = boost::system::result<T>;

using ErrorCode = boost::system::error_code;

}  // namespace rapport

// RAPPORT_TRY(lhs, expr): evaluates `expr` (a Result), returns its error from the enclosing
// function on failure, otherwise assigns its value to `lhs` (`auto x` or an existing lvalue).
// A macro because early return cannot be written as a function.
#define RAPPORT_CONCAT_INNER_(a, b) a##b
#define RAPPORT_CONCAT_(a, b) RAPPORT_CONCAT_INNER_(a, b)
// The error is returned in place so it converts to any Result<U>, Result<bool> included.
#define RAPPORT_TRY_IMPL_(tmp, lhs, expr)                          \
  auto&& tmp = (expr);                                             \
  if (!tmp) return {::boost::system::in_place_error, tmp.error()}; \
  lhs = std::move(*tmp)
#define RAPPORT_TRY(lhs, expr) RAPPORT_TRY_IMPL_(RAPPORT_CONCAT_(rapport_try_, __LINE__), lhs, expr)
// RAPPORT_TRY_VOID(expr): the same for a Result<void> (or a value the caller does not need).
#define RAPPORT_TRY_VOID(expr)                                        \
  if (auto&& rapport_try_void_ = (expr); !rapport_try_void_) return { \
      ::boost::system::in_place_error, rapport_try_void_.error()      \
    }
