// shared/net/response_stream.cpp
//
// ResponseStream (https.h): the queue between a producer (any thread) and the server session
// that writes a held-open response. No Asio here: the session attaches a function that posts
// a wake-up onto its own strand.
#include <utility>

#include "shared/net/https.h"

namespace rapport::net {

bool ResponseStream::push(std::string_view piece) {
  const std::lock_guard lock(mutex_);
  if (closed_) return false;
  if (queued_.size() + piece.size() > options_.max_queued_bytes) {
    // The peer is this far behind: cut it off rather than grow; its page reconnects.
    closed_ = true;
    queued_.clear();
    if (wake_) wake_();
    return false;
  }
  const bool was_empty = queued_.empty();
  queued_.append(piece);
  if (was_empty && wake_) wake_();
  return true;
}

void ResponseStream::close() {
  const std::lock_guard lock(mutex_);
  if (closed_) return;
  closed_ = true;
  if (wake_) wake_();
}

void ResponseStream::request_poll() {
  const std::lock_guard lock(mutex_);
  if (closed_ || poll_requested_) return;
  poll_requested_ = true;
  if (wake_) wake_();
}

bool ResponseStream::closed() const {
  const std::lock_guard lock(mutex_);
  return closed_;
}

void ResponseStream::attach(std::function<void()> wake) {
  const std::lock_guard lock(mutex_);
  wake_ = std::move(wake);
}

void ResponseStream::detach() {
  const std::lock_guard lock(mutex_);
  wake_ = nullptr;
  closed_ = true;
}

ResponseStream::Drained ResponseStream::drain() {
  const std::lock_guard lock(mutex_);
  Drained drained;
  drained.bytes = std::exchange(queued_, {});
  drained.ended = closed_;
  drained.poll = std::exchange(poll_requested_, false);
  return drained;
}

}  // namespace rapport::net
