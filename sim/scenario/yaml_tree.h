// A scenario file's YAML document as a plain tree, for the scenario reader.
//
// parse.cc builds it from yaml-cpp's event stream (the only place that sees
// yaml-cpp); the reader (build*.cc) turns it into a validated `Scenario`.
// The tree holds no aliases (they are refused while building it), keeps map
// entries in the order written (duplicate keys included, for the reader to
// report), keeps whether each scalar was quoted, and knows where each node
// and key was written.
#ifndef DISCOSIM_SIM_SCENARIO_YAML_TREE_H_
#define DISCOSIM_SIM_SCENARIO_YAML_TREE_H_

#include <string>
#include <string_view>
#include <vector>

namespace discosim::scenario::internal {

// 1-based line and column (columns count bytes, as yaml-cpp does).
struct TextPosition {
  int line = 1;
  int column = 1;
};

struct YamlEntry;

struct YamlNode {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  // kQuoted: single, double quoted or a block scalar (| or >): always text.
  enum class Style { kPlain, kQuoted };

  Kind kind = Kind::kNull;
  Style style = Style::kPlain;
  std::string text;  // kScalar
  TextPosition position;
  std::vector<YamlNode> items;     // kSequence
  std::vector<YamlEntry> entries;  // kMap, in the order written

  bool IsScalar() const { return kind == Kind::kScalar; }
  bool IsSequence() const { return kind == Kind::kSequence; }
  bool IsMap() const { return kind == Kind::kMap; }
};

struct YamlEntry {
  std::string key;
  TextPosition key_position;
  YamlNode value;
};

// What a scalar means under YAML 1.2's core schema. Quoted scalars are always
// kString; plain ones are null (~, null, empty), bool (true/false in three
// cases), int (decimal with an optional sign), float, or else kString.
enum class ScalarType { kNull, kBool, kInt, kFloat, kString };
ScalarType TypeOf(const YamlNode& node);

// "a map", "a list", "the number 5", "the string \"x\"", "nothing (null)"...
// for messages such as "expected a list, found a map".
std::string Describe(const YamlNode& node);

// One line of flow-style YAML for `node`: `{at: 3m, ready: [a@h1, b@h2]}`.
// Map entries in the order written; plain scalars as written, quoted when
// flow style needs it.
std::string RenderFlow(const YamlNode& node);

}  // namespace discosim::scenario::internal

#endif  // DISCOSIM_SIM_SCENARIO_YAML_TREE_H_
