#pragma once
#include "hyperpetsc/methods/hypergradient_method.hpp"

namespace hp {

// Ground truth: Newton–Krylov inner solve to 1e-12, adjoint to 1e-12. Ignores t and k.
class ExactMethod final : public HypergradientMethod {
 public:
  std::string name() const override { return "exact"; }
  HypergradientResult compute(BilevelProblem& problem, const InnerSolver& inner,
                              const HypergradientRequest& request) override;
  bool needs_contraction() const override { return false; }

  // Newton–Krylov (PETSc SNES, options prefix -exact_) on F(w) = w − Φ(w, λ) from w (in
  // place) to ‖F‖ ≤ 1e-12·‖F(w_0)‖; returns the Newton steps taken. Throws hp::UserError
  // naming the SNES reason when it fails.
  static PetscInt solve_inner(BilevelProblem& problem, Vec lambda, Vec w, PetscInt* linear_its);
};

}  // namespace hp
