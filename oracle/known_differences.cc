// The known differences and their masks: see known_differences.h.
#include "oracle/known_differences.h"

#include <algorithm>
#include <string_view>

namespace discosim::oracle {
namespace {

bool IsAtom(const Term& t, std::string_view name) {
  return t.kind == Term::Kind::kAtom && t.text == name;
}

// The log effects of a list, as (level, report map).
template <class F>
bool ForEachLog(Term& effects, F f) {
  bool changed = false;
  for (Term& effect : effects.items) {
    if (effect.kind == Term::Kind::kTuple && effect.items.size() == 3 &&
        IsAtom(effect.items[0], "log") && effect.items[2].kind == Term::Kind::kMap) {
      const Term* what = MapGet(effect.items[2], "what");
      if (what != nullptr && what->kind == Term::Kind::kAtom) {
        changed |= f(what->text, effect.items[1], effect.items[2]);
      }
    }
  }
  return changed;
}

bool RemoveKey(Term& map, std::string_view key) {
  for (size_t i = 0; i + 1 < map.items.size(); i += 2) {
    if (IsAtom(map.items[i], key)) {
      map.items.erase(map.items.begin() + static_cast<std::ptrdiff_t>(i),
                      map.items.begin() + static_cast<std::ptrdiff_t>(i + 2));
      return true;
    }
  }
  return false;
}

bool IsJoinLog(const std::string& what) { return what == "join_result" || what == "pid_not_found"; }

// (1) nodeup is a warning in CETS, join results are info.
bool Levels(Term& effects, Term&) {
  return ForEachLog(effects, [](const std::string& what, Term& level, Term&) {
    if (what != "nodeup" && !IsJoinLog(what)) return false;
    const bool changed = !IsAtom(level, "_");
    level = Atom("_");
    return changed;
  });
}

// (2) a join result's record is the join_result() map itself: result ok or
// {error, Reason}, no separate reason.
bool JoinRecords(Term& effects, Term&) {
  return ForEachLog(effects, [](const std::string& what, Term&, Term& report) {
    if (what != "join_result") return false;
    const Term* result = MapGet(report, "result");
    const Term* reason = MapGet(report, "reason");
    if (result == nullptr || !IsAtom(*result, "error") || reason == nullptr) return false;
    Term error = Tuple({Atom("error"), *reason});
    RemoveKey(report, "reason");
    RemoveKey(report, "result");
    std::vector<std::pair<Term, Term>> entries;
    for (size_t i = 0; i + 1 < report.items.size(); i += 2) {
      entries.emplace_back(report.items[i], report.items[i + 1]);
    }
    entries.emplace_back(Atom("result"), std::move(error));
    report = Map(std::move(entries));
    return true;
  });
}

// (3) waiters are answered newest first: sorts each run of ok replies and
// the two pending lists.
bool WaiterOrder(Term& effects, Term& info) {
  bool changed = false;
  auto is_ok_reply = [](const Term& e) {
    return e.kind == Term::Kind::kTuple && e.items.size() == 3 && IsAtom(e.items[0], "reply") &&
           IsAtom(e.items[2], "ok");
  };
  auto less = [](const Term& a, const Term& b) { return Compare(a, b) < 0; };
  for (size_t i = 0; i < effects.items.size();) {
    size_t j = i;
    while (j < effects.items.size() && is_ok_reply(effects.items[j])) ++j;
    const auto first = effects.items.begin() + static_cast<std::ptrdiff_t>(i);
    const auto last = effects.items.begin() + static_cast<std::ptrdiff_t>(j);
    if (!std::is_sorted(first, last, less)) {
      std::sort(first, last, less);
      changed = true;
    }
    i = j == i ? i + 1 : j;
  }
  auto sort_pending = [&](Term& map) {
    for (const char* key : {"pending_wait_for_ready", "pending_wait_for_get_nodes"}) {
      for (size_t i = 0; i + 1 < map.items.size(); i += 2) {
        if (!IsAtom(map.items[i], key)) continue;
        std::vector<Term>& list = map.items[i + 1].items;
        if (!std::is_sorted(list.begin(), list.end(), less)) {
          std::sort(list.begin(), list.end(), less);
          changed = true;
        }
      }
    }
  };
  sort_pending(info);
  for (Term& effect : effects.items) {  // system_info replies
    if (effect.kind == Term::Kind::kTuple && effect.items.size() == 3 &&
        IsAtom(effect.items[0], "reply") && effect.items[2].kind == Term::Kind::kMap) {
      sort_pending(effect.items[2]);
    }
  }
  return changed;
}

// (4) CETS keeps `tables` as given (any order, duplicates), adds and
// deletes with ordsets functions on that list, joins and reports in list
// order: once its list is not an ordset, the engine's set parts ways. The
// mask sorts (and dedups) the table lists and the (node, table) pair lists
// of both sides; a delete that ordsets:del_element does not carry out on an
// unsorted list, or a duplicate, leaves a mismatch that cuts the run.
bool TablesNotAnOrdset(const Term& erlang_info) {
  const Term* tables = MapGet(erlang_info, "tables");
  if (tables == nullptr) return false;
  for (size_t i = 1; i < tables->items.size(); ++i) {
    if (Compare(tables->items[i - 1], tables->items[i]) >= 0) return true;
  }
  return false;
}

void Usort(Term& list) {
  auto less = [](const Term& a, const Term& b) { return Compare(a, b) < 0; };
  std::sort(list.items.begin(), list.items.end(), less);
  list.items.erase(std::unique(list.items.begin(), list.items.end()), list.items.end());
}

Term* MapGetMutable(Term& map, std::string_view key) {
  return const_cast<Term*>(MapGet(map, key));
}

void SortTablesOfInfo(Term& info) {
  if (Term* tables = MapGetMutable(info, "tables")) Usort(*tables);
  if (Term* missing = MapGetMutable(info, "verify_ready")) {
    for (Term& task : missing->items) {
      if (task.items.size() == 2 && IsAtom(task.items[0], "waiting_for_join_result")) {
        Usort(task.items[1]);
      }
    }
  }
}

bool SortTables(Term& effects, Term& info) {
  const Term before_effects = effects;
  const Term before_info = info;
  SortTablesOfInfo(info);
  for (Term& effect : effects.items) {
    if (effect.kind != Term::Kind::kTuple || effect.items.empty()) continue;
    if (effect.items.size() == 2 && IsAtom(effect.items[0], "start_join")) Usort(effect.items[1]);
    if (effect.items.size() == 3 && IsAtom(effect.items[0], "reply")) {
      Term& reply = effect.items[2];
      if (reply.kind == Term::Kind::kTuple && reply.items.size() == 2 &&
          IsAtom(reply.items[0], "ok") && reply.items[1].kind == Term::Kind::kList) {
        Usort(reply.items[1]);  // get_tables
      } else if (reply.kind == Term::Kind::kMap) {
        SortTablesOfInfo(reply);  // system_info
      }
    }
  }
  return !(effects == before_effects && info == before_info);
}

// (5) unexpected_call carries `from`, node_reconnects carries `text`.
bool ExtraFields(Term& effects, Term&) {
  return ForEachLog(effects, [](const std::string& what, Term&, Term& report) {
    if (what == "unexpected_call") return RemoveKey(report, "from");
    if (what == "node_reconnects") return RemoveKey(report, "text");
    return false;
  });
}

}  // namespace

const std::vector<KnownDifference>& KnownDifferences() {
  static const auto* const kList = new std::vector<KnownDifference>{
      {1, "log levels: nodeup is a warning, join results are info", Levels, nullptr, false},
      {2, "join-result records: the join_result() map (result ok | {error, Reason})", JoinRecords,
       nullptr, false},
      {3, "waiters are answered newest first", WaiterOrder, nullptr, false},
      {4, "tables kept as given; add/delete_table as ordsets:add_element/del_element", SortTables,
       TablesNotAnOrdset, true},
      {5, "unexpected_call carries from, node_reconnects carries text", ExtraFields, nullptr,
       false},
  };
  return *kList;
}

}  // namespace discosim::oracle
