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

  // Newton on F(w) = w − Φ(w) from w (in place); returns the Newton steps taken.
  static PetscInt solve_inner(BilevelProblem& problem, Vec lambda, Vec w, PetscInt* linear_its);
};

}  // namespace hp
