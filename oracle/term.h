// Erlang terms on the C++ side of the oracle, and their one-line text: the
// same canonical writing as oracle/erlang/oracle_term.erl, so that a term
// printed by either side reads back the same on the other.
//
//   integers in decimal; atoms bare when they match [a-z][A-Za-z0-9_@]*,
//   else 'quoted'; binaries <<"...">>; lists [..]; tuples {..}; maps
//   #{K=>V,...} with keys in Erlang term order. Inside quotes \ and the
//   quote are escaped with \, and bytes outside 32..126 are written \xHH.
//
// Usage:
//   Term t = Tuple({Atom("start_ping"), Atom("b@h2")});
//   Print(t);                               // {start_ping,b@h2}
//   absl::StatusOr<Term> back = Parse("{start_ping,b@h2}");
#ifndef DISCOSIM_ORACLE_TERM_H_
#define DISCOSIM_ORACLE_TERM_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace discosim::oracle {

struct Term {
  // In Erlang's term order of kinds (number < atom < tuple < map < list < binary).
  enum class Kind { kInt, kAtom, kTuple, kMap, kList, kBinary };
  Kind kind = Kind::kAtom;
  int64_t value = 0;        // kInt
  std::string text;         // kAtom, kBinary
  std::vector<Term> items;  // kTuple, kList; kMap: key, value, key, value... sorted by key

  friend bool operator==(const Term&, const Term&) = default;
};

Term Int(int64_t value);
Term Atom(std::string name);
Term Bool(bool value);
Term Binary(std::string bytes);
Term List(std::vector<Term> items);
Term Tuple(std::vector<Term> items);
// A map from (key, value) pairs in any order; the keys are sorted.
// REQUIRES: no key twice.
Term Map(std::vector<std::pair<Term, Term>> entries);

// Erlang's term order: <0, 0, >0.
int Compare(const Term& a, const Term& b);

std::string Print(const Term& term);
// One term, as Print writes it (spaces between tokens are allowed).
absl::StatusOr<Term> Parse(std::string_view text);
// The term `text` writes, or the binary `text` when it is not one term: the
// oracle's reading of engine strings that hold Erlang terms (reasons,
// unknown messages), the same rule as oracle_term:from_text/1.
Term FromText(std::string_view text);

// The value under atom key `key` of map `map`, or nullptr.
const Term* MapGet(const Term& map, std::string_view key);

}  // namespace discosim::oracle

#endif  // DISCOSIM_ORACLE_TERM_H_
