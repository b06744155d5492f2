// The world adapter's one function that is more than a forward.
#include "sim/scenario/observable.h"

namespace discosim::scenario {

std::vector<engine::TableName> WorldObservable::StartTables(std::string_view node) const {
  for (const world::NodeConfig& config : world_.config().nodes) {
    if (config.name == node) return config.tables;
  }
  return {};
}

}  // namespace discosim::scenario
