// Scalar typing, descriptions and flow rendering of the YAML tree.
#include "sim/scenario/yaml_tree.h"
#include "sim/scenario/text.h"

#include <cstdio>


namespace discosim::scenario::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsInt(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?, or inf/nan.
bool IsFloat(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == ".nan" || text == ".NaN" ||
      text == ".NAN") {
    return true;
  }
  size_t i = 0;
  size_t digits = 0;
  while (i < text.size() && IsDigit(text[i])) ++i, ++digits;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && IsDigit(text[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
    size_t exponent_digits = 0;
    while (i < text.size() && IsDigit(text[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == text.size();
}

// True when a plain scalar cannot be printed as-is inside flow collections.
bool NeedsQuotes(std::string_view text) {
  if (text.empty()) return true;
  if (text.find_first_of(",[]{}\"'\n\t") != std::string_view::npos) return true;
  if (text.find(": ") != std::string_view::npos || text.find(" #") != std::string_view::npos) {
    return true;
  }
  return text.front() == ' ' || text.back() == ' ' || text.back() == ':';
}

std::string Quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\x%02x", byte);
      out += buffer;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

void Render(const YamlNode& node, std::string& out) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      out += node.text.empty() ? "null" : node.text;
      return;
    case YamlNode::Kind::kScalar:
      out += node.style == YamlNode::Style::kQuoted || NeedsQuotes(node.text) ? Quote(node.text)
                                                                               : node.text;
      return;
    case YamlNode::Kind::kSequence:
      out += '[';
      for (size_t i = 0; i < node.items.size(); ++i) {
        if (i > 0) out += ", ";
        Render(node.items[i], out);
      }
      out += ']';
      return;
    case YamlNode::Kind::kMap:
      out += '{';
      for (size_t i = 0; i < node.entries.size(); ++i) {
        if (i > 0) out += ", ";
        out += NeedsQuotes(node.entries[i].key) ? Quote(node.entries[i].key) : node.entries[i].key;
        out += ": ";
        Render(node.entries[i].value, out);
      }
      out += '}';
      return;
  }
}

}  // namespace

ScalarType TypeOf(const YamlNode& node) {
  if (node.kind == YamlNode::Kind::kNull) return ScalarType::kNull;
  if (node.style == YamlNode::Style::kQuoted) return ScalarType::kString;
  const std::string& t = node.text;
  if (t.empty() || t == "~" || t == "null" || t == "Null" || t == "NULL") return ScalarType::kNull;
  if (t == "true" || t == "True" || t == "TRUE" || t == "false" || t == "False" || t == "FALSE") {
    return ScalarType::kBool;
  }
  if (IsInt(t)) return ScalarType::kInt;
  if (IsFloat(t)) return ScalarType::kFloat;
  return ScalarType::kString;
}

std::string Describe(const YamlNode& node) {
  switch (node.kind) {
    case YamlNode::Kind::kNull:
      return "nothing (null)";
    case YamlNode::Kind::kSequence:
      return "a list";
    case YamlNode::Kind::kMap:
      return "a map";
    case YamlNode::Kind::kScalar:
      break;
  }
  std::string shown = node.text.size() > 40 ? node.text.substr(0, 37) + "..." : node.text;
  switch (TypeOf(node)) {
    case ScalarType::kNull:
      return "nothing (null)";
    case ScalarType::kBool:
      return Cat("the boolean ", shown);
    case ScalarType::kInt:
    case ScalarType::kFloat:
      return Cat("the number ", shown);
    case ScalarType::kString:
      break;
  }
  return Cat("the string ", Quote(shown));
}

std::string RenderFlow(const YamlNode& node) {
  std::string out;
  Render(node, out);
  return out;
}

}  // namespace discosim::scenario::internal
