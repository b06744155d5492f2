// What real mode lets onto a command line or into an Erlang term: node
// names, hosts, table names and addresses, each checked against a strict
// pattern before it is used. A scenario file is input; nothing in it
// reaches a program unchecked.
//
//   if (!IsSafeNodeName("a@h1")) ...         // name@host, see below
//   std::string ip = HostAddress(42, 0);     // "127.42.0.1"
#ifndef DISCOSIM_REAL_NAMES_H_
#define DISCOSIM_REAL_NAMES_H_

#include <optional>
#include <string>
#include <string_view>

namespace discosim::real {

// A node name part: a lowercase letter, then up to 63 of [a-z0-9_].
bool IsSafeNamePart(std::string_view name);
// A host: dot-separated labels, each a lowercase letter then up to 62 of
// [a-z0-9-] (not ending in '-'); at most 253 characters.
bool IsSafeHost(std::string_view host);
// name@host with both parts safe.
bool IsSafeNodeName(std::string_view node);
// A table name (an Erlang atom written bare): a lowercase letter, then up
// to 62 of [a-z0-9_].
bool IsSafeTableName(std::string_view table);
// A dotted IPv4 address in 127.0.0.0/8: four decimal numbers 0-255, the first 127.
bool IsLoopbackAddress(std::string_view address);

struct NodeParts {
  std::string name;
  std::string host;
};
// The parts of a safe node name; none for any other text.
std::optional<NodeParts> SplitNodeName(std::string_view node);

// The loopback address of host number `index` (0-based) of a run that holds
// block 127.`block`.0.0/16: 127.block.(index / 250).(index % 250 + 1).
// REQUIRES: 1 <= block <= 254, 0 <= index < 250 * 256.
std::string HostAddress(int block, int index);

// "127.1.2.3" -> "{127,1,2,3}", the Erlang tuple of an address.
// REQUIRES: IsLoopbackAddress(address).
std::string ErlangAddress(std::string_view address);

}  // namespace discosim::real

#endif  // DISCOSIM_REAL_NAMES_H_
