// WORLD_CHECK: the world's invariant assertion. A broken invariant is a
// programmer error: it prints what must have held and where, and aborts.
// Bad input never reaches one; it becomes an absl::Status instead.
#ifndef DISCOSIM_SIM_WORLD_CHECK_H_
#define DISCOSIM_SIM_WORLD_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define WORLD_CHECK(cond, what)                                                        \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "world invariant broken: %s [%s] (%s:%d)\n", what, #cond,   \
                   __FILE__, __LINE__);                                                \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

#endif  // DISCOSIM_SIM_WORLD_CHECK_H_
