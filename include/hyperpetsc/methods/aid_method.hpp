// Approximate implicit differentiation with a pluggable adjoint solver.
#pragma once
#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"

namespace hp {

// The implicit part every AID-type method shares, at w = req.w (already w_t): E, the
// adjoint solve (I − ∂_wΦᵀ)v = ∇_wE from req.adjoint (or 0) with `solver`, and
// ĝ = ∇_λE + ∂_λΦᵀv. Fills res's objective, k, iterations, reason and hypergradient.
AdjointSolve solve_adjoint_and_assemble(BilevelProblem& problem, const HypergradientRequest& req,
                                        AdjointSolver& solver, PetscInt max_iterations,
                                        double rtol, HypergradientResult& res);

class AidMethod final : public HypergradientMethod {
 public:
  // `extra` iterations are added to k (aid_neumann(k) = aid_fp(k + 1)).
  AidMethod(std::string name, std::unique_ptr<AdjointSolver> solver, PetscInt extra = 0);
  std::string name() const override { return name_; }
  HypergradientResult compute(BilevelProblem& problem, const InnerSolver& inner,
                              const HypergradientRequest& request) override;
  bool needs_contraction() const override { return name_ == "aid_fp" || name_ == "aid_neumann"; }

 private:
  std::string name_;
  std::unique_ptr<AdjointSolver> solver_;
  PetscInt extra_;
};

}  // namespace hp
