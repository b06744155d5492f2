// Reading a scenario file: the input checks (size, bytes), YAML events into
// the plain tree of yaml_tree.h, then the tree into a `Scenario` (build.h).
//
// This is the only file that sees yaml-cpp. It uses yaml-cpp's event parser
// rather than YAML::Load: events never expand aliases (an alias bomb is
// refused at its first alias, in bounded memory), and they tell quoted
// scalars from plain ones and where each key was written.
#include "sim/scenario/parse.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "sim/scenario/build.h"
#include "sim/scenario/reader.h"
#include "sim/scenario/validate.h"
#include "sim/scenario/yaml_tree.h"
#include "sim/scenario/text.h"
#include "yaml-cpp/eventhandler.h"
#include "yaml-cpp/exceptions.h"
#include "yaml-cpp/mark.h"
#include "yaml-cpp/parser.h"

namespace discosim::scenario {
namespace {

using internal::Cat;
using internal::TextPosition;
using internal::YamlEntry;
using internal::YamlNode;

// Deeper nesting is never needed by the format and would make the tree's
// recursive walks (rendering, reading) deep.
constexpr size_t kMaxNestingDepth = 64;

constexpr const char* kAliasesRefused =
    "YAML aliases (*name) are not supported in scenario files; write the value out";

// A mistake that stops reading the file at once.
struct Refusal {
  TextPosition at;
  std::string message;
};

TextPosition PositionOf(const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return TextPosition{1, 1};
  return TextPosition{mark.line + 1, mark.column + 1};
}

// The length of the UTF-8 sequence at text[i], or 0 when it is not valid
// UTF-8 (overlong forms, surrogates and code points past U+10FFFF included).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint32_t code = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code = lead & 0x0F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) || code > 0x10FFFF ||
      (code >= 0xD800 && code <= 0xDFFF)) {
    return 0;
  }
  return length;
}

std::string HexByte(unsigned char byte) {
  constexpr char kDigits[] = "0123456789abcdef";
  return Cat("0x", kDigits[byte >> 4], kDigits[byte & 0xF]);
}

// Refuses what is not UTF-8 text: NUL bytes, invalid UTF-8, control
// characters other than tab, line feed and carriage return.
std::optional<Refusal> CheckText(std::string_view text) {
  TextPosition at;
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0) {
      return Refusal{at, "the file contains a NUL byte: it looks binary, not a YAML scenario"};
    }
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return Refusal{at, Cat("control character ", HexByte(c),
                                      " in the file: a scenario is UTF-8 text")};
    }
    size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      return Refusal{at, Cat("invalid UTF-8 (byte ", HexByte(c),
                                      "): a scenario is UTF-8 text")};
    }
    if (c == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      at.column += static_cast<int>(length);
    }
    i += length;
  }
  return std::nullopt;
}

// Builds the tree from yaml-cpp's events, refusing aliases, anchors, tags,
// non-scalar keys, a second document and deep nesting.
class TreeBuilder final : public YAML::EventHandler {
 public:
  std::optional<YamlNode> root;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw Refusal{PositionOf(mark), "a second YAML document (---): one scenario per file"};
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    CheckAnchor(mark, anchor);
    YamlNode node;
    node.kind = YamlNode::Kind::kNull;
    node.position = PositionOf(mark);
    Add(std::move(node));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    throw Refusal{PositionOf(mark), kAliasesRefused};
  }

  void OnAnchor(const YAML::Mark& mark, const std::string& name) override {
    throw Refusal{PositionOf(mark),
                  Cat("YAML anchors (&", name,
                               ") are not supported in scenario files; write each value out "
                               "(`defaults:` sets what all nodes share)")};
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    YamlNode node;
    node.kind = YamlNode::Kind::kScalar;
    node.style = tag == "!" ? YamlNode::Style::kQuoted : YamlNode::Style::kPlain;
    node.text = value;
    node.position = PositionOf(mark);
    Add(std::move(node));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(YamlNode::Kind::kSequence, mark, tag, anchor);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(YamlNode::Kind::kMap, mark, tag, anchor);
  }
  void OnMapEnd() override { Close(); }

 private:
  // A collection being built, and for a map the key waiting for its value.
  struct Frame {
    YamlNode node;
    bool has_key = false;
    std::string key;
    TextPosition key_position;
  };

  void CheckAnchor(const YAML::Mark& mark, YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) {
      throw Refusal{PositionOf(mark), "YAML anchors (&name) are not supported in scenario files"};
    }
  }

  void CheckTag(const YAML::Mark& mark, const std::string& tag) {
    if (!tag.empty() && tag != "?" && tag != "!") {
      throw Refusal{PositionOf(mark),
                    Cat("YAML tags (", tag, ") are not supported; quote a value to make "
                                 "it text")};
    }
  }

  void Open(YamlNode::Kind kind, const YAML::Mark& mark, const std::string& tag,
            YAML::anchor_t anchor) {
    CheckAnchor(mark, anchor);
    CheckTag(mark, tag);
    if (stack_.size() >= kMaxNestingDepth) {
      throw Refusal{PositionOf(mark), Cat("lists and maps nested deeper than ",
                                                   kMaxNestingDepth, " levels")};
    }
    Frame frame;
    frame.node.kind = kind;
    frame.node.position = PositionOf(mark);
    stack_.push_back(std::move(frame));
  }

  void Close() {
    YamlNode node = std::move(stack_.back().node);
    stack_.pop_back();
    Add(std::move(node));
  }

  void Add(YamlNode node) {
    if (stack_.empty()) {
      root = std::move(node);
      return;
    }
    Frame& top = stack_.back();
    if (top.node.kind == YamlNode::Kind::kSequence) {
      top.node.items.push_back(std::move(node));
      return;
    }
    if (!top.has_key) {
      if (node.kind != YamlNode::Kind::kScalar) {
        throw Refusal{node.position, "a map key must be a word, not a list, a map or nothing"};
      }
      top.has_key = true;
      top.key = std::move(node.text);
      top.key_position = node.position;
      return;
    }
    // An empty value (`key:`) is reported by yaml-cpp where the next token
    // starts, often on a later line; point at its key instead.
    if (node.kind == YamlNode::Kind::kNull && node.position.line != top.key_position.line) {
      node.position = top.key_position;
    }
    top.node.entries.push_back(YamlEntry{std::move(top.key), top.key_position, std::move(node)});
    top.has_key = false;
  }

  std::vector<Frame> stack_;
  int documents_ = 0;
};

// Builds the tree of `text` (one YAML document); a Refusal on any mistake.
std::optional<YamlNode> BuildTree(std::string_view text) {
  TreeBuilder builder;
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  while (parser.HandleNextDocument(builder)) {
  }
  return std::move(builder.root);
}

// `node` and everything in it, as if written at `at`.
void PlaceAt(YamlNode& node, TextPosition at) {
  node.position = at;
  for (YamlNode& item : node.items) PlaceAt(item, at);
  for (YamlEntry& entry : node.entries) {
    entry.key_position = at;
    PlaceAt(entry.value, at);
  }
}

// One step of an override's path: a map key, or a list index.
struct PathStep {
  std::string key;              // empty for an index
  std::optional<size_t> index;  // set for [i]
};

std::optional<std::vector<PathStep>> SplitPath(std::string_view path) {
  std::vector<PathStep> steps;
  size_t at = 0;
  while (at < path.size()) {
    if (path[at] == '[') {
      const size_t close = path.find(']', at);
      if (close == std::string_view::npos || close == at + 1) return std::nullopt;
      size_t index = 0;
      for (char c : path.substr(at + 1, close - at - 1)) {
        if (c < '0' || c > '9' || index > 1'000'000) return std::nullopt;
        index = index * 10 + static_cast<size_t>(c - '0');
      }
      steps.push_back({"", index});
      at = close + 1;
      if (at < path.size() && path[at] == '.') ++at;
      continue;
    }
    size_t end = at;
    while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
    if (end == at) return std::nullopt;
    steps.push_back({std::string(path.substr(at, end - at)), std::nullopt});
    at = end < path.size() && path[end] == '.' ? end + 1 : end;
  }
  if (steps.empty() || steps.front().index) return std::nullopt;
  return steps;
}

// The node `step` names under `node`, added (as an empty map, or null for
// the last step) when it is a key the map lacks; an error when it does not fit.
absl::StatusOr<YamlNode*> Descend(YamlNode& node, const PathStep& step, bool last,
                                  std::string_view so_far) {
  if (step.index) {
    if (!node.IsSequence()) {
      return absl::InvalidArgumentError(Cat(so_far, " is not a list in the file"));
    }
    if (*step.index >= node.items.size()) {
      return absl::InvalidArgumentError(
          Cat(so_far, " has ", node.items.size(), " items in the file; [", *step.index,
              "] is past its end"));
    }
    return &node.items[*step.index];
  }
  if (node.kind == YamlNode::Kind::kNull) node.kind = YamlNode::Kind::kMap;  // `key:` left empty
  if (!node.IsMap()) {
    return absl::InvalidArgumentError(
        Cat(so_far.empty() ? "the top level" : so_far, " is not a map in the file, so it has no key ",
            step.key));
  }
  for (YamlEntry& entry : node.entries) {
    if (entry.key == step.key) return &entry.value;
  }
  YamlEntry added{step.key, node.position, YamlNode{}};
  added.value.kind = last ? YamlNode::Kind::kNull : YamlNode::Kind::kMap;
  added.value.position = node.position;
  node.entries.push_back(std::move(added));
  return &node.entries.back().value;
}

// Puts override `o` into the tree at `root`.
absl::Status ApplyOverride(YamlNode& root, const ValueOverride& o) {
  std::optional<std::vector<PathStep>> steps = SplitPath(o.path);
  if (!steps) {
    return absl::InvalidArgumentError(
        Cat(o.path, ": not a key path; write keys joined by dots and list items as [i], like "
                    "defaults.net_ticktime or nodes[0].count"));
  }
  YamlNode* node = &root;
  std::string so_far;
  for (size_t i = 0; i < steps->size(); ++i) {
    const PathStep& step = (*steps)[i];
    absl::StatusOr<YamlNode*> next = Descend(*node, step, i + 1 == steps->size(), so_far);
    if (!next.ok()) return absl::InvalidArgumentError(Cat(o.path, ": ", std::string(next.status().message())));
    node = *next;
    so_far = step.index ? Cat(so_far, "[", *step.index, "]") : (so_far.empty() ? step.key : Cat(so_far, ".", step.key));
  }
  std::optional<YamlNode> value;
  try {
    value = BuildTree(o.value);
  } catch (const Refusal& refusal) {
    return absl::InvalidArgumentError(Cat(o.path, ": the value ", o.value, ": ", refusal.message));
  } catch (const std::exception&) {
    return absl::InvalidArgumentError(Cat(o.path, ": the value ", o.value, " is not valid YAML"));
  }
  if (!value) value = YamlNode{};
  PlaceAt(*value, node->position);
  *node = std::move(*value);
  return absl::OkStatus();
}

absl::Status Refuse(std::string_view file_name, const Refusal& refusal) {
  return absl::InvalidArgumentError(
      Cat(file_name, ":", refusal.at.line, ":", refusal.at.column, ": ", refusal.message));
}

std::string FileTooLarge(int64_t size_bytes, const ScenarioLimits& limits) {
  return Cat("the file is ", size_bytes, " bytes, more than the limit of ",
                      limits.max_file_bytes, " bytes; raise it with --max-file-bytes");
}

}  // namespace

absl::StatusOr<Scenario> ParseScenario(std::string_view text, std::string_view file_name,
                                       const ScenarioLimits& limits,
                                       const std::vector<ValueOverride>& overrides) {
  if (static_cast<int64_t>(text.size()) > limits.max_file_bytes) {
    return Refuse(file_name, Refusal{{1, 1}, FileTooLarge(static_cast<int64_t>(text.size()), limits)});
  }
  if (std::optional<Refusal> refusal = CheckText(text)) return Refuse(file_name, *refusal);

  std::optional<YamlNode> root;
  try {
    root = BuildTree(text);
  } catch (const Refusal& refusal) {
    return Refuse(file_name, refusal);
  } catch (const YAML::Exception& e) {
    if (e.msg == YAML::ErrorMsg::UNKNOWN_ANCHOR) {  // an alias (*x) with no anchor
      return Refuse(file_name, Refusal{PositionOf(e.mark), kAliasesRefused});
    }
    return Refuse(file_name, Refusal{PositionOf(e.mark), Cat("not valid YAML: ", e.msg)});
  } catch (const std::exception& e) {
    return Refuse(file_name, Refusal{{1, 1}, Cat("not valid YAML: ", e.what())});
  }
  if (!root || root->kind == YamlNode::Kind::kNull ||
      (root->IsScalar() && internal::TypeOf(*root) == internal::ScalarType::kNull)) {
    return Refuse(file_name,
                  Refusal{{1, 1}, "the file is empty; a scenario needs at least name, duration "
                                  "and nodes"});
  }
  for (const ValueOverride& o : overrides) {
    if (absl::Status applied = ApplyOverride(*root, o); !applied.ok()) return applied;
  }

  internal::Reader reader(file_name, limits);
  Scenario scenario;
  scenario.source_file = std::string(file_name);
  internal::BuildScenario(reader, *root, scenario);
  if (absl::Status status = reader.ToStatus(); !status.ok()) return status;
  // The reader checks every rule with exact positions; this is a last guard
  // that it and the struct-level rules agree.
  if (absl::Status status = ValidateScenario(scenario, limits); !status.ok()) return status;
  return scenario;
}

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path, const ScenarioLimits& limits,
                                          const std::vector<ValueOverride>& overrides) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(Cat(path, ": is a directory, not a scenario file"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int saved = errno;
    std::string message = Cat(path, ": cannot read the file: ", std::strerror(saved));
    if (saved == ENOENT) return absl::NotFoundError(message);
    if (saved == EACCES) return absl::PermissionDeniedError(message);
    return absl::UnavailableError(message);
  }
  // Read at most one byte past the limit: enough to know it is too large.
  std::string text;
  char buffer[1 << 16];
  while (static_cast<int64_t>(text.size()) <= limits.max_file_bytes &&
         (in.read(buffer, sizeof buffer) || in.gcount() > 0)) {
    text.append(buffer, static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    return absl::UnavailableError(Cat(path, ": cannot read the file: ", std::strerror(errno)));
  }
  if (static_cast<int64_t>(text.size()) > limits.max_file_bytes) {
    uintmax_t size_bytes = std::filesystem::file_size(path, error);
    int64_t shown = error ? static_cast<int64_t>(text.size()) : static_cast<int64_t>(size_bytes);
    return Refuse(path, Refusal{{1, 1}, FileTooLarge(shown, limits)});
  }
  return ParseScenario(text, path, limits, overrides);
}

}  // namespace discosim::scenario
