// tests/fault/fault_proxy.h
//
// A TCP proxy on 127.0.0.1 for the fault-injection test: it sits between rapport-terminal
// and rapport-server and, while faults are on, mistreats connections at random (fixed seed):
// refuses some at once, cuts some after a random delay (mid-handshake, mid-request or
// mid-response), and cuts some once the server has sent a random number of bytes, so that a
// batch the server committed never gets its acknowledgement to the terminal (which must then
// send it again). It never alters bytes: TLS would only refuse them.
//
// Threading: one thread of its own moves the bytes (poll); the methods are safe from any
// thread. Stopped and joined by the destructor.

#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

namespace rapport::testing {

struct FaultProxyStats {
  std::uint64_t connections = 0;
  std::uint64_t refused = 0;         // closed right after accept
  std::uint64_t cut_by_time = 0;     // closed after a random delay
  std::uint64_t cut_in_response = 0; // closed after a random number of bytes from the server
  std::uint64_t upstream_down = 0;   // the server was not listening
};

class FaultProxy {
 public:
  // Listens on a free port of 127.0.0.1 and forwards to 127.0.0.1:`upstream_port`.
  FaultProxy(std::uint16_t upstream_port, std::uint64_t seed);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  [[nodiscard]] std::uint16_t port() const { return port_; }
  // New connections after this call are (or are not) mistreated; open ones keep their fate.
  void set_faults(bool on) { faults_.store(on); }
  [[nodiscard]] FaultProxyStats stats() const;

 private:
  struct Impl;
  void run();

  std::unique_ptr<Impl> impl_;
  std::uint16_t port_ = 0;
  std::atomic<bool> faults_{true};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace rapport::testing
