// The byte encoding of engine runs: see engine_actions.h.
#include "fuzz/engine_actions.h"

#include <sstream>
#include <type_traits>
#include <variant>

namespace discosim::fuzz {
namespace {

using engine::Config;
using engine::TimeMs;

constexpr uint8_t kDefaultConfig = 7;
constexpr uint32_t kRemoteMask = 0x3E;  // pool nodes 1..5; node 0 is the local node

// Action kinds, in the order of the byte that selects them.
enum Kind : uint8_t {
  kDeliver,
  kAdvanceTime,
  kFinishGetNodes,
  kFinishJoin,
  kFinishPing,
  kConnect,
  kDisconnect,
  kPartition,
  kHeal,
  kCall,
  kCast,
  kPeerStartTime,
  kStray,
  kExternalCheck,
  kKinds,
};

class ByteReader {
 public:
  ByteReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool done() const { return pos_ >= size_; }
  uint8_t Next() { return pos_ < size_ ? data_[pos_++] : 0; }
  uint32_t NextLe(int bytes) {
    uint32_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= static_cast<uint32_t>(Next()) << (8 * i);
    return value;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

class ByteWriter {
 public:
  void Put(uint32_t byte) { out_.push_back(static_cast<char>(byte & 0xFF)); }
  void PutLe(uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) Put(value >> (8 * i));
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

bool IsDefault(const Config& c) {
  const Config d;
  return c.initial_interval_ms == d.initial_interval_ms &&
         c.after_error_interval_ms == d.after_error_interval_ms &&
         c.regular_interval_ms == d.regular_interval_ms &&
         c.after_nodedown_interval_ms == d.after_nodedown_interval_ms &&
         c.enter_regular_phase_ms == d.enter_regular_phase_ms;
}

Action DecodeAction(ByteReader& in) {
  switch (static_cast<Kind>(in.Next() % kKinds)) {
    case kDeliver:
      return {act::Deliver{1 + in.Next() % 3}};
    case kAdvanceTime:
      return {act::AdvanceTime{static_cast<TimeMs>(in.NextLe(3))}};
    case kFinishGetNodes: {
      const uint8_t flags = in.Next();
      act::FinishGetNodes a;
      a.ok = (flags & 1) == 0;
      a.backend_state = (flags >> 1) % 4;
      const int count = in.Next() % 8;
      for (int i = 0; i < count; ++i) a.nodes.push_back(in.Next() % kNodePoolSize);
      return {a};
    }
    case kFinishJoin:
      return {act::FinishJoin{in.NextLe(4)}};
    case kFinishPing: {
      const uint8_t b = in.Next();
      return {act::FinishPing{b & 7, ((b >> 3) & 1) != 0}};
    }
    case kConnect:
      return {act::Connect{1 + in.Next() % (kNodePoolSize - 1)}};
    case kDisconnect:
      return {act::Disconnect{1 + in.Next() % (kNodePoolSize - 1)}};
    case kPartition:
      return {act::Partition{in.Next() & kRemoteMask}};
    case kHeal:
      return {act::Heal{in.Next() & kRemoteMask}};
    case kCall:
      return {act::Call{static_cast<CallKind>(in.Next() % 5)}};
    case kCast: {
      const uint8_t b = in.Next();
      return {act::Cast{(b & 1) != 0, (b >> 1) % kTablePoolSize}};
    }
    case kPeerStartTime: {
      const int node = 1 + in.Next() % (kNodePoolSize - 1);
      return {act::PeerStartTime{node, in.Next()}};
    }
    case kStray:
      return {act::Stray{(in.Next() & 1) != 0}};
    case kExternalCheck:
    case kKinds:
      break;
  }
  return {act::ExternalCheck{}};
}

void EncodeAction(const Action& action, ByteWriter& out) {
  std::visit(
      [&](const auto& a) {
        using A = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<A, act::Deliver>) {
          out.Put(kDeliver);
          out.Put(static_cast<uint32_t>(a.count - 1));
        } else if constexpr (std::is_same_v<A, act::AdvanceTime>) {
          out.Put(kAdvanceTime);
          out.PutLe(static_cast<uint32_t>(a.delta_ms), 3);
        } else if constexpr (std::is_same_v<A, act::FinishGetNodes>) {
          out.Put(kFinishGetNodes);
          out.Put((a.ok ? 0U : 1U) | static_cast<uint32_t>(a.backend_state << 1));
          out.Put(static_cast<uint32_t>(a.nodes.size()));
          for (int node : a.nodes) out.Put(static_cast<uint32_t>(node));
        } else if constexpr (std::is_same_v<A, act::FinishJoin>) {
          out.Put(kFinishJoin);
          out.PutLe(a.outcomes, 4);
        } else if constexpr (std::is_same_v<A, act::FinishPing>) {
          out.Put(kFinishPing);
          out.Put(static_cast<uint32_t>(a.index) | (a.pong ? 8U : 0U));
        } else if constexpr (std::is_same_v<A, act::Connect>) {
          out.Put(kConnect);
          out.Put(static_cast<uint32_t>(a.node - 1));
        } else if constexpr (std::is_same_v<A, act::Disconnect>) {
          out.Put(kDisconnect);
          out.Put(static_cast<uint32_t>(a.node - 1));
        } else if constexpr (std::is_same_v<A, act::Partition>) {
          out.Put(kPartition);
          out.Put(a.nodes);
        } else if constexpr (std::is_same_v<A, act::Heal>) {
          out.Put(kHeal);
          out.Put(a.nodes);
        } else if constexpr (std::is_same_v<A, act::Call>) {
          out.Put(kCall);
          out.Put(static_cast<uint32_t>(a.kind));
        } else if constexpr (std::is_same_v<A, act::Cast>) {
          out.Put(kCast);
          out.Put((a.add ? 1U : 0U) | static_cast<uint32_t>(a.table << 1));
        } else if constexpr (std::is_same_v<A, act::PeerStartTime>) {
          out.Put(kPeerStartTime);
          out.Put(static_cast<uint32_t>(a.node - 1));
          out.Put(static_cast<uint32_t>(a.start_time));
        } else if constexpr (std::is_same_v<A, act::Stray>) {
          out.Put(kStray);
          out.Put(a.cast ? 1U : 0U);
        } else {
          static_assert(std::is_same_v<A, act::ExternalCheck>);
          out.Put(kExternalCheck);
        }
      },
      action.what);
}

}  // namespace

EngineRun DecodeEngineRun(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  EngineRun run;
  Config& config = run.setup.config;
  if (const uint8_t selector = in.Next(); selector % 8 != kDefaultConfig) {
    config.initial_interval_ms = 1 + in.Next() % 60;
    config.after_error_interval_ms = 1 + in.Next() % 60;
    config.regular_interval_ms = 1 + in.Next() % 60;
    config.after_nodedown_interval_ms = 1 + in.Next() % 60;
    config.enter_regular_phase_ms = in.Next() % 201;
  }
  const int tables = in.Next() % 5;
  for (int i = 0; i < tables; ++i) {
    run.setup.tables.push_back(PoolTable(in.Next() % kTablePoolSize));
  }
  const uint32_t connected = in.Next() & kRemoteMask;
  for (int i = 0; i < kNodePoolSize; ++i) {
    if ((connected >> i & 1U) != 0) run.setup.connected.insert(PoolNode(i));
  }
  run.setup.start_ms = in.NextLe(2) % 1000;
  run.setup.backend_state = in.Next() % 4;
  run.delivery = (in.Next() & 1) != 0 ? Delivery::kImmediate : Delivery::kOnDemand;
  while (!in.done() && run.actions.size() < kActionsMax) run.actions.push_back(DecodeAction(in));
  return run;
}

std::string EncodeEngineRun(const EngineRun& run) {
  ByteWriter out;
  const Config& c = run.setup.config;
  if (IsDefault(c)) {
    out.Put(kDefaultConfig);
  } else {
    out.Put(0);
    out.Put(static_cast<uint32_t>(c.initial_interval_ms - 1));
    out.Put(static_cast<uint32_t>(c.after_error_interval_ms - 1));
    out.Put(static_cast<uint32_t>(c.regular_interval_ms - 1));
    out.Put(static_cast<uint32_t>(c.after_nodedown_interval_ms - 1));
    out.Put(static_cast<uint32_t>(c.enter_regular_phase_ms));
  }
  out.Put(static_cast<uint32_t>(run.setup.tables.size()));
  for (const engine::TableName& table : run.setup.tables) {
    for (int i = 0; i < kTablePoolSize; ++i) {
      if (PoolTable(i) == table) out.Put(static_cast<uint32_t>(i));
    }
  }
  uint32_t mask = 0;
  for (int i = 0; i < kNodePoolSize; ++i) {
    if (run.setup.connected.contains(PoolNode(i))) mask |= 1U << i;
  }
  out.Put(mask);
  out.PutLe(static_cast<uint32_t>(run.setup.start_ms), 2);
  out.Put(static_cast<uint32_t>(run.setup.backend_state));
  out.Put(run.delivery == Delivery::kImmediate ? 1 : 0);
  for (const Action& action : run.actions) EncodeAction(action, out);
  return out.Take();
}

std::string DescribeEngineRun(const EngineRun& run) {
  std::ostringstream out;
  out << run.setup << "\n"
      << (run.delivery == Delivery::kImmediate ? "immediate" : "on demand") << "\n";
  for (const Action& action : run.actions) out << action << "\n";
  return out.str();
}

}  // namespace discosim::fuzz
