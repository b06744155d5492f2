// The scenario reader's toolkit (see reader.h).
#include "sim/scenario/reader.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "sim/scenario/duration.h"
#include "sim/scenario/text.h"

namespace discosim::scenario::internal {
namespace {

// Optimal string alignment distance (a transposition is one edit), keeping
// three rows of the table. Words longer than kMaxHintLength get no hint.
constexpr size_t kMaxHintLength = 64;
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    before.swap(previous);
    previous.swap(current);
  }
  return previous[b.size()];
}

// "message; did you mean ...?" when there is a hint.
std::string WithHint(std::string message, const std::string& hint) {
  if (hint.empty()) return message;
  return Cat(message, "; ", hint);
}

std::string Quoted(std::string_view text) { return Cat("\"", text, "\""); }

// One mistake, one line: a key or value quoted in a message may span lines
// (a multi-line scalar; found by fuzz/), so its line breaks are shown as \n.
std::string OneLine(std::string text) {
  if (text.find_first_of("\r\n") == std::string::npos) return text;
  std::string out;
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

bool IsYaml11Bool(std::string_view text) {
  for (std::string_view word : {"yes", "no", "on", "off", "y", "n", "Yes", "No", "On", "Off",
                                "YES", "NO", "ON", "OFF", "Y", "N"}) {
    if (text == word) return true;
  }
  return false;
}

}  // namespace

std::string KeyPath(std::string_view path, std::string_view key) {
  if (path.empty()) return std::string(key);
  return Cat(path, ".", key);
}

std::string IndexPath(std::string_view path, size_t index) {
  return Cat(path, "[", index, "]");
}

std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates) {
  if (word.size() > kMaxHintLength) return "";
  std::string_view best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (std::string_view candidate : candidates) {
    size_t distance = EditDistance(word, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  // Short words are close to many others: allow them one edit only.
  size_t max_distance = word.size() <= 4 ? 1 : 2;
  if (best_distance == 0 || best_distance > max_distance || best_distance >= word.size()) return "";
  return Cat("did you mean ", Quoted(best), "?");
}

std::string NodeNameProblem(std::string_view name) {
  constexpr std::string_view kForm = "a node name is name@host, like a@h1";
  for (char c : name) {
    unsigned char byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) {
      return Cat("node name ", Quoted(name), " has a space or control character; ", kForm);
    }
  }
  size_t at = name.find('@');
  if (at == std::string_view::npos) return Cat("node name ", Quoted(name), " has no \"@\"; ", kForm);
  if (name.find('@', at + 1) != std::string_view::npos) {
    return Cat("node name ", Quoted(name), " has more than one \"@\"; ", kForm);
  }
  if (at == 0) return Cat("node name ", Quoted(name), " has an empty name part; ", kForm);
  if (at + 1 == name.size()) {
    return Cat("node name ", Quoted(name), " has an empty host part; ", kForm);
  }
  return "";
}

// ---------------------------------------------------------------------------
// Reader

Reader::Reader(std::string_view file_name, const ScenarioLimits& limits)
    : file_name_(file_name), limits_(limits) {}

void Reader::Error(TextPosition at, std::string_view path, std::string_view message) {
  if (errors_.size() >= kMaxReportedErrors) {
    ++errors_dropped_;
    return;
  }
  std::string text = Cat(at.line, ":", at.column, ": ");
  if (!path.empty()) text += Cat(path, ": ");
  text += message;
  errors_.push_back({at, OneLine(std::move(text))});
}

absl::Status Reader::ToStatus() const {
  if (errors_.empty()) return absl::OkStatus();
  std::vector<Problem> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Problem& a, const Problem& b) {
    return a.at.line != b.at.line ? a.at.line < b.at.line : a.at.column < b.at.column;
  });
  std::vector<std::string> lines;
  for (const Problem& problem : sorted) lines.push_back(Cat(file_name_, ":", problem.text));
  if (errors_dropped_ > 0) {
    lines.push_back(Cat(file_name_, ": ", errors_dropped_,
                                 " more mistakes not shown (fix the ones above first)"));
  }
  return absl::InvalidArgumentError(Join(lines, "\n"));
}

SourcePosition Reader::Source(TextPosition at) const {
  return SourcePosition{file_name_, at.line, at.column};
}

void Reader::DeclareNode(const NodeName& name) {
  if (declared_.insert(name).second) declared_order_.push_back(name);
}

bool Reader::IsDeclared(std::string_view name) const { return declared_.count(name) > 0; }

void Reader::NoteTable(const TableName& table, TextPosition at, std::string_view path) {
  if (!tables_.insert(table).second) return;
  if (static_cast<int64_t>(tables_.size()) > limits_.max_tables && !tables_over_limit_reported_) {
    tables_over_limit_reported_ = true;
    Error(at, path,
          Cat("table ", Quoted(table), " is one more distinct table name than the limit of ",
                       limits_.max_tables, "; raise it with --max-tables"));
  }
}

std::vector<std::string_view> Reader::known_tables() const {
  return std::vector<std::string_view>(tables_.begin(), tables_.end());
}

// ---------------------------------------------------------------------------
// MapReader

std::optional<MapReader> MapReader::OpenAnyKeys(Reader& reader, const YamlNode& node,
                                                std::string path) {
  if (!node.IsMap()) {
    reader.Error(node.position, path, Cat("expected a map, found ", Describe(node)));
    return std::nullopt;
  }
  MapReader map(reader, node, std::move(path));
  std::set<std::string_view> seen;
  for (const YamlEntry& entry : node.entries) {
    if (!seen.insert(entry.key).second) {
      reader.Error(entry.key_position, map.PathOf(entry.key),
                   "this key is written twice in the same map; keep one");
      continue;
    }
    map.entries_.push_back(&entry);
  }
  return map;
}

std::optional<MapReader> MapReader::Open(Reader& reader, const YamlNode& node, std::string path,
                                         std::span<const std::string_view> allowed_keys) {
  std::optional<MapReader> map = OpenAnyKeys(reader, node, std::move(path));
  if (!map) return std::nullopt;
  std::vector<const YamlEntry*> known;
  for (const YamlEntry* entry : map->entries_) {
    if (std::find(allowed_keys.begin(), allowed_keys.end(), entry->key) != allowed_keys.end()) {
      known.push_back(entry);
      continue;
    }
    if (!reader.reporting()) {
      reader.Error(entry->key_position, "", "");  // counted, not shown
      continue;
    }
    std::string hint = DidYouMean(entry->key, allowed_keys);
    if (hint.empty()) {
      hint = Cat("the keys here are ", Join(allowed_keys, ", "));
    }
    reader.Error(entry->key_position, map->PathOf(entry->key),
                 WithHint(Cat("unknown key ", Quoted(entry->key)), hint));
  }
  map->entries_ = std::move(known);
  return map;
}

const YamlNode* MapReader::Find(std::string_view key) const {
  for (const YamlEntry* entry : entries_) {
    if (entry->key == key) return &entry->value;
  }
  return nullptr;
}

const YamlNode* MapReader::Require(std::string_view key) const {
  const YamlNode* value = Find(key);
  if (value == nullptr) {
    reader_->Error(node_->position, PathOf(key), "required key is missing");
  }
  return value;
}

TextPosition MapReader::KeyPosition(std::string_view key) const {
  for (const YamlEntry* entry : entries_) {
    if (entry->key == key) return entry->key_position;
  }
  return node_->position;
}

// ---------------------------------------------------------------------------
// Typed reads

const std::vector<YamlNode>* ReadList(Reader& reader, const YamlNode& node, std::string_view path) {
  if (!node.IsSequence()) {
    reader.Error(node.position, path, Cat("expected a list, found ", Describe(node)));
    return nullptr;
  }
  return &node.items;
}

std::optional<std::string> ReadString(Reader& reader, const YamlNode& node, std::string_view path,
                                      std::string_view what) {
  if (node.IsScalar() && TypeOf(node) == ScalarType::kString) return node.text;
  std::string message = Cat("expected ", what, " (a string), found ", Describe(node));
  if (node.IsScalar() && TypeOf(node) != ScalarType::kNull) {
    message += Cat("; quote it (\"", node.text, "\") if you mean the text");
  }
  reader.Error(node.position, path, message);
  return std::nullopt;
}

std::optional<std::string> ReadText(Reader& reader, const YamlNode& node, std::string_view path,
                                    std::string_view what) {
  if (node.IsScalar() && TypeOf(node) != ScalarType::kNull) return node.text;
  reader.Error(node.position, path, Cat("expected ", what, ", found ", Describe(node)));
  return std::nullopt;
}

std::optional<bool> ReadBool(Reader& reader, const YamlNode& node, std::string_view path) {
  if (node.IsScalar() && TypeOf(node) == ScalarType::kBool) {
    return node.text == "true" || node.text == "True" || node.text == "TRUE";
  }
  std::string message = Cat("expected true or false, found ", Describe(node));
  if (node.IsScalar() && IsYaml11Bool(node.text)) {
    message += Cat(" (write true or false; ", node.text, " is not a boolean here)");
  }
  reader.Error(node.position, path, message);
  return std::nullopt;
}

std::optional<int64_t> ReadDuration(Reader& reader, const YamlNode& node, std::string_view path) {
  if (!node.IsScalar() || TypeOf(node) == ScalarType::kNull) {
    reader.Error(node.position, path,
                 Cat("expected a duration like 5s or 250ms, found ", Describe(node)));
    return std::nullopt;
  }
  absl::StatusOr<int64_t> duration_ms = ParseDurationMs(node.text);
  if (!duration_ms.ok()) {
    reader.Error(node.position, path, std::string(duration_ms.status().message()));
    return std::nullopt;
  }
  return *duration_ms;
}

std::optional<int64_t> ReadTime(Reader& reader, const YamlNode& node, std::string_view path) {
  std::optional<int64_t> time_ms = ReadDuration(reader, node, path);
  if (time_ms && reader.run_duration_ms && *time_ms > *reader.run_duration_ms) {
    reader.Error(node.position, path,
                 Cat(FormatDurationMs(*time_ms), " is after the end of the run (duration: ",
                              FormatDurationMs(*reader.run_duration_ms), ")"));
    return std::nullopt;
  }
  return time_ms;
}

namespace {

// The integer a plain int scalar denotes, or nullopt when it does not fit.
std::optional<int64_t> ParseInt64(const std::string& text) {
  errno = 0;
  char* end = nullptr;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno == ERANGE || end != text.c_str() + text.size()) return std::nullopt;
  return static_cast<int64_t>(value);
}

}  // namespace

std::optional<int64_t> ReadCount(Reader& reader, const YamlNode& node, std::string_view path) {
  if (!node.IsScalar() || TypeOf(node) != ScalarType::kInt) {
    reader.Error(node.position, path, Cat("expected a whole number, found ", Describe(node)));
    return std::nullopt;
  }
  std::optional<int64_t> value = ParseInt64(node.text);
  if (!value) {
    reader.Error(node.position, path, Cat(node.text, " is too large"));
    return std::nullopt;
  }
  if (*value < 0) {
    reader.Error(node.position, path, Cat("must be 0 or more, not ", node.text));
    return std::nullopt;
  }
  return value;
}

std::optional<uint64_t> ReadUnsigned(Reader& reader, const YamlNode& node, std::string_view path) {
  constexpr std::string_view kWhat = "a non-negative integer (0 to 18446744073709551615)";
  if (!node.IsScalar() || TypeOf(node) != ScalarType::kInt || node.text.front() == '-') {
    reader.Error(node.position, path, Cat("expected ", kWhat, ", found ", Describe(node)));
    return std::nullopt;
  }
  std::string_view digits = node.text;
  if (digits.front() == '+') digits.remove_prefix(1);
  uint64_t value = 0;
  for (char c : digits) {
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
      reader.Error(node.position, path, Cat(node.text, " is too large; expected ", kWhat));
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

std::optional<double> ReadProbability(Reader& reader, const YamlNode& node, std::string_view path) {
  ScalarType type = node.IsScalar() ? TypeOf(node) : ScalarType::kNull;
  if (!node.IsScalar() || (type != ScalarType::kInt && type != ScalarType::kFloat)) {
    reader.Error(node.position, path,
                 Cat("expected a probability between 0 and 1, found ", Describe(node)));
    return std::nullopt;
  }
  double value = std::strtod(node.text.c_str(), nullptr);
  if (node.text.find("inf") != std::string::npos || node.text.find("Inf") != std::string::npos ||
      node.text.find("INF") != std::string::npos || node.text.find("nan") != std::string::npos ||
      node.text.find("NaN") != std::string::npos || node.text.find("NAN") != std::string::npos ||
      !std::isfinite(value) || value < 0.0 || value > 1.0) {
    reader.Error(node.position, path,
                 Cat("probability ", node.text, " is outside [0, 1]"));
    return std::nullopt;
  }
  return value;
}

std::optional<size_t> ReadChoice(Reader& reader, const YamlNode& node, std::string_view path,
                                 std::span<const std::string_view> names) {
  if (node.IsScalar()) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (node.text == names[i]) return i;
    }
  }
  std::string message =
      Cat("expected one of ", Join(names, ", "), ", found ", Describe(node));
  reader.Error(node.position, path,
               WithHint(message, node.IsScalar() ? DidYouMean(node.text, names) : ""));
  return std::nullopt;
}

std::optional<NodeName> ReadNodeRef(Reader& reader, const YamlNode& node, std::string_view path) {
  std::optional<std::string> name = ReadString(reader, node, path, "a node name");
  if (!name || !reader.nodes_known() || reader.IsDeclared(*name)) return name;
  if (!reader.reporting()) {
    reader.Error(node.position, path, "");  // counted, not shown
    return std::nullopt;
  }
  std::vector<std::string_view> declared(reader.declared_nodes().begin(),
                                         reader.declared_nodes().end());
  std::string message = Cat("unknown node ", Quoted(*name));
  std::string hint = DidYouMean(*name, declared);
  if (hint.empty()) hint = "nodes must be declared under `nodes` first";
  reader.Error(node.position, path, WithHint(message, hint));
  return std::nullopt;
}

std::optional<std::vector<NodeName>> ReadNodeList(Reader& reader, const YamlNode& node,
                                                  std::string_view path, EmptyList empty) {
  const std::vector<YamlNode>* items = ReadList(reader, node, path);
  if (items == nullptr) return std::nullopt;
  if (items->empty() && empty == EmptyList::kRefused) {
    reader.Error(node.position, path, "empty list; name at least one node");
    return std::nullopt;
  }
  std::vector<NodeName> names;
  std::set<std::string_view> seen;
  bool ok = true;
  for (const YamlNode& item : *items) {
    std::optional<NodeName> name = ReadNodeRef(reader, item, path);
    if (!name) {
      ok = false;
    } else if (!seen.insert(item.text).second) {
      reader.Error(item.position, path, Cat("node ", Quoted(*name), " is listed twice"));
      ok = false;
    } else {
      names.push_back(*name);
    }
  }
  if (!ok) return std::nullopt;
  return names;
}

std::optional<NodeSelection> ReadNodeSelection(Reader& reader, const YamlNode& node,
                                               std::string_view path) {
  if (node.IsScalar() && node.text == "all") return NodeSelection{NodeSelection::Kind::kAll, {}};
  if (!node.IsSequence()) {
    reader.Error(node.position, path,
                 Cat("expected all or a list of nodes, found ", Describe(node)));
    return std::nullopt;
  }
  std::optional<std::vector<NodeName>> listed = ReadNodeList(reader, node, path, EmptyList::kRefused);
  if (!listed) return std::nullopt;
  return NodeSelection{NodeSelection::Kind::kListed, std::move(*listed)};
}

std::optional<std::vector<NodePair>> ReadPairs(Reader& reader, const YamlNode& node,
                                               std::string_view path) {
  const std::vector<YamlNode>* items = ReadList(reader, node, path);
  if (items == nullptr) return std::nullopt;
  if (items->empty()) {
    reader.Error(node.position, path, "empty list; give at least one pair [a@h1, b@h2]");
    return std::nullopt;
  }
  std::vector<NodePair> pairs;
  bool ok = true;
  for (const YamlNode& item : *items) {
    if (!item.IsSequence() || item.items.size() != 2) {
      reader.Error(item.position, path,
                   Cat("expected a pair of nodes like [a@h1, b@h2], found ",
                                item.IsSequence() ? Cat("a list of ", item.items.size())
                                                  : Describe(item)));
      ok = false;
      continue;
    }
    std::optional<NodeName> first = ReadNodeRef(reader, item.items[0], path);
    std::optional<NodeName> second = ReadNodeRef(reader, item.items[1], path);
    if (!first || !second) {
      ok = false;
    } else if (*first == *second) {
      reader.Error(item.position, path,
                   Cat("a pair needs two different nodes, not ", Quoted(*first), " twice"));
      ok = false;
    } else {
      pairs.push_back({*first, *second});
    }
  }
  if (!ok) return std::nullopt;
  return pairs;
}

std::optional<TableName> ReadTableName(Reader& reader, const YamlNode& node, std::string_view path) {
  std::optional<std::string> table = ReadString(reader, node, path, "a table name");
  if (!table) return std::nullopt;
  if (table->empty()) {
    reader.Error(node.position, path, "a table name cannot be empty");
    return std::nullopt;
  }
  reader.NoteTable(*table, node.position, path);
  return table;
}

std::optional<std::vector<TableName>> ReadTableList(Reader& reader, const YamlNode& node,
                                                    std::string_view path) {
  const std::vector<YamlNode>* items = ReadList(reader, node, path);
  if (items == nullptr) return std::nullopt;
  std::vector<TableName> tables;
  std::set<std::string_view> seen;
  bool ok = true;
  for (const YamlNode& item : *items) {
    std::optional<TableName> table = ReadTableName(reader, item, path);
    if (!table) {
      ok = false;
    } else if (!seen.insert(item.text).second) {
      reader.Error(item.position, path, Cat("table ", Quoted(*table), " is listed twice"));
      ok = false;
    } else {
      tables.push_back(*table);
    }
  }
  if (!ok) return std::nullopt;
  return tables;
}

std::optional<LatencyRange> ReadLatency(Reader& reader, const YamlNode& node,
                                        std::string_view path) {
  if (node.IsSequence()) {
    if (node.items.size() != 2) {
      reader.Error(node.position, path,
                   Cat("a latency range is [min, max], like [10ms, 2s]; found a list of ",
                                node.items.size()));
      return std::nullopt;
    }
    std::optional<int64_t> min_ms = ReadDuration(reader, node.items[0], path);
    std::optional<int64_t> max_ms = ReadDuration(reader, node.items[1], path);
    if (!min_ms || !max_ms) return std::nullopt;
    if (*min_ms > *max_ms) {
      reader.Error(node.position, path,
                   Cat("the range's minimum ", FormatDurationMs(*min_ms),
                                " is larger than its maximum ", FormatDurationMs(*max_ms)));
      return std::nullopt;
    }
    return LatencyRange{*min_ms, *max_ms};
  }
  std::optional<int64_t> latency_ms = ReadDuration(reader, node, path);
  if (!latency_ms) return std::nullopt;
  return LatencyRange{*latency_ms, *latency_ms};
}

}  // namespace discosim::scenario::internal
