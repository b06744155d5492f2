// Reproducers for the world-level property tests: a failing case written as
// a scenario file (only the broken property's expectations; the timeline
// whole, so that the run is the same one) that fails the same way under
// `discosim run`.
//
// RapidCheck runs a property on each shrink candidate; a failing candidate
// writes its file over the last one, so when shrinking ends the file holds
// the minimal counterexample.
//
//   const std::string path = WriteReproducer(c, properties, "liveness", "liveness");
#ifndef DISCOSIM_PROPERTY_TESTS_WORLD_REPRO_H_
#define DISCOSIM_PROPERTY_TESTS_WORLD_REPRO_H_

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sim/fuzz/build.h"
#include "sim/fuzz/check.h"
#include "sim/fuzz/yaml_writer.h"

namespace discosim::property_tests {

// Where reproducers go: $DISCOSIM_REPRO_DIR, else world-property-failures/
// in the working directory (the build folder under ctest).
inline std::filesystem::path ReproducerDir() {
  const char* dir = std::getenv("DISCOSIM_REPRO_DIR");
  return dir != nullptr && *dir != '\0' ? std::filesystem::path(dir)
                                        : std::filesystem::path("world-property-failures");
}

// The scenario file of `c` keeping only `property`'s expectations, named
// `name`, with `note` in its description.
inline std::string ReproducerYaml(const fuzz::FuzzCase& c,
                                  const std::vector<fuzz::Property>& properties,
                                  const std::string& property, const std::string& name,
                                  const std::string& note) {
  fuzz::BuiltCase built = fuzz::BuildCase(c, properties);
  scenario::Scenario& s = built.scenario;
  std::vector<scenario::Expectation> kept;
  for (size_t i = 0; i < s.expectations.size(); ++i) {
    if (built.property_names[static_cast<size_t>(built.property_of_expectation[i])] == property) {
      kept.push_back(s.expectations[i]);
    }
  }
  s.expectations = std::move(kept);
  s.name = name;
  s.description = note + " Case: " + fuzz::Summary(c) + ".";
  return fuzz::WriteScenarioYaml(s);
}

// Writes the reproducer to ReproducerDir()/name.yaml; returns the path.
inline std::string WriteReproducer(const fuzz::FuzzCase& c,
                                   const std::vector<fuzz::Property>& properties,
                                   const std::string& property, const std::string& name,
                                   const std::string& note) {
  const std::filesystem::path dir = ReproducerDir();
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  const std::filesystem::path path = dir / (name + ".yaml");
  std::ofstream(path, std::ios::binary) << ReproducerYaml(c, properties, property, name, note);
  return path.string();
}

}  // namespace discosim::property_tests

#endif  // DISCOSIM_PROPERTY_TESTS_WORLD_REPRO_H_
