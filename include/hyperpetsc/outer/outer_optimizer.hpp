// Outer optimisers move λ along −ĝ. sgd and adam are steppers: λ ← step(λ, ĝ), in place on
// the distributed λ (every rank updates its own entries; no communication), kept in the
// box [lower, upper] by projection. tao hands the whole loop to a PETSc TAO solver, which
// calls back for (E, ĝ) at the points it chooses, with the box as TAO's variable bounds.
#pragma once
#include <petscvec.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hyperpetsc/config/registry.hpp"
#include "hyperpetsc/outer/outer_settings.hpp"

namespace hp {

// Evaluates the outer objective at λ: writes E(λ) and ĝ(λ) and returns whether the run
// must stop (a stopping rule, a signal). Collective.
using OuterEvaluation = std::function<bool(Vec lambda, double* objective, Vec* gradient)>;

class OuterOptimizer {
 public:
  virtual ~OuterOptimizer() = default;
  // One step from the hypergradient g; λ stays within [lower, upper].
  virtual void step(Vec lambda, Vec g) = 0;
  // Runs until `evaluate` says stop, starting from `lambda` (updated in place). The
  // default evaluates, steps, evaluates, ...
  virtual void solve(Vec lambda, const OuterEvaluation& evaluate);
  // What a checkpoint keeps: vectors in λ's layout (the optimiser's own, updated in
  // place by restore) and scalars.
  virtual std::vector<std::pair<std::string, Vec>> state_vectors() { return {}; }
  virtual std::map<std::string, double> state_scalars() const { return {}; }
  virtual void restore_scalars(const std::map<std::string, double>& scalars) { (void)scalars; }
  // Why solve() returned when no evaluation asked it to stop ("" otherwise).
  virtual std::string stop_reason() const { return ""; }
  // Whether resuming from a checkpoint continues exactly (TAO's internal state is not kept).
  virtual bool resumes_exactly() const { return true; }
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

// The tao entry (src/outer/tao_optimizer.cpp).
std::unique_ptr<OuterOptimizer> make_tao_optimizer(const OuterSettings& s, Vec like, double lower, double upper);

}  // namespace hp
