// Inner solvers produce w_t from w_0 by t steps of a momentum fixed-point iteration
//     w_{i+1} = Φ(w_i, λ) + β (w_i − w_{i−1}),   w_{−1} = w_0,
// which is gradient descent for β = 0 and heavy ball for β > 0 (Φ a gradient step).
// ITD differentiates through exactly this recursion, so it needs β and the trajectory.
#pragma once
#include <petscvec.h>

#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/inner/inner_settings.hpp"
#include "hyperpetsc/inner/step_size.hpp"  // configure_step_size, for existing callers
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {

// The iterates w_0..w_t (t + 1 vectors), kept for reverse-mode differentiation, and the
// problem's linearisation at w_0..w_{t−1} where it offers one (see capture_linearization).
struct Trajectory {
  // One allocation for all iterates, backed by transparent huge pages where the kernel
  // allows (first-touch faults on t separate 4 KiB-paged vectors cost ~14 ms per step on
  // news20-shaped data). Declared before `w` so the Vecs go first.
  struct FreeBlock {
    void operator()(double* p) const;
  };
  std::unique_ptr<double[], FreeBlock> storage;
  std::vector<Vector> w;
  std::vector<std::unique_ptr<Linearization>> linearizations;

  // t + 1 vectors shaped like `layout`, backed by `storage`.
  void allocate(Vec layout, PetscInt t);
};

class InnerSolver {
 public:
  InnerSolver(std::string name, double momentum) : name_(std::move(name)), momentum_(momentum) {}
  const std::string& name() const { return name_; }
  double momentum() const { return momentum_; }

  // At most t steps from w (in: w_0, out: w_t); returns the steps taken. With rtol > 0 it
  // stops after the first step whose fixed-point residual ‖Φ(w_i) − w_i‖ is at most
  // rtol·‖Φ(0) − 0‖ (for a gradient step, ‖∇_wL(w_i)‖ <= rtol·‖∇_wL(0)‖). The reference is
  // the cold start, not w_0, so a warm start that begins close stops early. With
  // `trajectory`, also stores w_0..w_t there. Throws hp::UserError (collectively) when
  // the iterates diverge: see DivergenceMonitor.
  PetscInt run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t, Trajectory* trajectory,
               double rtol = 0.0) const;

 private:
  std::string name_;
  double momentum_;
};

// From `inner.solver` / `inner.momentum`; throws hp::UserError for unknown names.
InnerSolver make_inner_solver(const InnerSettings& inner);

}  // namespace hp
