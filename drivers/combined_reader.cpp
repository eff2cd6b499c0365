// drivers/combined_reader.cpp
#include "drivers/combined_reader.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace rapport::drivers {
namespace {

class CombinedReader final : public CardReader {
 public:
  explicit CombinedReader(std::vector<std::unique_ptr<CardReader>> sources)
      : sources_(std::move(sources)) {
    for (auto& source : sources_) {
      pumps_.emplace_back([this, reader = source.get()] { pump(*reader); });
    }
  }

  ~CombinedReader() override {
    for (auto& source : sources_) source->request_stop();
    for (auto& pump : pumps_) pump.join();
  }

  Result<CardRead> next_read() override {
    std::unique_lock lock(mutex_);
    // The sources' own stop descriptors wake the pumps; the pumps wake us.
    ready_.wait(lock, [&] { return !queue_.empty() || ended_; });
    if (!queue_.empty()) {
      auto read = std::move(queue_.front());
      queue_.pop_front();
      return read;
    }
    return end_;
  }

  void request_stop() noexcept override {
    for (auto& source : sources_) source->request_stop();  // each is async-signal-safe
  }

  // The first source that has one (only the USB readers do).
  ReaderControl* control() noexcept override {
    for (auto& source : sources_) {
      if (auto* control = source->control()) return control;
    }
    return nullptr;
  }

 private:
  void pump(CardReader& reader) {
    for (;;) {
      auto read = reader.next_read();
      std::lock_guard lock(mutex_);
      if (read || is_read_failure(read.error())) {
        queue_.push_back(std::move(read));
        ready_.notify_one();
        continue;
      }
      if (!ended_) {
        ended_ = true;
        end_ = read.error();
      }
      ready_.notify_one();
      break;
    }
    // One source ended: the others are stopped so the combination ends as a whole.
    for (auto& source : sources_) source->request_stop();
  }

  std::vector<std::unique_ptr<CardReader>> sources_;
  std::vector<std::thread> pumps_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Result<CardRead>> queue_;
  bool ended_ = false;
  ErrorCode end_;
};

}  // namespace

std::unique_ptr<CardReader> combine_readers(std::vector<std::unique_ptr<CardReader>> sources) {
  if (sources.size() == 1) return std::move(sources.front());
  return std::make_unique<CombinedReader>(std::move(sources));
}

}  // namespace rapport::drivers
