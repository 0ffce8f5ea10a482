// A hypergradient session: the problem, the inner solver, λ, and the last w_t and v_k,
// kept between calls so the next hypergradient can start warm. `hypergrad`, `compare`
// and the outer loop all compute through it. Collective on the problem's communicator.
#pragma once
#include <mpi.h>

#include <memory>

#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/inner/inner_solver.hpp"
#include "hyperpetsc/inner/step_size.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {

// Where the next hypergradient starts.
struct WarmStart {
  bool inner = false;    // w_0 = the previous w_t (else 0)
  bool adjoint = false;  // v_0 = the previous v_k (else 0); AID methods only
};

// How the session builds its problem.
struct SessionOptions {
  bool refit = false;  // train on train ∪ validation (run.refit; ProblemBuildOptions::refit)
};

class HypergradientSession {
 public:
  // Loads the problem's data, sets λ to hyperparameters.init and resolves the step size.
  HypergradientSession(MPI_Comm comm, Settings settings, SessionOptions options = {});

  BilevelProblem& problem() { return *problem_; }
  const InnerSolver& inner() const { return *inner_; }
  Settings& settings() { return settings_; }  // t and k may change between calls
  const Settings& settings() const { return settings_; }
  Vec lambda() const { return lambda_; }  // updated in place by an outer loop
  Vec w() const { return w_; }            // w_t of the last call
  Vec adjoint() const { return v_; }      // v_k of the last call
  double step_size() const { return step_size_; }
  double seconds_load() const { return seconds_load_; }
  double seconds_setup() const { return seconds_setup_; }

  // Re-resolve the step size at the current λ and w (cheap while they repeat: cached).
  // An outer loop calls it after moving λ, so `auto` stays contractive.
  void refresh_step_size();

  // One hypergradient at the current λ with t = inner.iterations, k =
  // hypergradient.iterations, and the tolerances of inner.tol and hypergradient.tol at
  // outer step `outer_step` (their schedules). Throws hp::UserError when the result is
  // not finite.
  HypergradientResult compute(HypergradientMethod& method, WarmStart warm = {}, PetscInt outer_step = 0);

  // A λ-space vector on rank 0 (empty elsewhere), in the natural feature order.
  std::vector<double> gather_outer_on_zero(Vec v) const;

 private:
  Settings settings_;
  std::unique_ptr<BilevelProblem> problem_;
  std::unique_ptr<StepSizeSelector> step_selector_;  // caches curvature estimates per λ
  std::unique_ptr<InnerSolver> inner_;
  Vector lambda_, w_, v_;
  double step_size_ = 0.0;
  double seconds_load_ = 0.0, seconds_setup_ = 0.0;
};

// Peak resident memory: {sum over ranks, max over ranks}, in bytes.
std::pair<double, double> peak_memory_bytes(MPI_Comm comm);

}  // namespace hp
