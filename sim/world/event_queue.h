// The virtual clock and the event queue: integer times (the world counts
// microseconds), a bucketed (calendar) queue ordered by (time, insertion
// sequence), and hard bounds.
//
// Events at the same instant come out in the order they were pushed. Time
// never goes back: popping an event moves the clock to its time, and pushing
// an event into the past is a programmer error.
//
//   EventQueue<MyEvent> queue(/*max_queued=*/1'000'000);
//   queue.Push(queue.now() + 5, event);      // false when the bound is hit
//   while (!queue.empty()) { auto e = queue.Pop(); ... queue.now() ... }
//
// How it keeps the order without comparing events. Time is cut into blocks
// of kBlockUnits (4 096) units:
//   - the current block (the one the clock is in) has one slot per time
//     unit, each slot a FIFO: a slot holds a single time, so its FIFO order
//     is the insertion order;
//   - the next kBlockCount (4 096) blocks, the calendar's "year" (2^24 units,
//     16.8 s of world time), have one FIFO bucket per block, holding mixed
//     times in insertion order; when the clock reaches a block, its bucket
//     is poured, in order, into the slots;
//   - events beyond the year wait in a binary heap ordered by (time,
//     sequence) and move into the buckets, in that order, as the year
//     reaches them, before anything can be pushed there directly.
// Each step keeps, for every time, the events of that time in insertion
// order, so the queue's order is exactly the binary heap's. Push and Pop are
// O(1) but for far-future events (O(log far)). FIFOs are lists of chunks
// from a ChunkPool: a drained chunk goes back to the pool, which keeps a
// bounded reserve and frees the rest, so memory goes back as buckets drain
// (chunks_held() shows it).
#ifndef DISCOSIM_SIM_WORLD_EVENT_QUEUE_H_
#define DISCOSIM_SIM_WORLD_EVENT_QUEUE_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>
#include <vector>

#include "engine/types.h"
#include "sim/world/check.h"

namespace discosim::world {
namespace queue_internal {

// A chunk of a FIFO: this header, then `capacity` items. Items [begin, end)
// are queued; a FIFO only appends to its last chunk.
struct Chunk {
  Chunk* next = nullptr;
  uint32_t begin = 0;
  uint32_t end = 0;
  uint32_t capacity = 0;
  uint32_t size_class = 0;
};

// Chunks of kClassCount sizes (kFirstCapacity items, doubling) for items of
// one size. Chunks given back are kept for reuse, up to max(kReserveBytes, a
// quarter of the bytes in use); past that the largest are freed.
// Not thread-safe; one pool per queue.
class ChunkPool {
 public:
  static constexpr uint32_t kClassCount = 8;
  static constexpr uint32_t kFirstCapacity = 8;  // items; class c holds 8 << c
  static constexpr size_t kReserveBytes = size_t{1} << 20;

  explicit ChunkPool(size_t item_bytes);
  ~ChunkPool();
  ChunkPool(const ChunkPool&) = delete;
  ChunkPool& operator=(const ChunkPool&) = delete;

  // An empty chunk of `size_class` (< kClassCount), next = nullptr.
  Chunk* Take(uint32_t size_class);
  // Returns a chunk taken from this pool.
  void Give(Chunk* chunk);

  size_t chunks_in_use() const { return in_use_chunks_; }
  // In use plus the reserve: what the pool holds from the allocator.
  size_t chunks_held() const { return in_use_chunks_ + reserve_chunks_; }
  size_t bytes_held() const { return in_use_bytes_ + reserve_bytes_; }

 private:
  size_t ChunkBytes(uint32_t size_class) const;
  // Frees reserve chunks, largest first, until the reserve is <= keep_bytes.
  void Trim(size_t keep_bytes);

  size_t item_bytes_;
  Chunk* reserve_[kClassCount] = {};
  size_t in_use_chunks_ = 0;
  size_t reserve_chunks_ = 0;
  size_t in_use_bytes_ = 0;
  size_t reserve_bytes_ = 0;
};

// 4 096 bits with a summary word (bit w set: word w is not zero), so the
// first set bit is two count-trailing-zeros away.
class Bits4096 {
 public:
  static constexpr size_t kBits = 4096;
  static constexpr size_t kNone = kBits;

  bool none() const { return summary_ == 0; }
  void Set(size_t i) {
    words_[i >> 6] |= uint64_t{1} << (i & 63);
    summary_ |= uint64_t{1} << (i >> 6);
  }
  void Clear(size_t i) {
    words_[i >> 6] &= ~(uint64_t{1} << (i & 63));
    if (words_[i >> 6] == 0) summary_ &= ~(uint64_t{1} << (i >> 6));
  }
  // REQUIRES: !none().
  size_t First() const {
    const size_t w = static_cast<size_t>(__builtin_ctzll(summary_));
    return (w << 6) | static_cast<size_t>(__builtin_ctzll(words_[w]));
  }
  // The first set bit at or after `from` (< kBits), or kNone.
  size_t FirstFrom(size_t from) const {
    const size_t w = from >> 6;
    const uint64_t here = words_[w] & (~uint64_t{0} << (from & 63));
    if (here != 0) return (w << 6) | static_cast<size_t>(__builtin_ctzll(here));
    const uint64_t later = w == 63 ? 0 : summary_ & (~uint64_t{0} << (w + 1));
    if (later == 0) return kNone;
    const size_t v = static_cast<size_t>(__builtin_ctzll(later));
    return (v << 6) | static_cast<size_t>(__builtin_ctzll(words_[v]));
  }
  // The first set bit at or after `from`, wrapping round to 0. REQUIRES: !none().
  size_t FirstCircular(size_t from) const {
    const size_t found = FirstFrom(from);
    return found != kNone ? found : First();
  }

 private:
  uint64_t summary_ = 0;
  uint64_t words_[kBits / 64] = {};
};

}  // namespace queue_internal

template <class Payload>
class EventQueue {
 public:
  // Payloads are copied as bytes into the chunks.
  static_assert(std::is_trivially_copyable_v<Payload>, "EventQueue payloads are plain records");

  static constexpr int kBlockShift = 12;
  static constexpr int64_t kBlockUnits = int64_t{1} << kBlockShift;  // time units per block
  static constexpr int64_t kBlockCount = 4096;                       // blocks in the year
  static constexpr int64_t kYearUnits = kBlockUnits * kBlockCount;   // beyond: the heap

  struct Entry {
    int64_t at = 0;
    Payload payload;
  };

  explicit EventQueue(size_t max_queued)
      : max_queued_(max_queued), pool_(sizeof(Item)), slots_(kBlockUnits), buckets_(kBlockCount) {}
  ~EventQueue() { Clear(); }
  EventQueue(const EventQueue&) = delete;
  EventQueue& operator=(const EventQueue&) = delete;

  // The virtual clock: the time of the last event popped (or AdvanceTo).
  int64_t now() const { return now_; }
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // REQUIRES: !empty().
  int64_t next() const {
    if (!slot_bits_.none()) return block_start() + static_cast<int64_t>(slot_bits_.First());
    if (!bucket_bits_.none()) return buckets_[FirstBucket()].min_at;
    WORLD_CHECK(!far_.empty(), "next() on an empty event queue");
    return far_.front().at;
  }

  // Schedules `payload` at `at`. Returns false (and queues nothing) when
  // the queue already holds max_queued events. REQUIRES: at >= now().
  bool Push(int64_t at, const Payload& payload) {
    WORLD_CHECK(at >= now_, "an event scheduled in the past");
    if (size_ >= max_queued_) return false;
    ++size_;
    Place(Item{at, payload}, next_seq_++);
    return true;
  }

  // Removes the earliest event and moves the clock to its time.
  Entry Pop() {
    WORLD_CHECK(size_ != 0, "Pop on an empty event queue");
    if (slot_bits_.none()) Refill();
    const size_t slot = slot_bits_.First();
    Fifo& fifo = slots_[slot];
    const Item item = PopFront(fifo);
    if (fifo.head == nullptr) slot_bits_.Clear(slot);
    --size_;
    now_ = item.at;
    return Entry{item.at, item.payload};
  }

  // Moves the clock forward with no event. REQUIRES: no event before `at`.
  void AdvanceTo(int64_t at) {
    WORLD_CHECK(at >= now_, "the clock moved backwards");
    WORLD_CHECK(empty() || next() >= at, "advancing past a queued event");
    now_ = at;
    // With nothing near, start the calendar at the new time.
    if (slot_bits_.none() && bucket_bits_.none()) Rebase(at >> kBlockShift);
  }

  // Memory, for tests and benchmarks: chunks in FIFOs, and those plus the
  // pool's reserve; events waiting beyond the year.
  size_t chunks_in_use() const { return pool_.chunks_in_use(); }
  size_t chunks_held() const { return pool_.chunks_held(); }
  size_t bytes_held() const { return pool_.bytes_held(); }
  size_t far_size() const { return far_.size(); }

 private:
  using Chunk = queue_internal::Chunk;
  using ChunkPool = queue_internal::ChunkPool;
  struct Item {
    int64_t at;
    Payload payload;
  };
  struct FarItem {
    int64_t at;
    uint64_t seq;
    Payload payload;
  };
  // Heap order: the top is the earliest time, then the lowest sequence.
  struct Later {
    bool operator()(const FarItem& a, const FarItem& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  struct Fifo {
    Chunk* head = nullptr;
    Chunk* tail = nullptr;
  };
  struct Bucket {
    Fifo fifo;
    int64_t min_at = 0;  // the earliest time in fifo, when not empty
  };
  static_assert(sizeof(Chunk) % alignof(Item) == 0, "items follow the chunk header");

  int64_t block_start() const { return block_ << kBlockShift; }
  static size_t BucketOf(int64_t block) { return static_cast<size_t>(block & (kBlockCount - 1)); }
  size_t FirstBucket() const { return bucket_bits_.FirstCircular(BucketOf(block_ + 1)); }

  static Item* Items(Chunk* chunk) {
    return reinterpret_cast<Item*>(reinterpret_cast<char*>(chunk) + sizeof(Chunk));
  }

  void Append(Fifo& fifo, const Item& item) {
    Chunk* tail = fifo.tail;
    if (tail == nullptr || tail->end == tail->capacity) {
      const uint32_t size_class =
          tail == nullptr ? 0 : std::min(tail->size_class + 1, ChunkPool::kClassCount - 1);
      Chunk* chunk = pool_.Take(size_class);
      (tail == nullptr ? fifo.head : tail->next) = chunk;
      fifo.tail = tail = chunk;
    }
    std::memcpy(static_cast<void*>(Items(tail) + tail->end), &item, sizeof(Item));
    ++tail->end;
  }

  // REQUIRES: fifo not empty.
  Item PopFront(Fifo& fifo) {
    Chunk* head = fifo.head;
    Item item;
    std::memcpy(static_cast<void*>(&item), Items(head) + head->begin, sizeof(Item));
    if (++head->begin == head->end) {  // drained (a chunk before the tail is full)
      fifo.head = head->next;
      if (fifo.head == nullptr) fifo.tail = nullptr;
      pool_.Give(head);
    }
    return item;
  }

  // Where an event of the current block, the year or beyond goes.
  void Place(const Item& item, uint64_t seq) {
    const int64_t block = item.at >> kBlockShift;
    if (block == block_) {
      const size_t slot = static_cast<size_t>(item.at & (kBlockUnits - 1));
      Append(slots_[slot], item);
      slot_bits_.Set(slot);
    } else if (block - block_ <= kBlockCount) {
      const size_t b = BucketOf(block);
      Bucket& bucket = buckets_[b];
      bucket.min_at = bucket.fifo.head == nullptr ? item.at : std::min(bucket.min_at, item.at);
      Append(bucket.fifo, item);
      bucket_bits_.Set(b);
    } else {
      far_.push_back(FarItem{item.at, seq, item.payload});
      std::push_heap(far_.begin(), far_.end(), Later());
    }
  }

  // The slots are empty: move the clock's block to the next one with events.
  void Refill() {
    if (bucket_bits_.none()) {
      Rebase(far_.front().at >> kBlockShift);
      return;
    }
    const size_t b = FirstBucket();
    block_ += static_cast<int64_t>((b - BucketOf(block_ + 1)) & (kBlockCount - 1)) + 1;
    Fifo& fifo = buckets_[b].fifo;
    while (fifo.head != nullptr) {
      const Item item = PopFront(fifo);
      const size_t slot = static_cast<size_t>(item.at & (kBlockUnits - 1));
      Append(slots_[slot], item);
      slot_bits_.Set(slot);
    }
    bucket_bits_.Clear(b);
    PullFar();
  }

  // REQUIRES: the slots and buckets are empty, block <= the earliest far block.
  void Rebase(int64_t block) {
    block_ = block;
    PullFar();
  }

  // Moves the far events the year now reaches into the calendar, in heap order.
  void PullFar() {
    while (!far_.empty() && (far_.front().at >> kBlockShift) - block_ <= kBlockCount) {
      std::pop_heap(far_.begin(), far_.end(), Later());
      const FarItem far = far_.back();
      far_.pop_back();
      Place(Item{far.at, far.payload}, far.seq);
    }
  }

  // Gives every chunk back to the pool.
  void Clear() {
    for (Fifo& fifo : slots_) Release(fifo);
    for (Bucket& bucket : buckets_) Release(bucket.fifo);
  }
  void Release(Fifo& fifo) {
    for (Chunk* chunk = fifo.head; chunk != nullptr;) {
      Chunk* next = chunk->next;
      pool_.Give(chunk);
      chunk = next;
    }
    fifo = Fifo{};
  }

  size_t max_queued_;
  int64_t now_ = 0;
  uint64_t next_seq_ = 0;
  size_t size_ = 0;
  int64_t block_ = 0;  // the clock's block: its events are in the slots
  ChunkPool pool_;
  std::vector<Fifo> slots_;       // kBlockUnits: time block_start() + i
  std::vector<Bucket> buckets_;   // kBlockCount: block b at BucketOf(b)
  queue_internal::Bits4096 slot_bits_;
  queue_internal::Bits4096 bucket_bits_;
  std::vector<FarItem> far_;      // a binary heap (Later)
};

}  // namespace discosim::world

#endif  // DISCOSIM_SIM_WORLD_EVENT_QUEUE_H_
