// Parsing and printing of scenario durations (see duration.h).
#include "sim/scenario/duration.h"
#include "sim/scenario/text.h"

#include <array>
#include <limits>

#include "absl/status/status.h"

namespace discosim::scenario {
namespace {

using internal::Cat;

struct Unit {
  std::string_view name;
  int64_t ms;
};
// Largest first: groups must follow this order.
constexpr std::array<Unit, 4> kUnits = {{{"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}}};

absl::Status Invalid(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// True when `text` is a number with no unit: digits, maybe a sign or a point.
bool IsBareNumber(std::string_view text) {
  bool digit_seen = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      digit_seen = true;
    } else if (!(c == '.' || ((c == '-' || c == '+') && i == 0))) {
      return false;
    }
  }
  return digit_seen;
}

absl::Status TooLarge() {
  return Invalid("duration is too large: it must fit in 64-bit milliseconds (about 292 million years)");
}

}  // namespace

absl::StatusOr<int64_t> ParseDurationMs(std::string_view text) {
  constexpr std::string_view kForm = "a number and a unit (h, m, s or ms), like 250ms, 5s, 2m, 1h or 1m30s";
  if (text.empty()) return Invalid(Cat("empty duration: write ", kForm));
  if (text.front() == '-') {
    return Invalid(Cat("negative duration \"", text,
                                "\": times count forward from the start of the run"));
  }
  if (IsBareNumber(text)) {
    return Invalid(Cat(text, " has no unit — ", text, " what? write ", text, "s or ",
                                text, "ms"));
  }
  if (text.front() == '+') return Invalid(Cat("write the duration without a sign: ", kForm));

  int64_t total_ms = 0;
  size_t next_unit = 0;  // index in kUnits of the smallest unit still allowed
  size_t pos = 0;
  while (pos < text.size()) {
    if (!IsDigit(text[pos])) {
      return Invalid(Cat("\"", text, "\" is not a duration: write ", kForm));
    }
    int64_t value = 0;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos) {
      int digit = text[pos] - '0';
      if (value > (std::numeric_limits<int64_t>::max() - digit) / 10) return TooLarge();
      value = value * 10 + digit;
    }
    if (pos < text.size() && text[pos] == '.') {
      return Invalid(Cat("\"", text,
                                  "\": fractions are not supported; use a smaller unit "
                                  "(1500ms, not 1.5s)"));
    }
    size_t unit_start = pos;
    while (pos < text.size() && IsLetter(text[pos])) ++pos;
    std::string_view unit_name = text.substr(unit_start, pos - unit_start);
    if (unit_name.empty()) {
      if (pos == text.size()) {
        return Invalid(Cat("\"", text, "\": the last number has no unit; write ", kForm));
      }
      return Invalid(Cat("\"", text, "\" is not a duration (no spaces or other signs); write ", kForm));
    }
    size_t unit = 0;
    while (unit < kUnits.size() && kUnits[unit].name != unit_name) ++unit;
    if (unit == kUnits.size()) {
      return Invalid(Cat("\"", text, "\": unknown unit \"", unit_name,
                                  "\"; the units are h, m, s and ms"));
    }
    if (unit < next_unit) {
      return Invalid(Cat("\"", text,
                                  "\": write units from the largest to the smallest, each once "
                                  "(like 1h2m3s500ms)"));
    }
    next_unit = unit + 1;
    int64_t part_ms = 0;
    if (__builtin_mul_overflow(value, kUnits[unit].ms, &part_ms) ||
        __builtin_add_overflow(total_ms, part_ms, &total_ms)) {
      return TooLarge();
    }
  }
  return total_ms;
}

std::string FormatDurationMs(int64_t duration_ms) {
  if (duration_ms == 0) return "0s";
  // Negative values break the REQUIRES; print them anyway, for messages.
  std::string text = duration_ms < 0 ? "-" : "";
  uint64_t rest_ms = duration_ms < 0 ? 0 - static_cast<uint64_t>(duration_ms)
                                     : static_cast<uint64_t>(duration_ms);
  for (const Unit& unit : kUnits) {
    uint64_t unit_ms = static_cast<uint64_t>(unit.ms);
    if (rest_ms >= unit_ms) {
      text += Cat(rest_ms / unit_ms, unit.name);
      rest_ms %= unit_ms;
    }
  }
  return text;
}

}  // namespace discosim::scenario
