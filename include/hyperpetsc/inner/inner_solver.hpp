// Inner solvers produce w_t from w_0 (AID needs only w_t; ITD differentiates through the
// steps, so it needs a solver whose steps form a recursion it can reverse). The momentum
// fixed-point iteration (gradient descent, heavy ball) is in momentum_iteration.hpp; any
// PETSc TAO method (AID only) in tao_inner_solver.hpp; names in inner_settings.cpp.
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
  virtual ~InnerSolver() = default;
  // The name in inner_solvers() (messages, JSON).
  virtual const std::string& name() const = 0;
  // β of the recursion w_{i+1} = Φ(w_i) + β(w_i − w_{i−1}) that ITD reverses (0 without
  // momentum, and for solvers that follow no such recursion).
  virtual double momentum() const = 0;

  // At most t iterations from w (in: w_0, out: w_t); returns the iterations taken. With
  // rtol > 0 it stops once ‖∇_wL(w_i)‖ <= rtol·‖∇_wL(0)‖ (for a gradient step, the
  // fixed-point residual ‖Φ(w_i) − w_i‖ relative to ‖Φ(0) − 0‖). The reference is the cold
  // start, not w_0, so a warm start that begins close stops early. With `trajectory`
  // (solvers whose entry is `differentiable` only; others throw), also stores w_0..w_t
  // there. Throws hp::UserError (collectively) when the solve fails or diverges.
  virtual PetscInt run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t, Trajectory* trajectory,
                       double rtol = 0.0) const = 0;
};

// From `inner.solver` (and the keys it reads); throws hp::UserError for unknown names.
std::unique_ptr<InnerSolver> make_inner_solver(const InnerSettings& inner);

}  // namespace hp
