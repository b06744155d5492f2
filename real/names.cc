// The patterns of names.h, written out by hand (no regex engine).
#include "real/names.h"

#include <cstddef>
#include <vector>

#include "absl/strings/str_cat.h"

namespace discosim::real {
namespace {

bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A lowercase letter, then up to max_rest characters each lower, digit or `extra`.
bool Word(std::string_view text, size_t max_rest, char extra) {
  if (text.empty() || text.size() > max_rest + 1 || !IsLower(text[0])) return false;
  for (char c : text.substr(1)) {
    if (!IsLower(c) && !IsDigit(c) && c != extra) return false;
  }
  return true;
}

// `text` cut at every `sep` (empty pieces kept).
std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

bool IsSafeNamePart(std::string_view name) { return Word(name, 63, '_'); }

bool IsSafeHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (std::string_view label : Split(host, '.')) {
    if (!Word(label, 62, '-') || label.back() == '-') return false;
  }
  return true;
}

bool IsSafeNodeName(std::string_view node) { return SplitNodeName(node).has_value(); }

bool IsSafeTableName(std::string_view table) { return Word(table, 62, '_'); }

bool IsLoopbackAddress(std::string_view address) {
  std::vector<std::string_view> parts = Split(address, '.');
  if (parts.size() != 4 || parts[0] != "127") return false;
  for (std::string_view part : parts) {
    if (part.empty() || part.size() > 3) return false;
    int value = 0;
    for (char c : part) {
      if (!IsDigit(c)) return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255 || (part.size() > 1 && part[0] == '0')) return false;
  }
  return true;
}

std::optional<NodeParts> SplitNodeName(std::string_view node) {
  const size_t at = node.find('@');
  if (at == std::string_view::npos || node.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  NodeParts parts{std::string(node.substr(0, at)), std::string(node.substr(at + 1))};
  if (!IsSafeNamePart(parts.name) || !IsSafeHost(parts.host)) return std::nullopt;
  return parts;
}

std::string HostAddress(int block, int index) {
  return absl::StrCat("127.", block, ".", index / 250, ".", index % 250 + 1);
}

std::string ErlangAddress(std::string_view address) {
  std::string out = "{";
  for (char c : address) out.push_back(c == '.' ? ',' : c);
  return out + "}";
}

}  // namespace discosim::real
