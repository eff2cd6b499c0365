// drivers/hid/hid_pos_decoder.cpp
#include "drivers/hid/hid_pos_decoder.h"

#include <algorithm>

#include "drivers/hid/hid_errc.h"

namespace rapport::drivers {
namespace {

// The index of the first value of `field` that carries `usage`, or nullopt. Ranges are
// counted out; the last usage repeats for the values beyond the usage list.
std::optional<std::uint32_t> index_of(const ReportField& field, std::uint32_t usage) {
  std::uint64_t index = 0;
  for (const UsageRange& range : field.usages) {
    if (usage >= range.minimum && usage <= range.maximum) {
      index += usage - range.minimum;
      if (index >= field.count) return std::nullopt;
      return static_cast<std::uint32_t>(index);
    }
    index += std::uint64_t{range.maximum} - range.minimum + 1;
  }
  return std::nullopt;
}

// Up to 32 bits at `bit_offset`, little-endian as HID reports are (HID 1.11 §5.8).
// Requires: the bits lie inside `data`.
std::uint32_t read_bits(std::span<const std::uint8_t> data, std::uint32_t bit_offset,
                        std::uint32_t bit_size) {
  std::uint32_t value = 0;
  for (std::uint32_t i = 0; i < bit_size && i < 32; ++i) {
    const std::uint32_t bit = bit_offset + i;
    if ((std::uint32_t{data[bit / 8]} >> (bit % 8)) & 1u) value |= 1u << i;
  }
  return value;
}

bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

}  // namespace

Result<HidPosDecoder> HidPosDecoder::from_descriptor(const std::vector<ReportField>& fields) {
  HidPosDecoder decoder;
  const auto usable = [](const ReportField& f) {
    return f.kind == ReportKind::kInput && !f.constant;
  };

  const ReportField* data = nullptr;
  std::uint32_t data_index = 0;
  for (const ReportField& field : fields) {
    if (!usable(field) || field.bit_size != 8) continue;
    if (auto index = index_of(field, kUsageDecodedData)) {
      data = &field;
      data_index = *index;
      break;
    }
  }
  if (data == nullptr) return HidErrc::kNotABarcodeScanner;
  decoder.report_id_ = data->report_id;
  decoder.report_size_ = report_bytes(fields, data->report_id, ReportKind::kInput);
  decoder.data_ = {data->bit_offset + data_index * 8, 8};
  decoder.data_count_ = data->count - data_index;

  // Finds the first variable value carrying `usage` in the data's report.
  const auto locate = [&](std::uint32_t usage, std::uint32_t max_bits) -> std::optional<Value> {
    for (const ReportField& field : fields) {
      if (!usable(field) || !field.variable || field.report_id != decoder.report_id_) continue;
      if (field.bit_size == 0 || field.bit_size > max_bits) continue;
      if (auto index = index_of(field, usage)) {
        return Value{field.bit_offset + *index * field.bit_size, field.bit_size};
      }
    }
    return std::nullopt;
  };
  decoder.continued_ = locate(kUsageDecodeDataContinued, 32);
  decoder.byte_count_ = locate(kUsageByteCount, 32);
  decoder.symbology_ = {locate(kUsageSymbologyIdentifier1, 8),
                        locate(kUsageSymbologyIdentifier2, 8),
                        locate(kUsageSymbologyIdentifier3, 8)};
  return decoder;
}

Result<std::optional<ScannedCode>> HidPosDecoder::feed(std::span<const std::uint8_t> report) {
  if (report_id_ != 0) {
    if (report.empty()) return HidErrc::kReportTooShort;
    if (report[0] != report_id_) return std::optional<ScannedCode>();  // another collection
  }
  if (report.size() < report_size_) return HidErrc::kReportTooShort;
  const auto values = report.subspan(report_id_ != 0 ? 1 : 0);

  std::size_t length = data_count_;
  if (byte_count_) {
    length = std::min<std::size_t>(
        length, read_bits(values, byte_count_->bit_offset, byte_count_->bit_size));
  }
  std::string fragment(length, '\0');
  for (std::size_t i = 0; i < length; ++i) {
    fragment[i] = static_cast<char>(
        read_bits(values, data_.bit_offset + static_cast<std::uint32_t>(i) * 8, 8));
  }
  if (!byte_count_) {
    while (!fragment.empty() && fragment.back() == '\0') fragment.pop_back();
  }
  const bool continued =
      continued_ && read_bits(values, continued_->bit_offset, continued_->bit_size) != 0;

  if (discarding_) {  // the rest of a code already reported as too long
    discarding_ = continued;
    return std::optional<ScannedCode>();
  }
  if (!in_code_) {
    pending_symbology_.clear();
    if (std::all_of(symbology_.begin(), symbology_.end(), [](auto& v) { return v.has_value(); })) {
      std::string aim;
      for (const auto& v : symbology_) {
        aim.push_back(static_cast<char>(read_bits(values, v->bit_offset, v->bit_size)));
      }
      if (aim[0] == ']' && is_alpha(aim[1]) && is_alnum(aim[2])) pending_symbology_ = aim;
    }
  }
  if (pending_.size() + fragment.size() > kMaxCodeBytes) {
    pending_.clear();
    in_code_ = false;
    discarding_ = continued;
    return HidErrc::kReadTooLong;
  }
  pending_ += fragment;
  if (continued) {
    in_code_ = true;
    return std::optional<ScannedCode>();
  }

  in_code_ = false;
  ScannedCode code{std::move(pending_symbology_), std::move(pending_)};
  pending_.clear();
  pending_symbology_.clear();
  if (code.data.empty()) return std::optional<ScannedCode>();  // nothing was scanned
  return std::optional<ScannedCode>(std::move(code));
}

std::string_view describe_symbology(std::string_view aim) {
  // AIM identifiers named in card-readers.md §4, plus the modifiers whose meaning is certain:
  // ]C1 is GS1-128, ]E4 is EAN-8, and QR Code / Data Matrix keep their name for every
  // modifier digit (the digit says which options, such as GS1 or ECI, were used).
  if (aim.size() != 3 || aim[0] != ']') return "unknown";
  if (aim == "]C0") return "Code 128";
  if (aim == "]C1") return "GS1-128";
  if (aim == "]E0") return "EAN-13";
  if (aim == "]E4") return "EAN-8";
  if (aim == "]A0") return "Code 39";
  if (aim == "]I0") return "Interleaved 2 of 5";
  if (aim[1] == 'Q' && aim[2] >= '0' && aim[2] <= '6') return "QR Code";
  if (aim[1] == 'd' && aim[2] >= '0' && aim[2] <= '6') return "Data Matrix";
  return "unknown";
}

}  // namespace rapport::drivers
