// drivers/usb/detail/ccid_device.h
//
// One opened contactless reader (USB CCID, docs/card-readers.md "Contactless readers"): its
// claimed interface, a bulk-OUT/bulk-IN pair carrying one command and its reply at a time,
// and the interrupt-IN slot-change notifications when the reader has that endpoint. The slot
// is also polled with GetSlotStatus (ACR122U notifications are unreliable). A card that
// arrives is read in one CardSession (ccid/card_session.h) and delivered as a kContactless
// CardRead; enrollment writes and cashier signals queue here and run between sessions.
//
// Lives on the USB event thread only (transfer callbacks and tick() run there).

#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "drivers/ccid/card_session.h"
#include "drivers/ccid/ccid_link.h"
#include "drivers/usb/detail/open_reader.h"

namespace rapport::drivers::detail {

struct CcidTiming {
  std::chrono::milliseconds poll_interval{200};   // GetSlotStatus while idle
  std::chrono::milliseconds reply_timeout{1000};  // per reply (and per time extension)
};

class CcidDevice final : public OpenReader {
 public:
  // Opens the device, claims the interface, starts listening for notifications and polls
  // the slot at once. The failure text says what to do (permissions, busy).
  [[nodiscard]] static Result<std::unique_ptr<CcidDevice>> open(libusb_device* device,
                                                                const ReaderMatch& match,
                                                                std::string name, Deliver deliver,
                                                                CcidTiming timing,
                                                                std::string& failure);
  ~CcidDevice() override;
  CcidDevice(const CcidDevice&) = delete;
  CcidDevice& operator=(const CcidDevice&) = delete;

  [[nodiscard]] const std::string& name() const override { return name_; }
  [[nodiscard]] libusb_device* device() const override { return device_; }
  [[nodiscard]] bool transfer_in_flight() const override;
  [[nodiscard]] bool finished() const override { return finished_; }
  void tick(std::chrono::steady_clock::time_point now) override;
  void cancel() override;
  void device_left() override;

  [[nodiscard]] bool contactless() const override { return true; }
  void signal(ReaderSignal signal) override;
  void write_card(WriteRequest request) override;

 private:
  // What the command outstanding on the bulk pipes is for.
  enum class Job { kNone, kPoll, kSession, kSignal };

  // One libusb transfer with its own buffer.
  struct Pipe {
    Transfer transfer;
    std::vector<unsigned char> buffer;
    bool in_flight = false;
  };

  CcidDevice(libusb_device* device, DeviceHandle handle, const ReaderMatch& match, std::string name,
             Deliver deliver, CcidTiming timing);

  void start_next(std::chrono::steady_clock::time_point now);
  void start_session(ccid::CardSession session, std::optional<WriteRequest> write);
  void send(const ccid::Command& command);
  [[nodiscard]] int submit_reply_read();
  void await_reply();
  [[nodiscard]] int submit_notifications();
  void on_sent(libusb_transfer* transfer);
  void on_received(libusb_transfer* transfer);
  void on_notification(libusb_transfer* transfer);
  void on_bulk_failed(int status);
  void on_reply(const Result<ccid::Reply>& reply);
  void end_session(ccid::SessionStep step);
  // A transfer failed for good, or the device is gone: stop everything.
  void fail_all(ErrorCode error);
  void report_gone();
  [[nodiscard]] CardRead to_card_read(const ccid::CardContents& card) const;
  static void LIBUSB_CALL sent_callback(libusb_transfer* transfer);
  static void LIBUSB_CALL received_callback(libusb_transfer* transfer);
  static void LIBUSB_CALL notification_callback(libusb_transfer* transfer);

  libusb_device* device_;  // referenced while this object lives
  DeviceHandle handle_;
  std::uint8_t interface_number_;
  std::uint8_t bulk_out_;
  std::uint8_t bulk_in_;
  std::uint8_t interrupt_in_;  // 0: the reader sends no notifications
  SignalCommands signals_;
  std::string name_;
  Deliver deliver_;
  CcidTiming timing_;

  Pipe out_;
  Pipe in_;
  Pipe notify_;
  ccid::CcidLink link_;

  Job job_ = Job::kNone;
  std::optional<ccid::CardSession> session_;
  std::optional<WriteRequest> write_;  // the write the session in progress performs
  std::deque<WriteRequest> writes_;    // waiting for the bulk pipes
  std::deque<ReaderSignal> pending_signals_;

  bool card_present_ = false;    // as last reported (slot status, notification, session)
  bool card_handled_ = false;    // the card now on the reader was read (or failed): wait for
                                 // it to leave before reading again
  bool poll_overtaken_ = false;  // a notification came while a poll was under way
  std::chrono::steady_clock::time_point next_poll_;
  int consecutive_errors_ = 0;
  bool cancelling_ = false;
  bool finished_ = false;
  bool gone_ = false;  // unplugged: reported already
};

}  // namespace rapport::drivers::detail
