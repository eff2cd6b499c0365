// tests/fault/fault_proxy.cpp
#include "tests/fault/fault_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <list>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

namespace rapport::testing {
namespace {

using Clock = std::chrono::steady_clock;

enum class Fate { kPass, kCutByTime, kCutInResponse };

struct Pair {
  int client = -1;
  int upstream = -1;
  Fate fate = Fate::kPass;
  Clock::time_point cut_at{};
  std::size_t response_budget = 0;  // for kCutInResponse: bytes from the server let through
  std::size_t response_bytes = 0;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  return address;
}

void close_pair(Pair& pair) {
  if (pair.client >= 0) ::close(pair.client);
  if (pair.upstream >= 0) ::close(pair.upstream);
  pair.client = pair.upstream = -1;
}

// Writes all of `data` (blocking); false when the peer is gone.
bool send_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

struct FaultProxy::Impl {
  int listener = -1;
  std::uint16_t upstream_port = 0;
  std::mt19937_64 rng;
  std::list<Pair> pairs;
  mutable std::mutex stats_mutex;
  FaultProxyStats stats;
};

FaultProxy::FaultProxy(std::uint16_t upstream_port, std::uint64_t seed)
    : impl_(std::make_unique<Impl>()) {
  impl_->upstream_port = upstream_port;
  impl_->rng.seed(seed);
  impl_->listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int yes = 1;
  ::setsockopt(impl_->listener, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  auto address = loopback(0);
  if (::bind(impl_->listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(impl_->listener, 64) != 0) {
    throw std::runtime_error("fault proxy: cannot listen on 127.0.0.1");
  }
  socklen_t length = sizeof address;
  ::getsockname(impl_->listener, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  thread_ = std::thread([this] { run(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  thread_.join();
  for (auto& pair : impl_->pairs) close_pair(pair);
  ::close(impl_->listener);
}

FaultProxyStats FaultProxy::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  return impl_->stats;
}

void FaultProxy::run() {
  Impl& s = *impl_;
  std::vector<pollfd> fds;
  std::vector<Pair*> owners;  // fds[i] belongs to owners[i] (nullptr: the listener)
  char buffer[16 * 1024];
  while (!stopping_) {
    fds.clear();
    owners.clear();
    fds.push_back({s.listener, POLLIN, 0});
    owners.push_back(nullptr);
    for (auto& pair : s.pairs) {
      fds.push_back({pair.client, POLLIN, 0});
      owners.push_back(&pair);
      fds.push_back({pair.upstream, POLLIN, 0});
      owners.push_back(&pair);
    }
    if (::poll(fds.data(), fds.size(), 10) < 0) continue;

    for (std::size_t i = 1; i < fds.size(); ++i) {
      Pair& pair = *owners[i];
      if (pair.client < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const bool from_client = fds[i].fd == pair.client;
      const ssize_t n = ::recv(fds[i].fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        close_pair(pair);
        continue;
      }
      auto size = static_cast<std::size_t>(n);
      bool cut = false;
      if (!from_client && pair.fate == Fate::kCutInResponse) {
        const std::size_t allowed = pair.response_budget - pair.response_bytes;
        if (size >= allowed) {
          size = allowed;
          cut = true;
        }
        pair.response_bytes += size;
      }
      const int to = from_client ? pair.upstream : pair.client;
      if (!send_all(to, buffer, size) || cut) {
        if (cut) {
          std::lock_guard lock(s.stats_mutex);
          ++s.stats.cut_in_response;
        }
        close_pair(pair);
      }
    }

    const auto now = Clock::now();
    for (auto& pair : s.pairs) {
      if (pair.client >= 0 && pair.fate == Fate::kCutByTime && now >= pair.cut_at) {
        std::lock_guard lock(s.stats_mutex);
        ++s.stats.cut_by_time;
        close_pair(pair);
      }
    }
    s.pairs.remove_if([](const Pair& pair) { return pair.client < 0; });

    if ((fds[0].revents & POLLIN) == 0) continue;
    const int client = ::accept4(s.listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(s.stats_mutex);
    ++s.stats.connections;
    const bool faults = faults_.load();
    const auto roll = std::uniform_int_distribution<int>(0, 99)(s.rng);
    if (faults && roll < 10) {
      ++s.stats.refused;
      ::close(client);
      continue;
    }
    Pair pair;
    pair.client = client;
    pair.upstream = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const auto address = loopback(s.upstream_port);
    if (::connect(pair.upstream, reinterpret_cast<const sockaddr*>(&address), sizeof address) !=
        0) {
      ++s.stats.upstream_down;
      close_pair(pair);
      continue;
    }
    const int yes = 1;
    ::setsockopt(pair.client, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    ::setsockopt(pair.upstream, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    if (faults && roll < 35) {
      pair.fate = Fate::kCutByTime;
      pair.cut_at = now + std::chrono::milliseconds(
                              std::uniform_int_distribution<int>(0, 300)(s.rng));
    } else if (faults && roll < 60) {
      // A TLS 1.3 server flight with its certificate is about 2-3 KB; an acknowledgement of
      // 200 events about 8 KB: cuts land in the handshake, before or inside the answer.
      pair.fate = Fate::kCutInResponse;
      pair.response_budget = std::uniform_int_distribution<std::size_t>(0, 12'000)(s.rng);
    }
    s.pairs.push_back(pair);
  }
}

}  // namespace rapport::testing
