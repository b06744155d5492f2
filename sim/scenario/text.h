// Small string helpers for messages in sim/scenario.
//
// They exist because this project's Abseil is built with its own
// absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0), which
// absl::StrCat/StrJoin require, while this code uses std::string_view.
#ifndef DISCOSIM_SIM_SCENARIO_TEXT_H_
#define DISCOSIM_SIM_SCENARIO_TEXT_H_

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

namespace discosim::scenario::internal {

inline void AppendPart(std::string& out, std::string_view part) { out += part; }
inline void AppendPart(std::string& out, char part) { out += part; }
template <std::integral T>
  requires(!std::same_as<T, char> && !std::same_as<T, bool>)
void AppendPart(std::string& out, T part) {
  out += std::to_string(part);
}

// The parts one after the other: strings, chars and integers.
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string out;
  (AppendPart(out, parts), ...);
  return out;
}

// The items with `separator` between them.
template <typename Range>
std::string Join(const Range& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    out += std::string_view(item);
    first = false;
  }
  return out;
}

}  // namespace discosim::scenario::internal

#endif  // DISCOSIM_SIM_SCENARIO_TEXT_H_
