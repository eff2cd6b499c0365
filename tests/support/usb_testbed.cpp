// tests/support/usb_testbed.cpp
//
// The ioctl handler follows libusb's tests/umockdev.c: SUBMITURB keeps the URB, REAPURB and
// REAPURBNDELAY hand back a completed one (or EAGAIN), DISCARDURB cancels. Control URBs
// complete at once with the standard answers a HID reader gives; interrupt-IN URBs complete
// when the test has queued a report. A CCID reader's bulk-OUT URBs complete at once and are
// answered by the test's responder, whose replies complete the following bulk-IN URBs.

#include "tests/support/usb_testbed.h"

#include <linux/ioctl.h>
#include <linux/usbdevice_fs.h>
#include <umockdev.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <stdexcept>
#include <thread>

// umockdev's preload library and the ASan runtime both want to be first in the link order;
// the tests work with either first, so ASan's check is switched off (see the issue notes).
extern "C" const char* __asan_default_options() { return "verify_asan_link_order=0"; }

namespace rapport::testing {
namespace {

void put_le16(Bytes& out, unsigned value) {
  out.push_back(static_cast<std::uint8_t>(value & 0xFF));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}

// A minimal boot keyboard report descriptor (HID 1.11 Appendix B.1), returned when the spec
// gives none: 8 modifier bits, a reserved byte, six key array bytes.
Bytes boot_keyboard_report_descriptor() {
  return {0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25,
          0x01, 0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x06,
          0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xC0};
}

void put_le32(Bytes& out, std::uint32_t value) {
  put_le16(out, value & 0xFFFF);
  put_le16(out, value >> 16);
}

void put_endpoint(Bytes& out, std::uint8_t address, std::uint8_t type, unsigned max_packet,
                  std::uint8_t interval) {
  out.insert(out.end(), {7, 0x05, address, type});
  put_le16(out, max_packet);
  out.push_back(interval);
}

// The CCID class descriptor (CCID 1.1 §5.1) of an ACR122U as lsusb -v prints it: one slot,
// T=0/T=1, 4 MHz, short APDU exchange, 271-byte messages, one busy slot.
Bytes ccid_class_descriptor() {
  Bytes d = {54, 0x21};
  put_le16(d, 0x0110);      // bcdCCID 1.10
  d.push_back(0x00);        // bMaxSlotIndex
  d.push_back(0x07);        // bVoltageSupport: 5 V, 3 V, 1.8 V
  put_le32(d, 0x00000003);  // dwProtocols: T=0, T=1
  put_le32(d, 4000);        // dwDefaultClock, kHz
  put_le32(d, 4000);        // dwMaximumClock
  d.push_back(0);           // bNumClockSupported
  put_le32(d, 10752);       // dwDataRate, bps
  put_le32(d, 250000);      // dwMaxDataRate
  d.push_back(0);           // bNumDataRatesSupported
  put_le32(d, 254);         // dwMaxIFSD
  put_le32(d, 0);           // dwSynchProtocols
  put_le32(d, 0);           // dwMechanical
  put_le32(d, 0x00030040);  // dwFeatures: automatic parameters, short APDU exchange
  put_le32(d, 271);         // dwMaxCCIDMessageLength
  d.push_back(0xFF);        // bClassGetResponse: echo
  d.push_back(0xFF);        // bClassEnvelope: echo
  put_le16(d, 0);           // wLcdLayout: none
  d.push_back(0);           // bPINSupport
  d.push_back(1);           // bMaxCCIDBusySlots
  return d;
}

bool is_ccid(const EmulatedReaderSpec& spec) { return spec.interface_class == 0x0B; }

Bytes descriptor_bytes(const EmulatedReaderSpec& spec, const Bytes& report_descriptor) {
  Bytes d;
  // Device descriptor (USB 2.0 §9.6.1).
  d.insert(d.end(), {18, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 64});
  put_le16(d, spec.vendor_id);
  put_le16(d, spec.product_id);
  d.insert(d.end(), {0x00, 0x01, 0x01, 0x02, 0x03, 0x01});
  if (is_ccid(spec)) {
    // Configuration, interface, CCID class and endpoint descriptors.
    const Bytes ccid = ccid_class_descriptor();
    const std::uint8_t endpoints = spec.in_endpoint != 0 ? 3 : 2;
    const unsigned total = 9 + 9 + static_cast<unsigned>(ccid.size()) + 7U * endpoints;
    d.insert(d.end(), {9, 0x02});
    put_le16(d, total);
    d.insert(d.end(), {0x01, 0x01, 0x00, 0x80, 100});
    d.insert(d.end(), {9, 0x04, 0x00, 0x00, endpoints, spec.interface_class,
                       spec.interface_subclass, spec.interface_protocol, 0x00});
    d.insert(d.end(), ccid.begin(), ccid.end());
    put_endpoint(d, spec.bulk_out_endpoint, 0x02, spec.max_packet, 0);
    put_endpoint(d, spec.bulk_in_endpoint, 0x02, spec.max_packet, 0);
    if (spec.in_endpoint != 0) put_endpoint(d, spec.in_endpoint, 0x03, 8, 10);
    return d;
  }
  // Configuration, interface, HID class and endpoint descriptors.
  const unsigned total = 9 + 9 + 9 + 7;
  d.insert(d.end(), {9, 0x02});
  put_le16(d, total);
  d.insert(d.end(), {0x01, 0x01, 0x00, 0xA0, 50});
  d.insert(d.end(), {9, 0x04, 0x00, 0x00, 0x01, spec.interface_class, spec.interface_subclass,
                     spec.interface_protocol, 0x00});
  d.insert(d.end(), {9, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22});
  put_le16(d, static_cast<unsigned>(report_descriptor.size()));
  d.insert(d.end(), {7, 0x05, spec.in_endpoint, 0x03});
  put_le16(d, spec.max_packet);
  d.push_back(1);  // polling interval, ms
  return d;
}

std::string hex(const Bytes& bytes) {
  std::string out;
  char two[3];
  for (auto b : bytes) {
    std::snprintf(two, sizeof two, "%02x", b);
    out += two;
  }
  return out;
}

// The usbfs control request header at the start of a control URB's buffer.
struct SetupPacket {
  std::uint8_t request_type;
  std::uint8_t request;
  std::uint16_t value;
  std::uint16_t index;
  std::uint16_t length;
};

class Device final : public EmulatedReader {
 public:
  Device(const EmulatedReaderSpec& spec, std::string node, std::string syspath)
      : spec_(spec),
        report_descriptor_(spec.report_descriptor.empty() ? boot_keyboard_report_descriptor()
                                                          : spec.report_descriptor),
        node_(std::move(node)),
        syspath_(std::move(syspath)),
        handler_(umockdev_ioctl_base_new()) {
    g_signal_connect(handler_, "handle-ioctl", G_CALLBACK(&Device::on_ioctl), this);
  }
  ~Device() override {
    std::lock_guard lock(mutex_);
    for (auto* urb : flying_) g_object_unref(urb);
    for (auto* urb : completed_) g_object_unref(urb);
    g_object_unref(handler_);
  }

  void send_reports(const std::vector<Bytes>& reports) override {
    std::lock_guard lock(mutex_);
    reports_.insert(reports_.end(), reports.begin(), reports.end());
  }
  void answer_bulk_out(BulkResponder responder) override {
    std::lock_guard lock(mutex_);
    responder_ = std::move(responder);
  }
  UsbTraffic traffic() const override {
    std::lock_guard lock(mutex_);
    return traffic_;
  }
  bool wait_until_reading(std::chrono::milliseconds timeout) const override {
    return wait_for(timeout, [this] { return !flying_.empty(); });
  }
  bool wait_until_delivered(std::chrono::milliseconds timeout) const override {
    return wait_for(timeout, [this] { return reports_.empty(); });
  }
  std::chrono::system_clock::time_point last_delivered() const override {
    std::lock_guard lock(mutex_);
    return last_delivered_;
  }

  void mark_unplugged() {
    std::lock_guard lock(mutex_);
    unplugged_ = true;
    reports_.clear();
    bulk_replies_.clear();
  }

  UMockdevIoctlBase* handler() const { return handler_; }
  const std::string& node() const { return node_; }
  const std::string& syspath() const { return syspath_; }
  const Bytes& report_descriptor() const { return report_descriptor_; }

 private:
  template <class Predicate>
  bool wait_for(std::chrono::milliseconds timeout, Predicate ready) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (ready()) return true;
      }
      if (std::chrono::steady_clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  static gboolean on_ioctl(UMockdevIoctlBase*, UMockdevIoctlClient* client, Device* self) {
    std::lock_guard lock(self->mutex_);
    return self->handle(client) ? TRUE : FALSE;
  }

  static void complete(UMockdevIoctlClient* client, long result = 0, int error = 0) {
    umockdev_ioctl_client_complete(client, result, error);
  }

  bool handle(UMockdevIoctlClient* client) {
    const unsigned long request = umockdev_ioctl_client_get_request(client);
    UMockdevIoctlData* arg = umockdev_ioctl_client_get_arg(client);
    switch (request) {
      case USBDEVFS_GET_CAPABILITIES: {
        UMockdevIoctlData* caps = umockdev_ioctl_data_resolve(arg, 0, sizeof(guint32), nullptr);
        const guint32 value = USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_NO_PACKET_SIZE_LIM;
        std::memcpy(caps->data, &value, sizeof value);
        g_object_unref(caps);
        complete(client);
        return true;
      }
      case USBDEVFS_CLAIMINTERFACE:
        ++traffic_.claims;
        complete(client);
        return true;
      case USBDEVFS_DISCONNECT_CLAIM:
        ++traffic_.claims;
        ++traffic_.kernel_detaches;
        complete(client);
        return true;
      case USBDEVFS_RELEASEINTERFACE:
        ++traffic_.releases;
        complete(client);
        return true;
      case USBDEVFS_IOCTL:  // reattaching the kernel driver after release
      case USBDEVFS_CLEAR_HALT:
      case USBDEVFS_RESETEP:
        complete(client);
        return true;
      case USBDEVFS_SUBMITURB:
        return submit(client, arg);
      case USBDEVFS_REAPURB:
      case USBDEVFS_REAPURBNDELAY:
        return reap(client, arg);
      case USBDEVFS_DISCARDURB:
        return discard(client, arg);
      default:
        std::fprintf(stderr, "usb testbed: unhandled ioctl 0x%lx on %s\n", request, node_.c_str());
        return false;
    }
  }

  bool submit(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    if (unplugged_) {
      complete(client, -1, ENODEV);
      return true;
    }
    UMockdevIoctlData* urb_data =
        umockdev_ioctl_data_resolve(arg, 0, sizeof(usbdevfs_urb), nullptr);
    auto* urb = reinterpret_cast<usbdevfs_urb*>(urb_data->data);
    UMockdevIoctlData* buffer =
        umockdev_ioctl_data_resolve(urb_data, G_STRUCT_OFFSET(usbdevfs_urb, buffer),
                                    static_cast<gsize>(urb->buffer_length), nullptr);
    if (urb->type == USBDEVFS_URB_TYPE_CONTROL) {
      answer_control(urb, buffer);
      completed_.push_back(urb_data);
    } else if ((urb->endpoint & 0x80) == 0) {  // bulk-OUT: a CCID command
      ++traffic_.bulk_out_messages;
      const Bytes message(buffer->data, buffer->data + urb->buffer_length);
      urb->actual_length = urb->buffer_length;
      urb->status = 0;
      completed_.push_back(urb_data);
      if (responder_) {
        for (auto& reply : responder_(message)) bulk_replies_.push_back(std::move(reply));
      }
    } else {
      ++traffic_.urbs_submitted;
      flying_.push_back(urb_data);
    }
    g_object_unref(buffer);
    complete(client);
    return true;
  }

  void answer_control(usbdevfs_urb* urb, UMockdevIoctlData* buffer) {
    ++traffic_.control_requests;
    SetupPacket setup{};
    std::memcpy(&setup, buffer->data, sizeof setup);
    urb->status = 0;
    urb->actual_length = 0;
    if (setup.request_type == 0x21 && setup.request == 0x0B) {  // HID SET_PROTOCOL
      if (setup.value == 0) ++traffic_.boot_protocol_set;
    } else if (setup.request_type == 0x81 && setup.request == 0x06 &&
               (setup.value >> 8) == 0x22) {  // GET_DESCRIPTOR(report)
      const auto n = std::min<std::size_t>(setup.length, report_descriptor_.size());
      std::memcpy(buffer->data + 8, report_descriptor_.data(), n);
      urb->actual_length = static_cast<int>(n);
    } else {
      urb->status = -EPIPE;  // a stall: the request is not supported
    }
  }

  bool reap(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    UMockdevIoctlData* done = nullptr;
    if (!completed_.empty()) {
      done = completed_.front();
      completed_.pop_front();
    } else if (unplugged_) {
      complete(client, -1, ENODEV);
      return true;
    } else {
      done = take_answerable();
    }
    if (done == nullptr) {
      complete(client, -1, EAGAIN);
      return true;
    }
    UMockdevIoctlData* out = umockdev_ioctl_data_resolve(arg, 0, sizeof(gpointer), nullptr);
    umockdev_ioctl_data_set_ptr(out, 0, done);
    g_object_unref(out);
    g_object_unref(done);
    complete(client);
    return true;
  }

  // The oldest outstanding URB that has something to complete with: an interrupt-IN URB and
  // a queued report, or a bulk-IN URB and a queued reply.
  UMockdevIoctlData* take_answerable() {
    for (auto it = flying_.begin(); it != flying_.end(); ++it) {
      const auto endpoint = reinterpret_cast<usbdevfs_urb*>((*it)->data)->endpoint;
      const bool bulk = spec_.bulk_in_endpoint != 0 && endpoint == spec_.bulk_in_endpoint;
      auto& queue = bulk ? bulk_replies_ : reports_;
      if (queue.empty()) continue;
      UMockdevIoctlData* done = *it;
      flying_.erase(it);
      fill(done, queue);
      if (bulk) {
        ++traffic_.bulk_in_reaped;
      } else {
        ++traffic_.urbs_reaped;
      }
      return done;
    }
    return nullptr;
  }

  void fill(UMockdevIoctlData* urb_data, std::deque<Bytes>& queue) {
    auto* urb = reinterpret_cast<usbdevfs_urb*>(urb_data->data);
    const Bytes report = std::move(queue.front());
    queue.pop_front();
    UMockdevIoctlData* buffer =
        umockdev_ioctl_data_resolve(urb_data, G_STRUCT_OFFSET(usbdevfs_urb, buffer),
                                    static_cast<gsize>(urb->buffer_length), nullptr);
    const auto n =
        std::min<std::size_t>(report.size(), static_cast<std::size_t>(urb->buffer_length));
    std::memcpy(buffer->data, report.data(), n);
    g_object_unref(buffer);
    urb->actual_length = static_cast<int>(n);
    urb->status = 0;
    if (&queue == &reports_ && queue.empty()) last_delivered_ = std::chrono::system_clock::now();
  }

  bool discard(UMockdevIoctlClient* client, UMockdevIoctlData* arg) {
    const auto address = reinterpret_cast<gulong>(*reinterpret_cast<void**>(arg->data));
    for (auto it = flying_.begin(); it != flying_.end(); ++it) {
      if ((*it)->client_addr == address) {
        reinterpret_cast<usbdevfs_urb*>((*it)->data)->status = -ENOENT;
        completed_.push_back(*it);
        flying_.erase(it);
        ++traffic_.urbs_discarded;
        complete(client);
        return true;
      }
    }
    complete(client, -1, EINVAL);
    return true;
  }

  EmulatedReaderSpec spec_;
  Bytes report_descriptor_;
  std::string node_;
  std::string syspath_;
  UMockdevIoctlBase* handler_;

  mutable std::mutex mutex_;
  std::deque<Bytes> reports_;
  std::deque<Bytes> bulk_replies_;
  BulkResponder responder_;
  std::deque<UMockdevIoctlData*> flying_;
  std::deque<UMockdevIoctlData*> completed_;
  UsbTraffic traffic_;
  std::chrono::system_clock::time_point last_delivered_{};
  bool unplugged_ = false;
};

}  // namespace

struct UsbTestbed::Impl {
  UMockdevTestbed* testbed = nullptr;
  std::list<Device> devices;
};

UsbTestbed::UsbTestbed() : impl_(std::make_unique<Impl>()) {
  impl_->testbed = umockdev_testbed_new();
  if (impl_->testbed == nullptr) throw std::runtime_error("cannot create the umockdev testbed");
}

UsbTestbed::~UsbTestbed() {
  for (auto& device : impl_->devices) {
    umockdev_testbed_detach_ioctl(impl_->testbed, device.node().c_str(), nullptr);
  }
  g_object_unref(impl_->testbed);
}

EmulatedReader& UsbTestbed::plug(const EmulatedReaderSpec& spec) {
  const int devnum = spec.port + 1;
  char node[64];
  std::snprintf(node, sizeof node, "/dev/bus/usb/001/%03d", devnum);
  const std::string syspath = "/sys/devices/usb1/1-" + std::to_string(spec.port);
  Device& device = impl_->devices.emplace_back(spec, node, syspath);
  GError* error = nullptr;
  // The handler is attached before the device exists so libusb can open it the moment the
  // "add" event arrives (as libusb's own tests do).
  if (!umockdev_testbed_attach_ioctl(impl_->testbed, node, device.handler(), &error)) {
    const std::string message = error ? error->message : "unknown error";
    g_clear_error(&error);
    throw std::runtime_error("cannot attach the ioctl handler: " + message);
  }
  char record[4096];
  std::snprintf(record, sizeof record,
                "P: /devices/usb1/1-%d\nN: bus/usb/001/%03d\nE: SUBSYSTEM=usb\n"
                "E: DEVTYPE=usb_device\nE: DRIVER=usb\nE: DEVNAME=%s\nE: BUSNUM=001\n"
                "E: DEVNUM=%03d\nA: busnum=1\\n\nA: devnum=%d\\n\nA: speed=12\\n\n"
                "A: bConfigurationValue=1\\n\nH: descriptors=%s\n",
                spec.port, devnum, node, devnum, devnum,
                hex(descriptor_bytes(spec, device.report_descriptor())).c_str());
  if (!umockdev_testbed_add_from_string(impl_->testbed, record, &error)) {
    const std::string message = error ? error->message : "unknown error";
    g_clear_error(&error);
    throw std::runtime_error("cannot add the emulated device: " + message);
  }
  return device;
}

void UsbTestbed::unplug(EmulatedReader& reader) {
  auto& device = static_cast<Device&>(reader);
  device.mark_unplugged();
  // The "remove" uevent is what libusb's udev monitor hears (as in libusb's own hot-plug
  // test); the monitor reads the device's bus and address from sysfs, so the entry stays a
  // moment before it goes.
  umockdev_testbed_uevent(impl_->testbed, device.syspath().c_str(), "remove");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  umockdev_testbed_remove_device(impl_->testbed, device.syspath().c_str());
}

EmulatedReaderSpec acr122u_spec(int port) {
  EmulatedReaderSpec spec;
  spec.vendor_id = 0x072F;
  spec.product_id = 0x2200;
  spec.interface_class = 0x0B;
  spec.interface_subclass = 0;
  spec.interface_protocol = 0;
  spec.in_endpoint = 0x81;
  spec.max_packet = 64;
  spec.bulk_out_endpoint = 0x02;
  spec.bulk_in_endpoint = 0x82;
  spec.port = port;
  return spec;
}

std::string usb_descriptors_hex(const EmulatedReaderSpec& spec) {
  return hex(descriptor_bytes(spec, spec.report_descriptor.empty()
                                        ? boot_keyboard_report_descriptor()
                                        : spec.report_descriptor));
}

}  // namespace rapport::testing
