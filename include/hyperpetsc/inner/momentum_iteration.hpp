// The momentum fixed-point iteration: t steps of
//     w_{i+1} = Φ(w_i, λ) + β (w_i − w_{i−1}),   w_{−1} = w_0,
// which is gradient descent for β = 0 and heavy ball for β > 0 (Φ a gradient step).
// ITD differentiates through exactly this recursion, so it needs β and the trajectory.
#pragma once
#include <string>

#include "hyperpetsc/inner/inner_solver.hpp"

namespace hp {

class MomentumIteration final : public InnerSolver {
 public:
  MomentumIteration(std::string name, double momentum) : name_(std::move(name)), momentum_(momentum) {}
  const std::string& name() const override { return name_; }
  double momentum() const override { return momentum_; }

  // See InnerSolver::run: one iteration is one step of the recursion; `rtol` tests the
  // fixed-point residual ‖Φ(w_i) − w_i‖ against ‖Φ(0) − 0‖. Throws hp::UserError
  // (collectively) when the iterates diverge: see DivergenceMonitor.
  PetscInt run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t, Trajectory* trajectory,
               double rtol = 0.0) const override;

 private:
  std::string name_;
  double momentum_;
};

}  // namespace hp
