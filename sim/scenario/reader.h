// The scenario reader's toolkit: collects the mistakes of one file with
// their positions and key paths, and reads typed values (durations, node
// references, lists, enums...) out of the YAML tree, reporting each mistake
// and returning nullopt so the caller can go on and find the next one.
//
// Internal to sim/scenario (build*.cc and parse.cc).
#ifndef DISCOSIM_SIM_SCENARIO_READER_H_
#define DISCOSIM_SIM_SCENARIO_READER_H_

#include <cstdint>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/scenario.h"
#include "sim/scenario/yaml_tree.h"

namespace discosim::scenario::internal {

// How many mistakes one file reports at most (the rest are counted).
inline constexpr size_t kMaxReportedErrors = 50;

// "path.key" (or "key" at the top level) and "path[index]".
std::string KeyPath(std::string_view path, std::string_view key);
std::string IndexPath(std::string_view path, size_t index);

// `did you mean "nodes"?` when a candidate is a likely typo of `word` (at
// most 2 edits, 1 for words of 4 characters or fewer), else "".
std::string DidYouMean(std::string_view word, std::span<const std::string_view> candidates);

// Empty when `name` is a valid node name (`name@host`, both parts non-empty,
// one "@", no spaces or control characters); otherwise what is wrong.
std::string NodeNameProblem(std::string_view name);

// One file's reading state: the mistakes found so far and what the file
// declared (nodes, tables, call ids, the run's duration) for cross-checks.
class Reader {
 public:
  Reader(std::string_view file_name, const ScenarioLimits& limits);

  // Records a mistake at `at`; `path` may be empty (the whole file).
  void Error(TextPosition at, std::string_view path, std::string_view message);
  bool has_errors() const { return !errors_.empty(); }
  // False once kMaxReportedErrors are recorded: further mistakes are only
  // counted, so callers skip costly work such as typo hints.
  bool reporting() const { return errors_.size() < kMaxReportedErrors; }
  // OK, or InvalidArgument with every mistake, sorted by position, one a line.
  absl::Status ToStatus() const;

  SourcePosition Source(TextPosition at) const;
  const std::string& file_name() const { return file_name_; }
  const ScenarioLimits& limits() const { return limits_; }

  // --- Declared nodes. Until nodes are known (say `nodes` itself was
  // broken), references are not checked, so one mistake is reported once.
  void DeclareNode(const NodeName& name);
  bool IsDeclared(std::string_view name) const;
  void set_nodes_known(bool known) { nodes_known_ = known; }
  bool nodes_known() const { return nodes_known_; }
  const std::vector<NodeName>& declared_nodes() const { return declared_order_; }

  // --- Table names seen anywhere; reports the one that passes max_tables.
  void NoteTable(const TableName& table, TextPosition at, std::string_view path);
  bool IsKnownTable(std::string_view table) const { return tables_.count(table) > 0; }
  std::vector<std::string_view> known_tables() const;

  // --- Call ids of the timeline and their requests.
  std::map<std::string, Request, std::less<>>& call_ids() { return call_ids_; }

  // --- The run's duration, once read: later times must not pass it.
  std::optional<int64_t> run_duration_ms;

 private:
  struct Problem {
    TextPosition at;
    std::string text;  // the whole line but the file name
  };
  std::string file_name_;
  ScenarioLimits limits_;
  std::vector<Problem> errors_;
  size_t errors_dropped_ = 0;
  std::set<NodeName, std::less<>> declared_;
  std::vector<NodeName> declared_order_;
  bool nodes_known_ = true;
  std::set<TableName, std::less<>> tables_;
  bool tables_over_limit_reported_ = false;
  std::map<std::string, Request, std::less<>> call_ids_;
};

// A map of the tree opened with the keys allowed in it. Opening reports a
// node that is not a map, every key not allowed (with a hint) and every key
// written twice (the second is ignored).
class MapReader {
 public:
  static std::optional<MapReader> Open(Reader& reader, const YamlNode& node, std::string path,
                                       std::span<const std::string_view> allowed_keys);
  // As Open, but any key is allowed (the caller reads the rest as it likes).
  static std::optional<MapReader> OpenAnyKeys(Reader& reader, const YamlNode& node,
                                              std::string path);

  // The value of `key`, or nullptr when absent.
  const YamlNode* Find(std::string_view key) const;
  // The value of `key`; reports it as missing (at the map) when absent.
  const YamlNode* Require(std::string_view key) const;
  // Where `key` was written (the map's position when absent).
  TextPosition KeyPosition(std::string_view key) const;
  std::string PathOf(std::string_view key) const { return KeyPath(path_, key); }
  const std::string& path() const { return path_; }
  const YamlNode& node() const { return *node_; }
  // The entries, first occurrence of each key only, in the order written.
  const std::vector<const YamlEntry*>& entries() const { return entries_; }

 private:
  MapReader(Reader& reader, const YamlNode& node, std::string path)
      : reader_(&reader), node_(&node), path_(std::move(path)) {}
  Reader* reader_;
  const YamlNode* node_;
  std::string path_;
  std::vector<const YamlEntry*> entries_;
};

// --- Typed reads. Each reports its mistakes at `node` under `path` and
// returns nullopt on any.

// A list (reports anything else); its items, or nullopt.
const std::vector<YamlNode>* ReadList(Reader& reader, const YamlNode& node, std::string_view path);
// A scalar of type string (`what` names it in messages: "a table name").
std::optional<std::string> ReadString(Reader& reader, const YamlNode& node, std::string_view path,
                                      std::string_view what);
// Any non-null scalar, as written (free text, ids).
std::optional<std::string> ReadText(Reader& reader, const YamlNode& node, std::string_view path,
                                    std::string_view what);
std::optional<bool> ReadBool(Reader& reader, const YamlNode& node, std::string_view path);
// A duration ("5s"): bare numbers, signs and overflow are mistakes.
std::optional<int64_t> ReadDuration(Reader& reader, const YamlNode& node, std::string_view path);
// A time from the start of the run: a duration no later than the run's end.
std::optional<int64_t> ReadTime(Reader& reader, const YamlNode& node, std::string_view path);
// An integer >= 0 (counts).
std::optional<int64_t> ReadCount(Reader& reader, const YamlNode& node, std::string_view path);
// An integer in [0, 2^64) (seeds).
std::optional<uint64_t> ReadUnsigned(Reader& reader, const YamlNode& node, std::string_view path);
// A number in [0, 1].
std::optional<double> ReadProbability(Reader& reader, const YamlNode& node, std::string_view path);
// One of `names` (as written in files); returns its index.
std::optional<size_t> ReadChoice(Reader& reader, const YamlNode& node, std::string_view path,
                                 std::span<const std::string_view> names);

// An enum value spelled as ToString(E) spells it, among `values`.
template <typename E>
std::optional<E> ReadEnum(Reader& reader, const YamlNode& node, std::string_view path,
                          std::initializer_list<E> values) {
  std::vector<std::string_view> names;
  for (E value : values) names.push_back(ToString(value));
  std::optional<size_t> index = ReadChoice(reader, node, path, names);
  if (!index) return std::nullopt;
  return *(values.begin() + *index);
}

// A declared node's name.
std::optional<NodeName> ReadNodeRef(Reader& reader, const YamlNode& node, std::string_view path);

enum class EmptyList { kAllowed, kRefused };
// A list of declared nodes, none twice.
std::optional<std::vector<NodeName>> ReadNodeList(Reader& reader, const YamlNode& node,
                                                  std::string_view path, EmptyList empty);
// `all` or a non-empty list of declared nodes.
std::optional<NodeSelection> ReadNodeSelection(Reader& reader, const YamlNode& node,
                                               std::string_view path);
// A non-empty list of [node, node] pairs of two different declared nodes.
std::optional<std::vector<NodePair>> ReadPairs(Reader& reader, const YamlNode& node,
                                               std::string_view path);
// A list of table names (strings), none twice; each is noted in `reader`.
std::optional<std::vector<TableName>> ReadTableList(Reader& reader, const YamlNode& node,
                                                    std::string_view path);
// A table name (a string), noted in `reader`.
std::optional<TableName> ReadTableName(Reader& reader, const YamlNode& node, std::string_view path);
// `20ms` or `[10ms, 2s]` (min <= max).
std::optional<LatencyRange> ReadLatency(Reader& reader, const YamlNode& node,
                                        std::string_view path);

}  // namespace discosim::scenario::internal

#endif  // DISCOSIM_SIM_SCENARIO_READER_H_
