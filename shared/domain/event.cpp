// shared/domain/event.cpp
#include "shared/domain/event.h"

namespace rapport::domain {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::kVisit:
      return "visit";
  }
  return "unknown";
}

std::optional<EventKind> event_kind_from_string(std::string_view text) {
  if (text == "visit") return EventKind::kVisit;
  return std::nullopt;
}

}  // namespace rapport::domain
