// Hypergradient methods by name (the `hypergradient.method` key): itd, truncated_itd,
// aid_fp, aid_neumann, aid_cg, aid_gmres, aid_cgne, aid_<any PETSc KSP type>, aid_ksp, exact.
// See docs/methods.md for the algorithms and the paper's notation.
#pragma once
#include <petscvec.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/config/registry.hpp"
#include "hyperpetsc/inner/inner_solver.hpp"
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {

struct HypergradientRequest {
  Vec lambda = nullptr;
  Vec w = nullptr;        // in: w_0 (the warm start); out: w_t
  Vec adjoint = nullptr;  // in: v_0; out: v_k (AID only; ignored by ITD)
  PetscInt t = 0;         // inner iterations (a maximum when inner_tol > 0)
  double inner_tol = 0.0; // inner.tol at this outer step (see InnerSolver::run)
  PetscInt k = 0;         // hypergradient.iterations
  double tol = 0.0;       // hypergradient.tol (0: exactly k iterations)
  PetscInt checkpoints = 0;  // hypergradient.checkpoints (ITD only): states stored; 0: all
};

struct HypergradientResult {
  Vector hypergradient;                // λ layout
  double outer_objective = 0.0;        // E(w_t, λ)
  PetscInt t = 0;                      // inner steps taken
  PetscInt k = 0;                      // adjoint / backward steps taken
  PetscInt linear_solver_iterations = 0;
  std::string converged_reason;        // PETSc KSP reason name, or ITERATIONS for loops
  double seconds_inner = 0.0;          // forward pass
  double seconds_adjoint = 0.0;        // backward pass / linear solve / VJP in λ
  double seconds_trajectory = 0.0;     // ITD: making + pre-faulting its storage (not in seconds_inner)
  PetscInt recomputed_steps = 0;       // checkpointed ITD: forward steps recomputed in the reverse sweep
};

class HypergradientMethod {
 public:
  virtual ~HypergradientMethod() = default;
  virtual std::string name() const = 0;
  virtual HypergradientResult compute(BilevelProblem& problem, const InnerSolver& inner,
                                      const HypergradientRequest& request) = 0;
  // Whether the fixed-point map must be a contraction for the method to make sense.
  virtual bool needs_contraction() const { return true; }
};

// Methods by name (`hypergradient.method`). Names of the form aid_<PETSc KSP type> are
// accepted besides the entries (see make_method).
struct MethodEntry {
  std::string name;
  std::string help;
  bool compared = false;  // a row of `hyperpetsc compare` (the paper's methods)
  std::function<std::unique_ptr<HypergradientMethod>()> make;
  // Differentiates through the inner iterates (ITD): needs an inner solver whose entry is
  // `differentiable` (InnerSolverEntry).
  bool needs_inner_trajectory = false;
};
Registry<MethodEntry>& method_registry();

// "" if `name` names a method, else the message ("unknown method ...; choose one of ...").
std::string unknown_method_message(const std::string& name);

// Throws hp::UserError naming hypergradient.method for unknown names.
std::unique_ptr<HypergradientMethod> make_method(const std::string& name);

}  // namespace hp
