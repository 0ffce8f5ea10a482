// Outer optimisers: λ ← step(λ, ĝ), in place on the distributed λ (every rank updates its
// own entries; no communication), kept in the box [lower, upper] by projection.
#pragma once
#include <petscvec.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/config/registry.hpp"
#include "hyperpetsc/outer/outer_settings.hpp"

namespace hp {

class OuterOptimizer {
 public:
  virtual ~OuterOptimizer() = default;
  // One step from the hypergradient g; λ stays within [lower, upper].
  virtual void step(Vec lambda, Vec g) = 0;
};

struct OuterOptimizerEntry {
  std::string name;
  std::string help;
  std::vector<std::string> keys;  // the keys of `outer` it reads beyond the common ones
  std::function<std::unique_ptr<OuterOptimizer>(const OuterSettings&, Vec like, double lower, double upper)> make;
};
Registry<OuterOptimizerEntry>& outer_optimizers();

// Throws hp::UserError for unknown names.
std::unique_ptr<OuterOptimizer> make_outer_optimizer(const OuterSettings& s, Vec like, double lower, double upper);

}  // namespace hp
