// inner.solver: tao — w_t = argmin_w L(w, λ) by any PETSc TAO method (options prefix
// -inner_, default lmvm), for AID methods: they need only w_t, not the steps that led to
// it. The problem must be a GradientStepProblem (it provides L, ∇_wL and ∇²_wL·v).
//
// Stopping rule (the same as the momentum iteration's): inner.iterations caps TAO's
// iterations, and inner.tol stops it at ‖∇_wL(w_i)‖ <= tol·‖∇_wL(0)‖ (the cold start's
// gradient, computed once more when w_0 ≠ 0). TAO's own tolerances (gatol, grtol, gttol)
// are 0 unless -inner_tao_gatol etc. set them. A line-search (or trust-region) failure at
// ‖∇L‖ <= √(2κε|L|/η) (κ = 100, 1/η ≈ L_max) means L no longer decreases measurably in
// floating point: the solve stops there, converged to rounding; any other failure is an
// hp::UserError. Only types that minimise a smooth function from its gradient are
// accepted (lmvm, bncg, nls, ntr, ...; the list is in the .cpp).
#pragma once
#include <memory>
#include <string>

#include "hyperpetsc/inner/inner_solver.hpp"

namespace hp {

class TaoInnerSolver final : public InnerSolver {
 public:
  explicit TaoInnerSolver(std::string name);
  ~TaoInnerSolver() override;
  const std::string& name() const override { return name_; }
  double momentum() const override { return 0.0; }

  // One iteration is one TAO iteration (one or more evaluations of L and ∇L). `trajectory`
  // must be null (ITD cannot differentiate through TAO): hp::UserError otherwise. Throws
  // hp::UserError for options PETSc rejects (-inner_tao_type ...) and failed solves.
  PetscInt run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t, Trajectory* trajectory,
               double rtol = 0.0) const override;

 private:
  // The TAO object and its Hessian shell, kept across runs while the problem and the
  // layout of w stay the same: TAO's work vectors (about 20 for lmvm, each as large as w) are then
  // allocated and first touched once, not per hypergradient.
  struct State;
  std::string name_;
  mutable std::unique_ptr<State> state_;
};

}  // namespace hp
