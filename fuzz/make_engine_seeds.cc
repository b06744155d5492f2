// Writes the engine fuzzer's seed inputs: runs drawn from the property
// tests' own RapidCheck generators (property_tests/engine_generators.h),
// encoded by engine_actions.h. With --check it writes nothing and checks
// instead that decoding an encoded run gives the same run back.
//
//   make_engine_seeds fuzz/corpus/engine     # regenerate the checked-in seeds
//   make_engine_seeds --check                # the round trip (a ctest)
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz/engine_actions.h"
#include "property_tests/engine_generators.h"

namespace {

namespace pt = ::discosim::property_tests;
using discosim::fuzz::EngineRun;

constexpr int kSeeds = 64;
constexpr uint64_t kRootSeed = 20240611;

// Trims a generated run to what the encoding holds.
void FitEncoding(EngineRun& run) {
  if (run.setup.tables.size() > 4) run.setup.tables.resize(4);
  if (run.actions.size() > discosim::fuzz::kActionsMax) {
    run.actions.resize(discosim::fuzz::kActionsMax);
  }
  for (pt::Action& action : run.actions) {
    if (auto* a = std::get_if<pt::act::FinishGetNodes>(&action.what); a && a->nodes.size() > 7) {
      a->nodes.resize(7);
    }
  }
}

// Run `index`: sizes grow with the index, so the seeds range from a few
// actions to a few hundred.
EngineRun Generate(int index) {
  rc::Random random(kRootSeed + static_cast<uint64_t>(index));
  const int size = 5 + index * 3;
  EngineRun run;
  run.setup = pt::GenSetup()(random.split(), size).value();
  run.actions = pt::GenActions()(random.split(), size).value();
  run.delivery = index % 4 == 3 ? pt::Delivery::kImmediate : pt::Delivery::kOnDemand;
  FitEncoding(run);
  return run;
}

int Check() {
  for (int i = 0; i < 4 * kSeeds; ++i) {
    const EngineRun run = Generate(i);
    const std::string bytes = discosim::fuzz::EncodeEngineRun(run);
    const EngineRun back = discosim::fuzz::DecodeEngineRun(
        reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    const std::string want = discosim::fuzz::DescribeEngineRun(run);
    const std::string got = discosim::fuzz::DescribeEngineRun(back);
    if (want != got) {
      std::fprintf(stderr, "run %d does not survive encoding:\n--- want\n%s--- got\n%s", i,
                   want.c_str(), got.c_str());
      return 1;
    }
  }
  std::printf("%d runs survive the round trip\n", 4 * kSeeds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_engine_seeds DIR | --check\n");
    return 2;
  }
  if (std::string(argv[1]) == "--check") return Check();
  for (int i = 0; i < kSeeds; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "/generated-%02d.bin", i);
    std::ofstream out(std::string(argv[1]) + name, std::ios::binary);
    out << discosim::fuzz::EncodeEngineRun(Generate(i));
    if (!out) {
      std::fprintf(stderr, "%s%s: cannot write\n", argv[1], name);
      return 1;
    }
  }
  std::printf("wrote %d seeds to %s\n", kSeeds, argv[1]);
  return 0;
}
