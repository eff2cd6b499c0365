// shared/util/money.cpp
#include "shared/util/money.h"

#include <cstdio>
#include <cstdlib>

namespace rapport {

std::string format_cents(std::int64_t cents) {
  char text[32];
  std::snprintf(text, sizeof text, "%s%lld.%02lld", cents < 0 ? "-" : "",
                static_cast<long long>(std::llabs(cents) / 100),
                static_cast<long long>(std::llabs(cents) % 100));
  return text;
}

}  // namespace rapport
