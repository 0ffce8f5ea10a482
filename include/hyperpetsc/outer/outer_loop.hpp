// The outer loop: hypergradient descent on λ through a HypergradientSession, with warm
// starts across steps and the stopping rules of `outer`. Every rank runs it; decisions
// that depend on one rank's clock (max_seconds) are taken by the coordinator (rank 0) and
// broadcast, the rest depend only on reduced values and agree by construction.
#pragma once
#include <petscsys.h>

#include <functional>
#include <string>

#include "hyperpetsc/engine/hypergradient_session.hpp"
#include "hyperpetsc/outer/outer_settings.hpp"

namespace hp {

struct OuterStepRecord {
  PetscInt step = 0;                // 0: the initial λ, before any update
  double seconds = 0;               // since the loop started (coordinator's clock)
  double val_loss = 0;              // E(w_t, λ)
  double hypergradient_norm = 0;
  PetscInt inner_iterations = 0;
  PetscInt solver_iterations = 0;
  double lambda_min = 0, lambda_mean = 0, lambda_max = 0;
};

struct OuterRunResult {
  std::string stop_reason;  // iterations | max_seconds | patience | tol
  PetscInt steps = 0;       // updates of λ made
  OuterStepRecord best, final;
  double seconds = 0;
};

// Runs the loop on `session` (its λ is updated in place) and calls `on_step` after each
// evaluation, on every rank. Collective.
OuterRunResult run_outer_loop(HypergradientSession& session, const OuterSettings& outer,
                              const std::function<void(const OuterStepRecord&)>& on_step);

}  // namespace hp
