// The node settings table (see node_settings.h).
#include "sim/scenario/node_settings.h"

#include <iterator>
#include <optional>

#include "sim/scenario/duration.h"

namespace discosim::scenario {
namespace {

using internal::Reader;
using internal::YamlNode;

// --- Readers, one per kind of value.

template <auto kMember>
void ReadSwitch(Reader& reader, const YamlNode& node, std::string_view path, NodeSettings& s) {
  if (std::optional<bool> value = internal::ReadBool(reader, node, path)) s.*kMember = *value;
}

void ReadHidden(Reader& reader, const YamlNode& node, std::string_view path, NodeSettings& s) {
  if (std::optional<bool> value = internal::ReadBool(reader, node, path)) {
    s.visibility = *value ? Visibility::kHidden : Visibility::kVisible;
  }
}

void ReadAutoConnect(Reader& reader, const YamlNode& node, std::string_view path, NodeSettings& s) {
  if (auto value = internal::ReadEnum(reader, node, path,
                                      {AutoConnect::kAlways, AutoConnect::kOnce, AutoConnect::kNever})) {
    s.dist_auto_connect = *value;
  }
}

template <auto kMember>
void ReadDurationKey(Reader& reader, const YamlNode& node, std::string_view path, NodeSettings& s) {
  if (std::optional<int64_t> ms = internal::ReadDuration(reader, node, path)) s.*kMember = *ms;
}

// A duration that must be more than zero (net_ticktime, net_setuptime):
// refused here, at the value's column, rather than by the world's rule.
template <auto kMember>
void ReadPositiveDuration(Reader& reader, const YamlNode& node, std::string_view path,
                          NodeSettings& s) {
  std::optional<int64_t> ms = internal::ReadDuration(reader, node, path);
  if (ms && *ms == 0) {
    reader.Error(node.position, path, "must be longer than 0s");
  } else if (ms) {
    s.*kMember = *ms;
  }
}

// `none` (no resolver cache, OTP's default) or a time to live.
void ReadDnsCacheTtl(Reader& reader, const YamlNode& node, std::string_view path, NodeSettings& s) {
  if (node.IsScalar() && node.text == "none") {
    s.dns_cache_ttl_ms = std::nullopt;
  } else if (std::optional<int64_t> ttl_ms = internal::ReadDuration(reader, node, path)) {
    s.dns_cache_ttl_ms = *ttl_ms;
  }
}

// --- Writers and comparisons.

template <auto kMember>
std::string WriteSwitch(const NodeSettings& s) { return s.*kMember ? "true" : "false"; }
std::string WriteHidden(const NodeSettings& s) {
  return s.visibility == Visibility::kHidden ? "true" : "false";
}
std::string WriteAutoConnect(const NodeSettings& s) {
  return std::string(ToString(s.dist_auto_connect));
}
template <auto kMember>
std::string WriteDuration(const NodeSettings& s) { return FormatDurationMs(s.*kMember); }
std::string WriteDnsCacheTtl(const NodeSettings& s) {
  return s.dns_cache_ttl_ms ? FormatDurationMs(*s.dns_cache_ttl_ms) : "none";
}

template <auto kMember>
bool Same(const NodeSettings& a, const NodeSettings& b) { return a.*kMember == b.*kMember; }

template <auto kMember>
constexpr NodeSettingKey Duration(std::string_view key, std::string_view field) {
  return {key, field, &ReadDurationKey<kMember>, &WriteDuration<kMember>, &Same<kMember>};
}
template <auto kMember>
constexpr NodeSettingKey PositiveDuration(std::string_view key, std::string_view field) {
  return {key, field, &ReadPositiveDuration<kMember>, &WriteDuration<kMember>, &Same<kMember>};
}
template <auto kMember>
constexpr NodeSettingKey Switch(std::string_view key, std::string_view field) {
  return {key, field, &ReadSwitch<kMember>, &WriteSwitch<kMember>, &Same<kMember>};
}

using S = NodeSettings;
constexpr NodeSettingKey kKeys[] = {
    {"dist_auto_connect", "dist_auto_connect", &ReadAutoConnect, &WriteAutoConnect,
     &Same<&S::dist_auto_connect>},
    Switch<&S::connect_all>("connect_all", "connect_all"),
    Switch<&S::prevent_overlapping_partitions>("prevent_overlapping_partitions",
                                               "prevent_overlapping_partitions"),
    {"hidden", "visibility", &ReadHidden, &WriteHidden, &Same<&S::visibility>},
    PositiveDuration<&S::net_ticktime_ms>("net_ticktime", "net_ticktime_ms"),
    PositiveDuration<&S::net_setuptime_ms>("net_setuptime", "net_setuptime_ms"),
    Duration<&S::latency_ms>("latency", "latency_ms"),
    Duration<&S::dns_delay_ms>("dns_delay", "dns_delay_ms"),
    Duration<&S::connect_delay_ms>("connect_delay", "connect_delay_ms"),
    {"dns_cache_ttl", "dns_cache_ttl_ms", &ReadDnsCacheTtl, &WriteDnsCacheTtl,
     &Same<&S::dns_cache_ttl_ms>},
};

}  // namespace

std::span<const NodeSettingKey> NodeSettingKeys() { return kKeys; }

const NodeSettingKey* FindSettingField(std::string_view field) {
  for (const NodeSettingKey& row : kKeys) {
    if (row.field == field) return &row;
  }
  return nullptr;
}

}  // namespace discosim::scenario
