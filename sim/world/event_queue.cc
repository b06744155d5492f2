// The event queue's chunk pool (event_queue.h).
#include "sim/world/event_queue.h"

#include <algorithm>
#include <new>

namespace discosim::world::queue_internal {

ChunkPool::ChunkPool(size_t item_bytes) : item_bytes_(item_bytes) {}

ChunkPool::~ChunkPool() {
  WORLD_CHECK(in_use_chunks_ == 0, "a chunk pool destroyed with chunks in use");
  for (Chunk*& list : reserve_) {
    while (list != nullptr) {
      Chunk* next = list->next;
      ::operator delete(list);
      list = next;
    }
  }
}

size_t ChunkPool::ChunkBytes(uint32_t size_class) const {
  return sizeof(Chunk) + item_bytes_ * (size_t{kFirstCapacity} << size_class);
}

Chunk* ChunkPool::Take(uint32_t size_class) {
  WORLD_CHECK(size_class < kClassCount, "a chunk size class out of range");
  const size_t bytes = ChunkBytes(size_class);
  void* memory = reserve_[size_class];
  if (memory != nullptr) {
    reserve_[size_class] = reserve_[size_class]->next;
    --reserve_chunks_;
    reserve_bytes_ -= bytes;
  } else {
    memory = ::operator new(bytes);
  }
  Chunk* chunk = new (memory) Chunk{nullptr, 0, 0, kFirstCapacity << size_class, size_class};
  ++in_use_chunks_;
  in_use_bytes_ += bytes;
  return chunk;
}

void ChunkPool::Give(Chunk* chunk) {
  const size_t bytes = ChunkBytes(chunk->size_class);
  WORLD_CHECK(in_use_chunks_ > 0 && in_use_bytes_ >= bytes, "a chunk given back twice");
  --in_use_chunks_;
  in_use_bytes_ -= bytes;
  chunk->next = reserve_[chunk->size_class];
  reserve_[chunk->size_class] = chunk;
  ++reserve_chunks_;
  reserve_bytes_ += bytes;
  // Keep a reserve for the next burst, bounded so a draining queue shrinks.
  const size_t keep_bytes = std::max(kReserveBytes, in_use_bytes_ / 4);
  if (reserve_bytes_ > keep_bytes) Trim(keep_bytes);
}

void ChunkPool::Trim(size_t keep_bytes) {
  for (uint32_t size_class = kClassCount; size_class-- > 0 && reserve_bytes_ > keep_bytes;) {
    while (reserve_[size_class] != nullptr && reserve_bytes_ > keep_bytes) {
      Chunk* chunk = reserve_[size_class];
      reserve_[size_class] = chunk->next;
      --reserve_chunks_;
      reserve_bytes_ -= ChunkBytes(size_class);
      ::operator delete(chunk);
    }
  }
}

}  // namespace discosim::world::queue_internal
