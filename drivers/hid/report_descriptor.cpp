// drivers/hid/report_descriptor.cpp
//
// The item parser of HID 1.11 §6.2.2: a table of global items (with a Push/Pop stack), local
// items cleared by every Main item, and a running bit offset per report ID and kind.

#include "drivers/hid/report_descriptor.h"

#include <algorithm>
#include <array>
#include <optional>

#include "drivers/hid/hid_errc.h"

namespace rapport::drivers {
namespace {

constexpr std::size_t kMaxUsageEntries = 1024;
constexpr std::size_t kMaxCollectionDepth = 32;
constexpr std::size_t kMaxPushDepth = 16;
constexpr std::uint32_t kMaxReportSizeBits = 256;
constexpr std::uint32_t kMaxReportBits = kMaxReportBytes * 8;

constexpr std::uint8_t kLongItemPrefix = 0xFE;

enum ItemType : std::uint8_t { kMain = 0, kGlobal = 1, kLocal = 2, kReserved = 3 };

// Main item tags (§6.2.2.4).
constexpr std::uint8_t kInput = 0x8, kOutput = 0x9, kFeature = 0xB, kCollection = 0xA,
                       kEndCollection = 0xC;
// Global item tags (§6.2.2.7).
constexpr std::uint8_t kUsagePage = 0x0, kLogicalMinimum = 0x1, kLogicalMaximum = 0x2,
                       kReportSize = 0x7, kReportId = 0x8, kReportCount = 0x9, kPush = 0xA,
                       kPop = 0xB;
// Local item tags (§6.2.2.8).
constexpr std::uint8_t kUsage = 0x0, kUsageMinimum = 0x1, kUsageMaximum = 0x2;

struct Item {
  ItemType type;
  std::uint8_t tag;
  std::size_t size;           // data bytes: 0, 1, 2 or 4
  std::uint32_t value;        // data, unsigned
  std::int64_t signed_value;  // data, sign-extended from its size
};

struct Globals {
  std::uint16_t usage_page = 0;
  std::int64_t logical_minimum = 0;
  std::int64_t logical_maximum_signed = 0;
  std::uint32_t logical_maximum_unsigned = 0;
  std::uint32_t report_size = 0;
  std::uint8_t report_id = 0;
  std::uint32_t report_count = 0;
};

// A local Usage, Usage Minimum or Maximum: extended when given in 4 bytes, else a usage ID
// waiting for the Usage Page of its Main item.
struct LocalUsage {
  std::uint32_t value = 0;
  bool extended = false;
  std::uint32_t resolve(std::uint16_t page) const {
    return extended ? value : (std::uint32_t{page} << 16) | (value & 0xFFFFu);
  }
};

struct LocalEntry {
  LocalUsage minimum;
  LocalUsage maximum;
};

struct Locals {
  std::vector<LocalEntry> entries;
  std::optional<LocalUsage> minimum;  // a Usage Minimum waiting for its Maximum, or
  std::optional<LocalUsage> maximum;  // the other way round
};

class Parser {
 public:
  Result<std::vector<ReportField>> run(std::span<const std::uint8_t> d) {
    if (d.size() > kMaxDescriptorBytes) return HidErrc::kDescriptorTooLarge;
    std::size_t pos = 0;
    while (pos < d.size()) {
      if (d[pos] == kLongItemPrefix) {  // §6.2.2.3: bDataSize, bLongItemTag, data
        if (d.size() - pos < 3) return HidErrc::kDescriptorTruncated;
        const std::size_t length = 3u + d[pos + 1];
        if (d.size() - pos < length) return HidErrc::kDescriptorTruncated;
        pos += length;
        continue;
      }
      const std::uint8_t prefix = d[pos];
      Item item{};
      item.size = (prefix & 3u) == 3u ? 4u : (prefix & 3u);
      item.type = static_cast<ItemType>((prefix >> 2) & 3u);
      item.tag = static_cast<std::uint8_t>(prefix >> 4);
      if (d.size() - pos - 1 < item.size) return HidErrc::kDescriptorTruncated;
      for (std::size_t i = 0; i < item.size; ++i) {
        item.value |= std::uint32_t{d[pos + 1 + i]} << (8 * i);
      }
      item.signed_value = sign_extend(item.value, item.size);
      pos += 1 + item.size;
      RAPPORT_TRY_VOID(apply(item));
    }
    if (depth_ != 0) return HidErrc::kDescriptorUnbalanced;
    return std::move(fields_);
  }

 private:
  static std::int64_t sign_extend(std::uint32_t value, std::size_t size) {
    switch (size) {
      case 1:
        return static_cast<std::int8_t>(value);
      case 2:
        return static_cast<std::int16_t>(value);
      case 4:
        return static_cast<std::int32_t>(value);
      default:
        return 0;
    }
  }

  Result<void> apply(const Item& item) {
    switch (item.type) {
      case kMain:
        return main_item(item);
      case kGlobal:
        return global_item(item);
      case kLocal:
        return local_item(item);
      case kReserved:
        break;
    }
    return HidErrc::kDescriptorInvalid;
  }

  Result<void> main_item(const Item& item) {
    Result<void> result;
    switch (item.tag) {
      case kInput:
        result = add_field(item, ReportKind::kInput);
        break;
      case kOutput:
        result = add_field(item, ReportKind::kOutput);
        break;
      case kFeature:
        result = add_field(item, ReportKind::kFeature);
        break;
      case kCollection:
        if (++depth_ > kMaxCollectionDepth) return HidErrc::kDescriptorTooLarge;
        break;
      case kEndCollection:
        if (depth_ == 0) return HidErrc::kDescriptorUnbalanced;
        --depth_;
        break;
      default:
        return HidErrc::kDescriptorInvalid;
    }
    if (locals_.minimum || locals_.maximum) result = HidErrc::kDescriptorInvalid;
    locals_ = Locals{};  // §6.2.2.8: local items apply to the next Main item only
    return result;
  }

  Result<void> add_field(const Item& item, ReportKind kind) {
    std::uint32_t& offset = offsets_[globals_.report_id][static_cast<std::size_t>(kind)];
    const std::uint64_t bits = std::uint64_t{globals_.report_size} * globals_.report_count;
    if (offset + bits > kMaxReportBits) return HidErrc::kDescriptorTooLarge;
    if (bits == 0) return {};  // occupies nothing
    if (fields_.size() == kMaxReportFields) return HidErrc::kDescriptorTooLarge;

    ReportField field;
    field.report_id = globals_.report_id;
    field.kind = kind;
    field.usage_page = globals_.usage_page;
    for (const LocalEntry& entry : locals_.entries) {
      const UsageRange range{entry.minimum.resolve(globals_.usage_page),
                             entry.maximum.resolve(globals_.usage_page)};
      if (range.minimum > range.maximum) return HidErrc::kDescriptorInvalid;
      field.usages.push_back(range);
    }
    field.bit_offset = offset;
    field.bit_size = globals_.report_size;
    field.count = globals_.report_count;
    field.logical_minimum = globals_.logical_minimum;
    field.logical_maximum = globals_.logical_minimum < 0 ? globals_.logical_maximum_signed
                                                         : globals_.logical_maximum_unsigned;
    field.flags = item.value;
    field.constant = (item.value & 0x001u) != 0;
    field.variable = (item.value & 0x002u) != 0;
    field.buffered_bytes = (item.value & 0x100u) != 0;
    fields_.push_back(std::move(field));
    offset += static_cast<std::uint32_t>(bits);
    return {};
  }

  Result<void> global_item(const Item& item) {
    switch (item.tag) {
      case kUsagePage:
        if (item.value > 0xFFFFu) return HidErrc::kDescriptorInvalid;
        globals_.usage_page = static_cast<std::uint16_t>(item.value);
        break;
      case kLogicalMinimum:
        globals_.logical_minimum = item.signed_value;
        break;
      case kLogicalMaximum:
        globals_.logical_maximum_signed = item.signed_value;
        globals_.logical_maximum_unsigned = item.value;
        break;
      case kReportSize:
        if (item.value > kMaxReportSizeBits) return HidErrc::kDescriptorTooLarge;
        globals_.report_size = item.value;
        break;
      case kReportId:
        if (item.value == 0 || item.value > 0xFFu) return HidErrc::kDescriptorInvalid;
        globals_.report_id = static_cast<std::uint8_t>(item.value);
        break;
      case kReportCount:
        if (item.value > kMaxReportBits) return HidErrc::kDescriptorTooLarge;
        globals_.report_count = item.value;
        break;
      case kPush:
        if (stack_.size() == kMaxPushDepth) return HidErrc::kDescriptorTooLarge;
        stack_.push_back(globals_);
        break;
      case kPop:
        if (stack_.empty()) return HidErrc::kDescriptorUnbalanced;
        globals_ = stack_.back();
        stack_.pop_back();
        break;
      default:
        break;  // physical extent, units: nothing a card reader's values need
    }
    return {};
  }

  Result<void> local_item(const Item& item) {
    const LocalUsage usage{item.value, item.size == 4};
    switch (item.tag) {
      case kUsage:
        return add_entry({usage, usage});
      case kUsageMinimum:
        if (locals_.minimum) return HidErrc::kDescriptorInvalid;
        locals_.minimum = usage;
        break;
      case kUsageMaximum:
        if (locals_.maximum) return HidErrc::kDescriptorInvalid;
        locals_.maximum = usage;
        break;
      default:
        return {};  // designators, strings, delimiters: not needed to locate values
    }
    if (locals_.minimum && locals_.maximum) {
      const LocalEntry range{*locals_.minimum, *locals_.maximum};
      locals_.minimum.reset();
      locals_.maximum.reset();
      return add_entry(range);
    }
    return {};
  }

  Result<void> add_entry(const LocalEntry& entry) {
    if (locals_.entries.size() == kMaxUsageEntries) return HidErrc::kDescriptorTooLarge;
    locals_.entries.push_back(entry);
    return {};
  }

  Globals globals_;
  std::vector<Globals> stack_;
  Locals locals_;
  std::size_t depth_ = 0;
  std::vector<ReportField> fields_;
  // Next free bit per report ID and kind.
  std::array<std::array<std::uint32_t, 3>, 256> offsets_{};
};

}  // namespace

std::optional<std::uint32_t> ReportField::usage_at(std::uint32_t index) const {
  if (usages.empty()) return std::nullopt;
  std::uint64_t remaining = index;
  for (const UsageRange& range : usages) {
    const std::uint64_t span = std::uint64_t{range.maximum} - range.minimum + 1;
    if (remaining < span) return static_cast<std::uint32_t>(range.minimum + remaining);
    remaining -= span;
  }
  return usages.back().maximum;
}

bool ReportField::has_usage(std::uint32_t usage) const {
  for (const UsageRange& range : usages) {
    if (usage >= range.minimum && usage <= range.maximum) return true;
  }
  return false;
}

Result<std::vector<ReportField>> parse_report_descriptor(std::span<const std::uint8_t> descriptor) {
  return Parser{}.run(descriptor);
}

std::size_t report_bytes(const std::vector<ReportField>& fields, std::uint8_t report_id,
                         ReportKind kind) {
  std::uint64_t bits = 0;
  bool found = false;
  for (const ReportField& field : fields) {
    if (field.report_id != report_id || field.kind != kind) continue;
    found = true;
    bits = std::max<std::uint64_t>(bits,
                                   field.bit_offset + std::uint64_t{field.bit_size} * field.count);
  }
  if (!found) return 0;
  return static_cast<std::size_t>((bits + 7) / 8) + (report_id != 0 ? 1u : 0u);
}

}  // namespace rapport::drivers
