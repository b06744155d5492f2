// The trace of a run: one record per event the world carried out, with its
// virtual time, and a 64-bit FNV-1a hash over the records.
//
// The hash covers a fixed binary encoding of each record (time, kind, the
// two node indexes, one detail number), so it is the same whether or not the
// text lines are kept; keeping lines (TraceMode::kKeepLines) is for humans
// and tools, hashing alone is cheap enough for benchmarks.
#ifndef DISCOSIM_SIM_WORLD_TRACE_H_
#define DISCOSIM_SIM_WORLD_TRACE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/types.h"

namespace discosim::world {

using engine::TimeMs;

class Trace {
 public:
  static constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
  static constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

  // One record as hashed: kind and node indexes are the world's own codes.
  struct Record {
    TimeMs at_ms = 0;
    uint32_t kind = 0;
    uint32_t node = 0;
    uint32_t peer = 0;
    int64_t detail = 0;
  };

  explicit Trace(bool keep_lines) : keep_lines_(keep_lines) {}

  bool keep_lines() const { return keep_lines_; }
  uint64_t hash() const { return hash_; }
  uint64_t records() const { return records_; }
  const std::vector<std::string>& lines() const { return lines_; }
  // Kept with the lines, one per line.
  const std::vector<Record>& kept_records() const { return kept_records_; }

  // Adds one record. `line` is only read when lines are kept.
  void Add(TimeMs at_ms, uint32_t kind, uint32_t node, uint32_t peer, int64_t detail,
           std::string line) {
    Mix(static_cast<uint64_t>(at_ms));
    Mix(kind);
    Mix(node);
    Mix(peer);
    Mix(static_cast<uint64_t>(detail));
    ++records_;
    if (keep_lines_) {
      kept_records_.push_back(Record{at_ms, kind, node, peer, detail});
      lines_.push_back(std::move(line));
    }
  }

  // The text of every kept line, each ending in '\n'.
  std::string Text() const;

 private:
  void Mix(uint64_t value) {
    for (int i = 0; i < 8; ++i) {
      hash_ ^= (value >> (8 * i)) & 0xff;
      hash_ *= kFnvPrime;
    }
  }

  bool keep_lines_;
  uint64_t hash_ = kFnvOffset;
  uint64_t records_ = 0;
  std::vector<std::string> lines_;
  std::vector<Record> kept_records_;
};

// FNV-1a over arbitrary bytes (exposed for tests and tools).
uint64_t Fnv1a64(const std::string& bytes);

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_TRACE_H_
