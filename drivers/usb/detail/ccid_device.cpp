// drivers/usb/detail/ccid_device.cpp
//
// One command at a time: the bulk-OUT transfer carries it, then one bulk-IN transfer waits
// for its reply (again after each time extension), with the reply timeout as libusb's
// transfer timeout. The interrupt-IN transfer, when there is one, stays outstanding for
// slot-change notifications. Between commands start_next() picks the next job: a cashier
// signal, an enrollment write, reading a card that arrived, or a slot poll when due.

#include "drivers/usb/detail/ccid_device.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "drivers/ccid/apdu.h"
#include "shared/util/hex.h"

namespace rapport::drivers::detail {
namespace {

// Room for the longest reply accepted (ccid_message.h), in whole 64-byte packets so a
// full-speed packet never overflows the buffer.
constexpr std::size_t kReplyBufferBytes = 1088;
constexpr std::size_t kMinNotificationBytes = 8;
// A reader whose transfers keep failing is given up (and reported) rather than spun on.
constexpr int kMaxConsecutiveErrors = 5;

unsigned timeout_ms(std::chrono::milliseconds timeout) {
  return static_cast<unsigned>(std::max<long long>(1, timeout.count()));
}

}  // namespace

Result<std::unique_ptr<CcidDevice>> CcidDevice::open(libusb_device* device,
                                                     const ReaderMatch& match, std::string name,
                                                     Deliver deliver, CcidTiming timing,
                                                     std::string& failure) {
  // No kernel driver binds CCID interfaces, but pcscd may hold the reader: claiming then
  // fails with "busy".
  auto handle = open_and_claim(device, match.interface.number, failure);
  if (!handle) {
    if (failure.find("in use") != std::string::npos) failure += " (stop pcscd on this terminal)";
    return handle.error();
  }
  std::unique_ptr<CcidDevice> reader(new CcidDevice(device, std::move(*handle), match,
                                                    std::move(name), std::move(deliver), timing));
  if (reader->interrupt_in_ != 0) {
    if (const int rc = reader->submit_notifications(); rc != 0) {
      failure = "cannot start listening: " + describe_libusb_error(rc);
      return ReaderErrc::kIo;
    }
  }
  reader->start_next(std::chrono::steady_clock::now());
  return reader;
}

CcidDevice::CcidDevice(libusb_device* device, DeviceHandle handle, const ReaderMatch& match,
                       std::string name, Deliver deliver, CcidTiming timing)
    : device_(libusb_ref_device(device)),
      handle_(std::move(handle)),
      interface_number_(match.interface.number),
      bulk_out_(match.interface.bulk_out_endpoint),
      bulk_in_(match.interface.bulk_in_endpoint),
      interrupt_in_(match.interface.in_endpoint),
      signals_(match.model.signals),
      name_(std::move(name)),
      deliver_(std::move(deliver)),
      timing_(timing) {
  out_.transfer.reset(libusb_alloc_transfer(0));
  in_.transfer.reset(libusb_alloc_transfer(0));
  notify_.transfer.reset(libusb_alloc_transfer(0));
  in_.buffer.resize(kReplyBufferBytes);
  notify_.buffer.resize(
      std::max<std::size_t>(match.interface.in_max_packet, kMinNotificationBytes));
}

CcidDevice::~CcidDevice() {
  // The owner destroys us only when no transfer is in flight, so they can be freed and the
  // interface released.
  out_.transfer.reset();
  in_.transfer.reset();
  notify_.transfer.reset();
  libusb_release_interface(handle_.get(), interface_number_);
  handle_.reset();
  libusb_unref_device(device_);
}

bool CcidDevice::transfer_in_flight() const {
  return out_.in_flight || in_.in_flight || notify_.in_flight;
}

void CcidDevice::tick(std::chrono::steady_clock::time_point now) { start_next(now); }

void CcidDevice::signal(ReaderSignal signal) {
  if (signals_ == SignalCommands::kNone) return;  // accepted, nothing to drive
  pending_signals_.push_back(signal);
  start_next(std::chrono::steady_clock::now());
}

void CcidDevice::write_card(WriteRequest request) {
  if (cancelling_ || finished_) {
    request.done(gone_ ? ErrorCode(ReaderErrc::kUnplugged) : ErrorCode(ReaderErrc::kStopped));
    return;
  }
  writes_.push_back(std::move(request));
  start_next(std::chrono::steady_clock::now());
}

void CcidDevice::start_next(std::chrono::steady_clock::time_point now) {
  if (job_ != Job::kNone || cancelling_ || finished_) return;
  if (!pending_signals_.empty()) {
    const ReaderSignal signal = pending_signals_.front();
    pending_signals_.pop_front();
    job_ = Job::kSignal;
    send(ccid::escape(ccid::acs_signal_apdu(signal)));
    return;
  }
  while (!writes_.empty()) {
    WriteRequest request = std::move(writes_.front());
    writes_.pop_front();
    auto session = ccid::CardSession::write(request.uid, request.data);
    if (!session) {
      request.done(session.error());
      continue;
    }
    start_session(std::move(*session), std::move(request));
    return;
  }
  if (card_present_ && !card_handled_) {
    start_session(ccid::CardSession::read(), std::nullopt);
    return;
  }
  if (now >= next_poll_) {
    next_poll_ = now + timing_.poll_interval;
    job_ = Job::kPoll;
    send(ccid::get_slot_status());
  }
}

void CcidDevice::start_session(ccid::CardSession session, std::optional<WriteRequest> write) {
  session_.emplace(std::move(session));
  write_ = std::move(write);
  job_ = Job::kSession;
  send(session_->start());
}

void CcidDevice::send(const ccid::Command& command) {
  const ccid::Bytes message = link_.send(command);
  out_.buffer.assign(message.begin(), message.end());
  libusb_fill_bulk_transfer(out_.transfer.get(), handle_.get(), bulk_out_, out_.buffer.data(),
                            static_cast<int>(out_.buffer.size()), &sent_callback, this,
                            timeout_ms(timing_.reply_timeout));
  const int rc = libusb_submit_transfer(out_.transfer.get());
  out_.in_flight = rc == 0;
  if (rc == 0) return;
  link_.abandon();
  if (rc == LIBUSB_ERROR_NO_DEVICE) {
    report_gone();
    return;
  }
  spdlog::warn("card reader {}: cannot send a command: {}", name_, describe_libusb_error(rc));
  on_reply(CcidErrc::kReaderError);
}

int CcidDevice::submit_reply_read() {
  libusb_fill_bulk_transfer(in_.transfer.get(), handle_.get(), bulk_in_, in_.buffer.data(),
                            static_cast<int>(in_.buffer.size()), &received_callback, this,
                            timeout_ms(timing_.reply_timeout));
  const int rc = libusb_submit_transfer(in_.transfer.get());
  in_.in_flight = rc == 0;
  return rc;
}

int CcidDevice::submit_notifications() {
  libusb_fill_interrupt_transfer(notify_.transfer.get(), handle_.get(), interrupt_in_,
                                 notify_.buffer.data(), static_cast<int>(notify_.buffer.size()),
                                 &notification_callback, this, 0);
  const int rc = libusb_submit_transfer(notify_.transfer.get());
  notify_.in_flight = rc == 0;
  return rc;
}

void LIBUSB_CALL CcidDevice::sent_callback(libusb_transfer* transfer) {
  static_cast<CcidDevice*>(transfer->user_data)->on_sent(transfer);
}
void LIBUSB_CALL CcidDevice::received_callback(libusb_transfer* transfer) {
  static_cast<CcidDevice*>(transfer->user_data)->on_received(transfer);
}
void LIBUSB_CALL CcidDevice::notification_callback(libusb_transfer* transfer) {
  static_cast<CcidDevice*>(transfer->user_data)->on_notification(transfer);
}

void CcidDevice::on_sent(libusb_transfer* transfer) {
  out_.in_flight = false;
  if (cancelling_) return;
  if (transfer->status != LIBUSB_TRANSFER_COMPLETED) {
    on_bulk_failed(transfer->status);
    return;
  }
  await_reply();
}

void CcidDevice::on_received(libusb_transfer* transfer) {
  in_.in_flight = false;
  if (cancelling_) return;
  if (transfer->status != LIBUSB_TRANSFER_COMPLETED) {
    on_bulk_failed(transfer->status);
    return;
  }
  consecutive_errors_ = 0;
  auto reply = link_.receive(std::span<const std::uint8_t>(
      in_.buffer.data(), static_cast<std::size_t>(transfer->actual_length)));
  if (!reply) {
    on_reply(reply.error());
  } else if (!reply->has_value()) {  // a time extension or a stale reply: keep waiting
    await_reply();
  } else {
    on_reply(std::move(**reply));
  }
}

// Submits the bulk-IN transfer for the reply to the command outstanding.
void CcidDevice::await_reply() {
  const int rc = submit_reply_read();
  if (rc == 0) return;
  link_.abandon();
  if (rc == LIBUSB_ERROR_NO_DEVICE) {
    report_gone();
    return;
  }
  on_reply(CcidErrc::kReaderError);
}

// A bulk transfer that did not complete: the device is gone, the reply did not come in time,
// or the transfer failed (a reader that keeps failing is given up on).
void CcidDevice::on_bulk_failed(int status) {
  if (status == LIBUSB_TRANSFER_NO_DEVICE) {
    report_gone();
    return;
  }
  link_.abandon();
  if (status == LIBUSB_TRANSFER_TIMED_OUT) {
    on_reply(CcidErrc::kTimeout);
    return;
  }
  if (++consecutive_errors_ >= kMaxConsecutiveErrors) {
    fail_all(ReaderErrc::kIo);
    return;
  }
  on_reply(CcidErrc::kReaderError);
}

void CcidDevice::on_notification(libusb_transfer* transfer) {
  notify_.in_flight = false;
  if (cancelling_) return;
  if (transfer->status == LIBUSB_TRANSFER_NO_DEVICE) {
    report_gone();
    return;
  }
  if (transfer->status == LIBUSB_TRANSFER_COMPLETED) {
    const auto change = ccid::parse_slot_change(std::span<const std::uint8_t>(
        notify_.buffer.data(), static_cast<std::size_t>(transfer->actual_length)));
    // A poll under way was answered before this news: its answer is stale.
    if (change && job_ == Job::kPoll) poll_overtaken_ = true;
    if (change && !change->present) {
      card_present_ = false;
      card_handled_ = false;
    } else if (change && change->present && !card_present_) {
      // A late notification of the card being read now must not read it twice: only a card
      // we believed absent is new.
      card_present_ = true;
      card_handled_ = false;
    }
  } else if (transfer->status != LIBUSB_TRANSFER_CANCELLED) {
    // Polling still finds cards; notifications only make it faster.
    spdlog::debug("card reader {}: notification transfer failed ({})", name_,
                  static_cast<int>(transfer->status));
  }
  if (const int rc = submit_notifications(); rc == LIBUSB_ERROR_NO_DEVICE) {
    report_gone();
    return;
  }
  start_next(std::chrono::steady_clock::now());
}

void CcidDevice::on_reply(const Result<ccid::Reply>& reply) {
  const Job job = job_;
  job_ = Job::kNone;
  switch (job) {
    case Job::kPoll:
      if (poll_overtaken_) {
        poll_overtaken_ = false;
      } else if (reply) {
        if (reply->card == ccid::CardState::kAbsent) {
          card_present_ = false;
          card_handled_ = false;
        } else {
          card_present_ = true;
        }
      } else if (reply.error() == CcidErrc::kNoCard) {
        card_present_ = false;
        card_handled_ = false;
      } else {
        spdlog::debug("card reader {}: slot status: {}", name_, reply.error().message());
      }
      break;
    case Job::kSignal:
      if (!reply || !ccid::acs_signal_accepted(reply->data)) {
        spdlog::warn(
            "card reader {}: the LED/buzzer command was refused; set signals = "
            "\"none\" for this model in terminal.toml",
            name_);
      }
      break;
    case Job::kSession: {
      ccid::SessionStep step = session_->on_reply(reply);
      if (step.next) {
        job_ = Job::kSession;
        send(*step.next);
        return;
      }
      end_session(std::move(step));
      break;
    }
    case Job::kNone:
      break;
  }
  start_next(std::chrono::steady_clock::now());
}

void CcidDevice::end_session(ccid::SessionStep step) {
  session_.reset();
  card_handled_ = true;  // read again only after the card has left
  auto write = std::move(write_);
  write_.reset();
  if (step.error) {
    spdlog::warn("card reader {}: {}", name_, step.error.message());
    if (write) {
      write->done(step.error);
    } else {
      deliver_(step.error);
    }
    return;
  }
  CardRead read = to_card_read(*step.card);
  if (write) {
    write->done(std::move(read));
  } else {
    deliver_(std::move(read));
  }
}

CardRead CcidDevice::to_card_read(const ccid::CardContents& card) const {
  return CardRead{.reader = name_,
                  .kind = CardKind::kContactless,
                  .payload = to_hex(card.uid),
                  .symbology = {},
                  .read_at = std::chrono::system_clock::now(),
                  .card_memory = card.user_memory};
}

void CcidDevice::cancel() {
  if (!cancelling_) {
    cancelling_ = true;
    const ErrorCode why =
        gone_ ? ErrorCode(ReaderErrc::kUnplugged) : ErrorCode(ReaderErrc::kStopped);
    if (write_) write_->done(why);
    write_.reset();
    for (auto& request : writes_) request.done(why);
    writes_.clear();
  }
  finished_ = true;
  for (Pipe* pipe : {&out_, &in_, &notify_}) {
    if (pipe->in_flight) libusb_cancel_transfer(pipe->transfer.get());
  }
}

void CcidDevice::device_left() { report_gone(); }

// The kernel tells us twice (a transfer ends with NO_DEVICE, and hot-plug says "left"), in
// either order: the cashier hears it once.
void CcidDevice::report_gone() {
  if (gone_) return;
  gone_ = true;
  if (job_ == Job::kSession && !write_) deliver_(ReaderErrc::kUnplugged);
  cancel();
}

void CcidDevice::fail_all(ErrorCode error) {
  spdlog::error("card reader {}: transfers keep failing ({}); unplug it and plug it back in", name_,
                error.message());
  cancel();
}

}  // namespace rapport::drivers::detail
