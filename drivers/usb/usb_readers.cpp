// drivers/usb/usb_readers.cpp
//
// The event thread owns everything libusb: the hot-plug registration, the open readers and
// their transfers. Hot-plug callbacks only note the device (no I/O inside a callback, as
// libusb asks); the loop opens or retires readers between rounds of event handling. Reads
// reach next_read() through a mutex-guarded queue and an eventfd; request_stop() writes a
// self-pipe, which is async-signal-safe. ReaderControl calls (signals, card writes) reach
// the loop through a second mutex-guarded queue and are performed there.

#include "drivers/usb/usb_readers.h"

#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "drivers/usb/detail/ccid_device.h"
#include "drivers/usb/detail/libusb_support.h"
#include "drivers/usb/detail/reader_device.h"
#include "shared/util/hex.h"

namespace rapport::drivers {
namespace {

using detail::OpenReader;

// How often the event loop wakes without USB activity: the resolution of the quiet gap and
// of noticing a stop request.
constexpr long kLoopTickMicroseconds = 10'000;
// Without hot-plug support (rare on Linux) the bus is enumerated this often instead.
constexpr auto kRescanInterval = std::chrono::seconds(1);

// A ReaderControl call on its way to the event thread.
struct ControlRequest {
  std::string reader;
  std::optional<ReaderSignal> signal;         // a signal, or else
  std::optional<detail::WriteRequest> write;  // a card write
};

class UsbReaderSource final : public CardReader, public ReaderControl {
 public:
  UsbReaderSource(UsbReaderOptions options, detail::Context context)
      : options_(std::move(options)), context_(std::move(context)) {
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0 || ::pipe2(stop_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) {
      throw std::runtime_error("cannot create the USB reader's wake-up descriptors");
    }
    events_ = std::thread([this] { run_events(); });
  }

  ~UsbReaderSource() override {
    stopping_ = true;
    events_.join();
    ::close(wake_fd_);
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

  Result<CardRead> next_read() override {
    for (;;) {
      {
        std::lock_guard lock(queue_mutex_);
        if (!queue_.empty()) {
          auto read = std::move(queue_.front());
          queue_.pop_front();
          return read;
        }
      }
      pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return ReaderErrc::kIo;
      }
      if (fds[1].revents != 0) return ReaderErrc::kStopped;
      std::uint64_t count = 0;
      [[maybe_unused]] const auto n = ::read(wake_fd_, &count, sizeof count);
    }
  }

  void request_stop() noexcept override {
    const char byte = 1;
    [[maybe_unused]] const auto n = ::write(stop_pipe_[1], &byte, 1);
  }

  ReaderControl* control() noexcept override { return this; }

  Result<void> signal(std::string_view reader, ReaderSignal signal) override {
    RAPPORT_TRY_VOID(check_contactless(reader));
    std::lock_guard lock(control_mutex_);
    requests_.push_back(ControlRequest{std::string(reader), signal, std::nullopt});
    return {};
  }

  Result<CardRead> write_card(std::string_view reader, std::string_view uid_hex,
                              std::span<const std::uint8_t> data,
                              std::chrono::milliseconds timeout) override {
    RAPPORT_TRY_VOID(check_contactless(reader));
    auto uid = from_hex(uid_hex);
    if (!uid) return CcidErrc::kWrongCard;
    auto done = std::make_shared<std::promise<Result<CardRead>>>();
    auto result = done->get_future();
    {
      std::lock_guard lock(control_mutex_);
      requests_.push_back(ControlRequest{
          std::string(reader), std::nullopt,
          detail::WriteRequest{std::move(*uid), std::vector<std::uint8_t>(data.begin(), data.end()),
                               [done](Result<CardRead> r) { done->set_value(std::move(r)); }}});
    }
    if (result.wait_for(timeout) != std::future_status::ready) return CcidErrc::kTimeout;
    return result.get();
  }

 private:
  Result<void> check_contactless(std::string_view reader) const {
    std::lock_guard lock(control_mutex_);
    const auto it = attached_.find(std::string(reader));
    if (it == attached_.end()) return CcidErrc::kNoSuchReader;
    if (!it->second) return CcidErrc::kNotContactless;
    return {};
  }

  // Event thread: hands queued control calls to their readers.
  void handle_requests() {
    std::vector<ControlRequest> requests;
    {
      std::lock_guard lock(control_mutex_);
      requests.swap(requests_);
    }
    for (auto& request : requests) {
      OpenReader* target = nullptr;
      for (auto& reader : readers_) {
        if (reader->name() == request.reader && !reader->finished()) target = reader.get();
      }
      if (request.signal) {
        if (target != nullptr) target->signal(*request.signal);
      } else if (request.write) {
        if (target == nullptr) {
          request.write->done(CcidErrc::kNoSuchReader);
        } else {
          target->write_card(std::move(*request.write));
        }
      }
    }
  }

  void set_attached(const std::string& name, std::optional<bool> contactless) {
    std::lock_guard lock(control_mutex_);
    if (contactless) {
      attached_[name] = *contactless;
    } else {
      attached_.erase(name);
    }
  }

  void deliver(Result<CardRead> read) {
    {
      std::lock_guard lock(queue_mutex_);
      if (queue_.size() >= options_.max_queued_reads) {
        spdlog::warn("card reads are not being taken; dropping the oldest");
        queue_.pop_front();
      }
      queue_.push_back(std::move(read));
    }
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wake_fd_, &one, sizeof one);
  }

  void notice(ReaderNotice::Kind kind, const std::string& reader, std::string detail = {}) {
    switch (kind) {
      case ReaderNotice::Kind::kAttached:
        spdlog::info("card reader attached: {}", reader);
        break;
      case ReaderNotice::Kind::kDetached:
        spdlog::info("card reader detached: {}", reader);
        break;
      case ReaderNotice::Kind::kFailed:
        spdlog::error("card reader {}: {}", reader, detail);
        break;
    }
    if (options_.on_notice) options_.on_notice(ReaderNotice{kind, reader, std::move(detail)});
  }

  static int LIBUSB_CALL on_hotplug(libusb_context*, libusb_device* device,
                                    libusb_hotplug_event event, void* self) {
    auto* source = static_cast<UsbReaderSource*>(self);
    if (event == LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED) {
      source->arrived_.push_back(libusb_ref_device(device));
    } else {
      source->left_.push_back(libusb_ref_device(device));
    }
    return 0;  // stay registered
  }

  void run_events() {
    libusb_hotplug_callback_handle hotplug = 0;
    const bool has_hotplug = libusb_has_capability(LIBUSB_CAP_HAS_HOTPLUG) != 0;
    if (has_hotplug) {
      // ENUMERATE: readers already attached arrive through the same callback.
      libusb_hotplug_register_callback(
          context_.get(),
          static_cast<libusb_hotplug_event>(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED |
                                            LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT),
          LIBUSB_HOTPLUG_ENUMERATE, LIBUSB_HOTPLUG_MATCH_ANY, LIBUSB_HOTPLUG_MATCH_ANY,
          LIBUSB_HOTPLUG_MATCH_ANY, &on_hotplug, this, &hotplug);
    }
    auto next_rescan = std::chrono::steady_clock::now();
    while (!stopping_) {
      timeval tick{0, kLoopTickMicroseconds};
      libusb_handle_events_timeout_completed(context_.get(), &tick, nullptr);
      if (!has_hotplug && std::chrono::steady_clock::now() >= next_rescan) {
        rescan();
        next_rescan = std::chrono::steady_clock::now() + kRescanInterval;
      }
      handle_departures();
      handle_arrivals();
      handle_requests();
      const auto now = std::chrono::steady_clock::now();
      for (auto& reader : readers_) reader->tick(now);
      retire_finished();
    }
    shut_down(hotplug, has_hotplug);
  }

  void handle_arrivals() {
    auto arrived = std::move(arrived_);
    arrived_.clear();
    for (libusb_device* device : arrived) {
      if (!is_open(device)) open_reader(device);
      libusb_unref_device(device);
    }
  }

  void open_reader(libusb_device* device) {
    const UsbDeviceInfo info = detail::read_device_info(device);
    const auto match = match_reader(options_.models, info);
    if (!match) return;
    std::string name = describe_reader(match->model, info);
    std::string failure;
    auto reader = open_device(device, *match, name, failure);
    if (!reader) {
      notice(ReaderNotice::Kind::kFailed, name, failure);
      return;
    }
    set_attached(name, (*reader)->contactless());
    readers_.push_back(std::move(*reader));
    notice(ReaderNotice::Kind::kAttached, name);
  }

  // The driver table: HID readers decode interrupt-IN reports, CCID readers talk bulk.
  Result<std::unique_ptr<OpenReader>> open_device(libusb_device* device, const ReaderMatch& match,
                                                  const std::string& name, std::string& failure) {
    OpenReader::Deliver to_queue = [this](Result<CardRead> read) { deliver(std::move(read)); };
    if (match.model.driver == ReaderDriver::kCcid) {
      RAPPORT_TRY(auto reader,
                  detail::CcidDevice::open(
                      device, match, name, std::move(to_queue),
                      {options_.ccid_poll_interval, options_.ccid_reply_timeout}, failure));
      return std::unique_ptr<OpenReader>(std::move(reader));
    }
    RAPPORT_TRY(auto reader, detail::ReaderDevice::open(device, match, name, std::move(to_queue),
                                                        options_.quiet_gap, failure));
    return std::unique_ptr<OpenReader>(std::move(reader));
  }

  void handle_departures() {
    auto left = std::move(left_);
    left_.clear();
    for (libusb_device* device : left) {
      for (auto& reader : readers_) {
        if (reader->device() == device) reader->device_left();
      }
      libusb_unref_device(device);
    }
  }

  // Readers whose transfer has ended for good are closed; their absence is announced.
  void retire_finished() {
    for (auto it = readers_.begin(); it != readers_.end();) {
      if ((*it)->finished() && !(*it)->transfer_in_flight()) {
        const std::string name = (*it)->name();
        it = readers_.erase(it);
        set_attached(name, std::nullopt);
        notice(ReaderNotice::Kind::kDetached, name);
      } else {
        ++it;
      }
    }
  }

  bool is_open(libusb_device* device) const {
    for (const auto& reader : readers_) {
      if (reader->device() == device) return true;
    }
    return false;
  }

  // Without hot-plug: open what is new, and let departed readers finish by NO_DEVICE.
  void rescan() {
    libusb_device** list = nullptr;
    const ssize_t count = libusb_get_device_list(context_.get(), &list);
    for (ssize_t i = 0; i < count; ++i) arrived_.push_back(libusb_ref_device(list[i]));
    if (count >= 0) libusb_free_device_list(list, 1);
  }

  void shut_down(libusb_hotplug_callback_handle hotplug, bool has_hotplug) {
    if (has_hotplug) libusb_hotplug_deregister_callback(context_.get(), hotplug);
    for (auto& reader : readers_) reader->cancel();
    // Every cancelled transfer's callback must run before its buffer and handle go away.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    auto in_flight = [&] {
      for (const auto& reader : readers_) {
        if (reader->transfer_in_flight()) return true;
      }
      return false;
    };
    while (in_flight() && std::chrono::steady_clock::now() < deadline) {
      timeval tick{0, kLoopTickMicroseconds};
      libusb_handle_events_timeout_completed(context_.get(), &tick, nullptr);
    }
    if (in_flight()) {
      // Freeing a transfer libusb still holds would be a use-after-free: leak it instead.
      spdlog::error("a card reader did not finish its transfer; leaving it open");
      for (auto& reader : readers_) {
        if (reader->transfer_in_flight()) (void)reader.release();
      }
    }
    readers_.clear();
    {
      std::lock_guard lock(control_mutex_);
      attached_.clear();
      for (auto& request : requests_) {
        if (request.write) request.write->done(ReaderErrc::kStopped);
      }
      requests_.clear();
    }
    for (libusb_device* device : arrived_) libusb_unref_device(device);
    for (libusb_device* device : left_) libusb_unref_device(device);
    arrived_.clear();
    left_.clear();
  }

  UsbReaderOptions options_;
  detail::Context context_;
  std::thread events_;
  std::atomic<bool> stopping_{false};
  int wake_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};

  std::mutex queue_mutex_;
  std::deque<Result<CardRead>> queue_;

  // Guards requests_ and attached_ (any thread calls ReaderControl).
  mutable std::mutex control_mutex_;
  std::vector<ControlRequest> requests_;
  std::map<std::string, bool> attached_;  // open readers by name: contactless or not

  // Event thread only.
  std::vector<std::unique_ptr<OpenReader>> readers_;
  std::vector<libusb_device*> arrived_;
  std::vector<libusb_device*> left_;
};

}  // namespace

Result<std::unique_ptr<CardReader>> open_usb_readers(UsbReaderOptions options) {
  RAPPORT_TRY(auto context, detail::make_context());
  return std::unique_ptr<CardReader>(
      std::make_unique<UsbReaderSource>(std::move(options), std::move(context)));
}

Result<std::vector<AttachedUsbDevice>> list_usb_devices(const std::vector<ReaderModel>& models) {
  RAPPORT_TRY(auto context, detail::make_context());
  libusb_device** list = nullptr;
  const ssize_t count = libusb_get_device_list(context.get(), &list);
  if (count < 0) return ReaderErrc::kIo;
  std::vector<AttachedUsbDevice> devices;
  for (ssize_t i = 0; i < count; ++i) {
    AttachedUsbDevice attached;
    attached.device = detail::read_device_info(list[i]);
    attached.reader = match_reader(models, attached.device);
    devices.push_back(std::move(attached));
  }
  libusb_free_device_list(list, 1);
  return devices;
}

}  // namespace rapport::drivers
