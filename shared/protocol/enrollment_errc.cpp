// shared/protocol/enrollment_errc.cpp
#include "shared/protocol/enrollment_errc.h"

#include "shared/util/error_category.h"

namespace rapport::protocol {
namespace {

const char* describe(int value) {
  switch (static_cast<EnrollmentErrc>(value)) {
    case EnrollmentErrc::kNotACode:
      return "not an enrollment code (it starts with RAP1- and was printed by "
             "`rapportctl terminal add`)";
    case EnrollmentErrc::kCodeTypo:
      return "the enrollment code has a typo (its check characters do not match); copy it again";
    case EnrollmentErrc::kBadMessage:
      return "enrollment message is not valid JSON or misses a field";
  }
  return "unknown enrollment error";
}

}  // namespace

const boost::system::error_category& enrollment_category() noexcept {
  static const NamedErrorCategory category("rapport.enrollment", &describe);
  return category;
}

}  // namespace rapport::protocol
