// terminal/screen/screen_board.cpp
#include "terminal/screen/screen_board.h"

namespace rapport::terminal {

void ScreenBoard::publish(std::string scan_json, ScanTarget target) {
  const std::lock_guard lock(mutex_);
  latest_.seq += 1;
  latest_.json = std::move(scan_json);
  latest_.target = std::move(target);
  if (streams_.empty()) return;
  const std::string event = scan_event(latest_.seq, latest_.json);
  std::erase_if(streams_, [&](const auto& stream) { return !stream->push(event); });
}

void ScreenBoard::subscribe(std::shared_ptr<net::ResponseStream> stream,
                            std::optional<std::uint64_t> seen) {
  const std::lock_guard lock(mutex_);
  std::erase_if(streams_, [](const auto& open) { return open->closed(); });
  // A Last-Event-ID beyond the latest: the terminal restarted and numbering began again.
  const std::uint64_t from = seen && *seen <= latest_.seq ? *seen : latest_.seq;
  if (latest_.seq > from && !latest_.json.empty()) {
    if (!stream->push(scan_event(latest_.seq, latest_.json))) return;
  }
  streams_.push_back(std::move(stream));
}

void ScreenBoard::refresh_streams() {
  const std::lock_guard lock(mutex_);
  for (const auto& stream : streams_) stream->request_poll();
}

std::string ScreenBoard::scan_event(std::uint64_t seq, std::string_view json) {
  std::string event = "id: " + std::to_string(seq) + "\nevent: scan\ndata: ";
  event.append(json);
  event += "\n\n";
  return event;
}

BoardScan ScreenBoard::latest() const {
  const std::lock_guard lock(mutex_);
  return latest_;
}

void ScreenBoard::mark_enrolled(std::uint64_t seq) {
  const std::lock_guard lock(mutex_);
  if (latest_.seq == seq) latest_.target.unknown = false;
}

void ScreenBoard::set_cashier(std::optional<StaffMember> cashier) {
  const std::lock_guard lock(mutex_);
  cashier_ = std::move(cashier);
}

std::optional<StaffMember> ScreenBoard::cashier() const {
  const std::lock_guard lock(mutex_);
  return cashier_;
}

}  // namespace rapport::terminal
