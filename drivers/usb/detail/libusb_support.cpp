// drivers/usb/detail/libusb_support.cpp
#include "drivers/usb/detail/libusb_support.h"

#include <fmt/format.h>

#include <array>

#include "drivers/card_reader.h"

namespace rapport::drivers::detail {

Result<Context> make_context() {
  libusb_context* context = nullptr;
  if (libusb_init(&context) != 0) return ReaderErrc::kNoUsb;
  return Context(context);
}

UsbDeviceInfo read_device_info(libusb_device* device) {
  UsbDeviceInfo info;
  libusb_device_descriptor descriptor{};
  if (libusb_get_device_descriptor(device, &descriptor) == 0) {
    info.vendor_id = descriptor.idVendor;
    info.product_id = descriptor.idProduct;
  }
  info.bus = libusb_get_bus_number(device);
  info.address = libusb_get_device_address(device);
  std::array<std::uint8_t, 8> ports{};
  const int depth = libusb_get_port_numbers(device, ports.data(), static_cast<int>(ports.size()));
  info.port_path = std::to_string(info.bus);
  for (int i = 0; i < depth; ++i) {
    info.port_path += (i == 0 ? "-" : ".") + std::to_string(ports[static_cast<std::size_t>(i)]);
  }

  libusb_config_descriptor* config = nullptr;
  if (libusb_get_active_config_descriptor(device, &config) != 0 &&
      libusb_get_config_descriptor(device, 0, &config) != 0) {
    return info;
  }
  for (int i = 0; i < config->bNumInterfaces; ++i) {
    const libusb_interface& interface = config->interface[i];
    if (interface.num_altsetting < 1) continue;
    const libusb_interface_descriptor& setting = interface.altsetting[0];
    UsbInterfaceInfo out;
    out.number = setting.bInterfaceNumber;
    out.interface_class = setting.bInterfaceClass;
    out.subclass = setting.bInterfaceSubClass;
    out.protocol = setting.bInterfaceProtocol;
    for (int e = 0; e < setting.bNumEndpoints; ++e) {
      const libusb_endpoint_descriptor& endpoint = setting.endpoint[e];
      const bool is_in = (endpoint.bEndpointAddress & LIBUSB_ENDPOINT_IN) != 0;
      const int type = endpoint.bmAttributes & LIBUSB_TRANSFER_TYPE_MASK;
      if (is_in && type == LIBUSB_TRANSFER_TYPE_INTERRUPT && out.in_endpoint == 0) {
        out.in_endpoint = endpoint.bEndpointAddress;
        out.in_max_packet = endpoint.wMaxPacketSize;
      } else if (type == LIBUSB_TRANSFER_TYPE_BULK) {
        auto& slot = is_in ? out.bulk_in_endpoint : out.bulk_out_endpoint;
        if (slot == 0) slot = endpoint.bEndpointAddress;
      }
    }
    info.interfaces.push_back(out);
  }
  libusb_free_config_descriptor(config);
  return info;
}

std::string describe_libusb_error(int code) {
  switch (code) {
    case LIBUSB_ERROR_ACCESS:
      return "access denied: install config/99-rapport-readers.rules and add the terminal's "
             "user to the rapport group";
    case LIBUSB_ERROR_BUSY:
      return "the interface is in use by another program (is a second terminal running?)";
    case LIBUSB_ERROR_NO_DEVICE:
      return "the reader was unplugged";
    default:
      return fmt::format("libusb: {}", libusb_strerror(code));
  }
}

Result<DeviceHandle> open_and_claim(libusb_device* device, std::uint8_t interface,
                                    std::string& failure) {
  libusb_device_handle* raw = nullptr;
  if (const int rc = libusb_open(device, &raw); rc != 0) {
    failure = "cannot open: " + describe_libusb_error(rc);
    return ReaderErrc::kIo;
  }
  DeviceHandle handle(raw);
  libusb_set_auto_detach_kernel_driver(handle.get(), 1);
  if (const int rc = libusb_claim_interface(handle.get(), interface); rc != 0) {
    failure =
        "cannot claim interface " + std::to_string(interface) + ": " + describe_libusb_error(rc);
    return ReaderErrc::kIo;
  }
  return handle;
}

}  // namespace rapport::drivers::detail
