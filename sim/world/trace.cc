// Trace text and the byte hash helper.
#include "sim/world/trace.h"

namespace discosim::world {

std::string Trace::Text() const {
  std::string text;
  for (const std::string& line : lines_) {
    text += line;
    text += '\n';
  }
  return text;
}

uint64_t Fnv1a64(const std::string& bytes) {
  uint64_t hash = Trace::kFnvOffset;
  for (unsigned char c : bytes) {
    hash ^= c;
    hash *= Trace::kFnvPrime;
  }
  return hash;
}

}  // namespace discosim::world
