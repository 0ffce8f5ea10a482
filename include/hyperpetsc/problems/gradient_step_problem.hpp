// Problems whose map is a gradient step on a training loss, Φ(w, λ) = w − η ∇_wL(w, λ).
// Step-size selection (`auto`) and the contraction check need to know this structure.
#pragma once
#include <petscvec.h>

namespace hp {

class GradientStepProblem {
 public:
  virtual ~GradientStepProblem() = default;
  virtual double step_size() const = 0;
  virtual void set_step_size(double eta) = 0;
  // ∇_wL(w, λ) -> out.
  virtual void inner_gradient(Vec w, Vec lambda, Vec out) = 0;
  // The training objective L(w, λ) itself, with ∇_wL(w, λ) -> gradient (one data pass
  // for both): what an optimiser on min_w L needs (inner.solver: tao). Collective.
  virtual double inner_objective_gradient(Vec w, Vec lambda, Vec gradient) = 0;
  // ∇²_wL v -> out at the point of the last BilevelProblem::linearize(w, λ) (Newton-type
  // TAO methods).
  virtual void inner_hessian_vector(Vec v, Vec out) = 0;
  // An upper estimate of sup_w ‖∇²_wL(w, λ)‖ (at most `lanczos_steps` Lanczos steps on
  // the data Gram matrix, largest Ritz value plus its residual, times the loss's
  // curvature bound; plus the largest penalty).
  virtual double smoothness_bound(Vec lambda, int lanczos_steps) = 0;
  // A lower estimate of ‖∇²_wL(w, λ)‖ at w (the largest Ritz value of at most
  // `lanczos_steps` Lanczos steps on the Hessian itself).
  virtual double hessian_norm_at(Vec w, Vec lambda, int lanczos_steps) = 0;
  // A lower bound on the strong convexity modulus (the smallest penalty).
  virtual double strong_convexity_bound(Vec lambda) = 0;
};

}  // namespace hp
