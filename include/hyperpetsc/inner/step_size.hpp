// The inner step size η of gradient-step maps Φ(w, λ) = w − η ∇_wL(w, λ): `auto` picks
// η = 1/L_max (L_max an upper estimate of sup_w ‖∇²L‖, always contractive), a number is
// checked against ‖∇²L(w_0)‖ and refused when it cannot contract (η·‖∇²L(w_0)‖ ≥
// 2(1 + β), β the heavy-ball momentum). Both estimates come from short Lanczos runs
// (hyperpetsc/petsc/lanczos.hpp) and are remembered for the λ (and w_0) values they were
// computed at, so an outer loop that revisits them does not pay again.
#pragma once
#include <petscvec.h>

#include <cstdint>

#include "hyperpetsc/inner/inner_settings.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {

struct StepSizeChoice {
  double step_size = 0;  // η (0: the map carries its own step)
  // What η was derived from or checked against: L_max (auto) or ‖∇²L(w_0)‖ (a number);
  // 0 for maps that are not gradient steps.
  double curvature = 0;
  double seconds = 0;    // wall time of the call on this rank (the run's set-up cost)
  bool reused = false;   // the curvature estimate came from the cache
};

// One per problem object (it caches that problem's estimates).
class StepSizeSelector {
 public:
  explicit StepSizeSelector(BilevelProblem& problem) : problem_(problem) {}

  // Resolves inner.step_size at (λ, w_0), sets it on the problem and returns it with the
  // time spent. Throws hp::UserError (collectively) for a non-contractive number or a
  // step on a map that is not a gradient step. Collective.
  StepSizeChoice configure(const InnerSettings& inner, Vec lambda, Vec w0);

 private:
  struct Estimate {
    bool valid = false;
    std::uint64_t lambda = 0, w0 = 0;  // vec_fingerprint of the values it was computed at
    double value = 0;
  };
  BilevelProblem& problem_;
  Estimate smoothness_;  // L_max at λ
  Estimate at_w0_;       // ‖∇²L(w_0)‖ at (λ, w_0)
};

// One-shot form (no cache across calls): returns η. Collective.
double configure_step_size(BilevelProblem& problem, const InnerSettings& inner, Vec lambda, Vec w0);

}  // namespace hp
