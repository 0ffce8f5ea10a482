// Notices an inner iteration that diverges while it runs, so that a non-contractive step
// ends with an error naming the step instead of a finite but meaningless result (the
// contraction check before the run only sees ∇²L at w_0, from a Lanczos estimate that can
// be slightly low).
//
// The signal is the step norm s_i = ‖w_i − w_{i−1}‖ against the first step's s_1. A
// contraction (in the Euclidean norm: gradient descent on a convex L-smooth loss with
// η < 2/L) never lets it grow; heavy ball's transients stay within about 2/(1 − β) of it;
// a non-contractive map makes it grow geometrically. Divergence is declared when
// s_i > 1e3·s_1/(1 − β) (500 times heavy ball's transient) and s_i is more than rounding
// noise (1e-10·‖w_i‖), or when s_i or ‖w_i‖ is not finite.
//
// Cost: one pass over w_i and w_{i−1} and one two-number allreduce per check, at steps
// 1 (the reference), every 32nd, and the last — never a pass per step.
#pragma once
#include <petscvec.h>

#include <string>

namespace hp {

class DivergenceMonitor {
 public:
  // `solver` and `momentum` name the run in the message; `steps` is t.
  DivergenceMonitor(std::string solver, double momentum, PetscInt steps);

  // Whether step i (the one producing w_i, 1 ≤ i ≤ t) is checked.
  bool due(PetscInt i) const { return i == 1 || i % kEvery == 0 || i == steps_; }

  // Checks step i from w_i and w_{i−1}; throws hp::UserError (the same on every rank) when
  // the iteration diverges. Collective; call only when due(i).
  void check(PetscInt i, Vec w_i, Vec w_prev);

  static constexpr PetscInt kEvery = 32;

 private:
  std::string solver_;
  double growth_limit_;
  PetscInt steps_;
  double first_step_ = 0;  // s_1
};

}  // namespace hp
