// drivers/usb/detail/libusb_support.h
//
// Private to drivers/usb: owning handles for libusb objects and the device facts read from
// descriptors. The only header that includes libusb.h.

#pragma once

#include <libusb-1.0/libusb.h>

#include <memory>
#include <string>

#include "drivers/usb/reader_models.h"
#include "shared/util/result.h"

namespace rapport::drivers::detail {

struct CloseDeviceHandle {
  void operator()(libusb_device_handle* handle) const noexcept { libusb_close(handle); }
};
using DeviceHandle = std::unique_ptr<libusb_device_handle, CloseDeviceHandle>;

struct FreeTransfer {
  void operator()(libusb_transfer* transfer) const noexcept { libusb_free_transfer(transfer); }
};
using Transfer = std::unique_ptr<libusb_transfer, FreeTransfer>;

struct ExitContext {
  void operator()(libusb_context* context) const noexcept { libusb_exit(context); }
};
using Context = std::unique_ptr<libusb_context, ExitContext>;

// libusb_init, or ReaderErrc::kNoUsb.
[[nodiscard]] Result<Context> make_context();

// Ids, bus position and the interfaces of the active configuration (first alternate
// setting; first interrupt-IN, bulk-IN and bulk-OUT endpoint of each).
[[nodiscard]] UsbDeviceInfo read_device_info(libusb_device* device);

// A libusb error as text an installer can act on ("access denied: ...").
[[nodiscard]] std::string describe_libusb_error(int code);

// Opens `device` and claims `interface`, detaching a kernel driver that holds it (libusb
// gives it back when the interface is released: a HID reader is a keyboard again after we
// stop). On failure `failure` says what to do and the error is ReaderErrc::kIo.
[[nodiscard]] Result<DeviceHandle> open_and_claim(libusb_device* device, std::uint8_t interface,
                                                  std::string& failure);

}  // namespace rapport::drivers::detail
