// The benchmark binary's entry point: Google Benchmark's flags, plus
//   --fuzz_cases=N   cases per fuzz-throughput benchmark (default 2000)
// which must be known before the fuzz benchmarks are registered.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>

#include "bench/bench_support.h"

int main(int argc, char** argv) {
  int fuzz_cases = 2'000;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    constexpr const char kFlag[] = "--fuzz_cases=";
    if (std::strncmp(argv[i], kFlag, sizeof(kFlag) - 1) == 0) {
      fuzz_cases = std::atoi(argv[i] + sizeof(kFlag) - 1);
      continue;
    }
    argv[kept++] = argv[i];
  }
  argc = kept;
  discosim::bench::RegisterFuzzBenchmarks(fuzz_cases > 0 ? fuzz_cases : 1);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
