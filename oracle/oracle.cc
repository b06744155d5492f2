// The comparison, step by step: see oracle.h.
#include "oracle/oracle.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "oracle/known_differences.h"
#include "oracle/translate.h"

namespace discosim::oracle {
namespace {

namespace e = ::discosim::engine;

constexpr size_t kColumnWidth = 64;  // side by side when both fit
constexpr size_t kReplayLinesMax = 200;

// What one step should give (from the engine) and what it gave (erlang).
struct Side {
  Term effects;
  Term info;
};

const Term* ErrorText(const Term& answer) {
  if (answer.kind == Term::Kind::kTuple && answer.items.size() == 2 &&
      answer.items[0] == Atom("error")) {
    return &answer.items[1];
  }
  return nullptr;
}

absl::StatusOr<Term> Payload(const Term& answer);

// An answer line: the payload of {ok, Payload}, or an error.
absl::StatusOr<Term> ReadAnswer(const std::string& line) {
  absl::StatusOr<Term> answer = Parse(line);
  if (!answer.ok()) {
    return absl::InternalError(absl::StrCat("the oracle's answer does not read as a term (",
                                            answer.status().message(), "): ", line));
  }
  return Payload(*answer);
}

absl::StatusOr<Term> Payload(const Term& answer) {
  if (answer.kind == Term::Kind::kTuple && answer.items.size() == 2 &&
      answer.items[0] == Atom("ok")) {
    return answer.items[1];
  }
  if (const Term* text = ErrorText(answer)) {
    return absl::InternalError(text->kind == Term::Kind::kBinary ? text->text : Print(*text));
  }
  return absl::InternalError(absl::StrCat("unexpected answer: ", Print(answer)));
}

std::string SideBySide(const Term& engine_effects, const Term& erlang_effects) {
  const size_t rows = std::max(engine_effects.items.size(), erlang_effects.items.size());
  std::string out = absl::StrCat("  effects, ", engine_effects.items.size(), " from the engine (C++), ",
                                 erlang_effects.items.size(), " from cets_discovery.erl:\n");
  for (size_t i = 0; i < rows; ++i) {
    const std::string left = i < engine_effects.items.size() ? Print(engine_effects.items[i]) : "-";
    const std::string right = i < erlang_effects.items.size() ? Print(erlang_effects.items[i]) : "-";
    if (left == right) {
      absl::StrAppend(&out, "    ", i + 1, "   ", left, "\n");
    } else if (left.size() <= kColumnWidth && right.size() <= kColumnWidth) {
      absl::StrAppend(&out, "    ", i + 1, " ≠ ", left, std::string(kColumnWidth - left.size(), ' '),
                      " | ", right, "\n");
    } else {
      absl::StrAppend(&out, "    ", i + 1, " ≠ C++: ", left, "\n        erl: ", right, "\n");
    }
  }
  return out;
}

std::string InfoDiff(const Term& engine_info, const Term& erlang_info) {
  if (engine_info == erlang_info) return "  system_info: the same\n";
  std::string out = "  system_info differs:\n";
  std::vector<std::string> keys;
  for (const Term* map : {&engine_info, &erlang_info}) {
    for (size_t i = 0; i + 1 < map->items.size(); i += 2) {
      if (map->items[i].kind == Term::Kind::kAtom) keys.push_back(map->items[i].text);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const std::string& key : keys) {
    const Term* a = MapGet(engine_info, key);
    const Term* b = MapGet(erlang_info, key);
    if (a != nullptr && b != nullptr && *a == *b) continue;
    absl::StrAppend(&out, "    ", key, "\n      C++: ", a ? Print(*a) : "(none)",
                    "\n      erl: ", b ? Print(*b) : "(none)", "\n");
  }
  return out;
}

std::string Replay(const std::vector<Term>& requests, size_t upto, const std::string& command) {
  std::string out = absl::StrCat("  replay the Erlang side (", command, "), one request a line:\n");
  const size_t first = upto + 1 > kReplayLinesMax ? upto + 1 - kReplayLinesMax : 0;
  if (first > 0) absl::StrAppend(&out, "    ... (", first, " earlier requests)\n");
  for (size_t i = first; i <= upto && i < requests.size(); ++i) {
    absl::StrAppend(&out, "    ", Print(requests[i]), ".\n");
  }
  return absl::StrCat(out, "    {state}.\n");
}

// Applies the mask of every known difference that applies to both sides;
// returns the points that changed something.
std::vector<int> Mask(const std::vector<bool>& applies, Side& engine_side, Side& erlang_side) {
  std::vector<int> used;
  const std::vector<KnownDifference>& list = KnownDifferences();
  for (size_t k = 0; k < list.size(); ++k) {
    if (!applies[k]) continue;
    const bool a = list[k].normalize(engine_side.effects, engine_side.info);
    const bool b = list[k].normalize(erlang_side.effects, erlang_side.info);
    if (a || b) used.push_back(list[k].point);
  }
  return used;
}

std::optional<int> Cut(const std::vector<bool>& applies) {
  const std::vector<KnownDifference>& list = KnownDifferences();
  for (size_t k = 0; k < list.size(); ++k) {
    if (applies[k] && list[k].cuts) return list[k].point;
  }
  return std::nullopt;
}

// Marks the known differences whose trigger this step's system_info shows.
void Trigger(const Term& erlang_info, std::vector<bool>& applies) {
  const std::vector<KnownDifference>& list = KnownDifferences();
  for (size_t k = 0; k < list.size(); ++k) {
    if (!applies[k] && (list[k].trigger == nullptr || list[k].trigger(erlang_info))) {
      applies[k] = true;
    }
  }
}

// What to ask cets_discovery.erl for a run, and what the engine says.
struct Expected {
  std::vector<Term> requests;  // init, then one per step
  std::vector<Side> sides;     // the engine's effects and system_info, per request
  std::vector<std::string> labels;
};

Expected Translate(const Recording& run) {
  Translator tr(run.local_node);
  Expected x;
  x.requests.push_back(tr.InitRequest(run.options, run.start_ms, run.start_connected));
  x.sides.push_back({tr.InitEffects(run.init_effects), tr.SystemInfo(run.init_info)});
  x.labels.push_back(absl::StrCat("init at t=", run.start_ms, "ms"));
  for (const Recording::Step& step : run.steps) {
    x.requests.push_back(tr.StepRequest(step.message, step.now_ms, step.connected));
    Term effects = tr.Effects(step.effects);  // before SystemInfo: it numbers the timers
    x.sides.push_back({std::move(effects), tr.SystemInfo(step.info)});
    x.labels.push_back(absl::StrCat(e::Describe(step.message), " at t=", step.now_ms, "ms"));
  }
  return x;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Oracle>> Oracle::Start(const OracleSetup& setup) {
  absl::StatusOr<std::unique_ptr<ErlangProcess>> erl = ErlangProcess::Start(setup);
  if (!erl.ok()) return erl.status();
  return std::unique_ptr<Oracle>(new Oracle(*std::move(erl)));
}

absl::StatusOr<Verdict> Oracle::Compare(const Recording& run) {
  const Expected x = Translate(run);
  const std::vector<Term>& requests = x.requests;
  const std::vector<Side>& expected = x.sides;
  const std::vector<std::string>& labels = x.labels;
  std::vector<Term> batch;
  for (const Term& request : requests) {
    batch.push_back(request);
    batch.push_back(Tuple({Atom("state")}));
  }
  absl::StatusOr<std::vector<std::string>> lines = erl_->AskBatch(batch);
  if (!lines.ok()) return lines.status();
  ++sequences_;
  Verdict verdict;
  std::vector<bool> applies(KnownDifferences().size(), false);
  size_t triggered_upto = 0;  // the steps whose system_info Trigger has seen
  for (size_t i = 0; i < requests.size(); ++i) {
    ++verdict.steps_compared;
    ++steps_;
    const std::string& effects_line = (*lines)[2 * i];
    const std::string& info_line = (*lines)[2 * i + 1];
    // The common case: both answers read exactly as the engine's terms print.
    const bool same = effects_line == Print(Tuple({Atom("ok"), expected[i].effects})) &&
                      info_line == Print(Tuple({Atom("ok"), expected[i].info}));
    if (same) continue;
    absl::StatusOr<Term> effects = ReadAnswer(effects_line);
    absl::StatusOr<Term> info = ReadAnswer(info_line);
    std::string header = absl::StrCat("oracle mismatch at step ", i, " of ", requests.size() - 1,
                                      ": ", labels[i], "\n");
    if (!effects.ok() || !info.ok()) {
      const absl::Status& bad = effects.ok() ? info.status() : effects.status();
      verdict.mismatch = Mismatch{
          i, absl::StrCat(header, "  cets_discovery.erl failed: ", bad.message(), "\n",
                          Replay(requests, i, erl_->command()))};
      return verdict;
    }
    // The triggers of the known differences, from the steps before this one.
    for (; masks_ && triggered_upto < i; ++triggered_upto) {
      absl::StatusOr<Term> earlier = ReadAnswer((*lines)[2 * triggered_upto + 1]);
      if (earlier.ok()) Trigger(*earlier, applies);
    }
    Side engine_side = expected[i];
    Side erlang_side{*std::move(effects), *std::move(info)};
    if (masks_) Trigger(erlang_side.info, applies);
    triggered_upto = i + 1;
    if (engine_side.effects == erlang_side.effects && engine_side.info == erlang_side.info) continue;
    if (masks_) {
      const std::vector<int> used = Mask(applies, engine_side, erlang_side);
      if (engine_side.effects == erlang_side.effects && engine_side.info == erlang_side.info) {
        for (int point : used) ++verdict.masked[point], ++masked_[point];
        continue;
      }
      if (std::optional<int> point = Cut(applies)) {
        verdict.cut_by = point;
        ++cuts_[*point];
        return verdict;
      }
    }
    verdict.mismatch = Mismatch{
        i, absl::StrCat(header, SideBySide(engine_side.effects, erlang_side.effects),
                        InfoDiff(engine_side.info, erlang_side.info),
                        Replay(requests, i, erl_->command()))};
    return verdict;
  }
  return verdict;
}

}  // namespace discosim::oracle
