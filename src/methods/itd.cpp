// ITD (reverse mode through the inner iterations) and truncated ITD (last K steps only).
//
// Forward: w_{i+1} = Φ(w_i) + β(w_i − w_{i−1}) (β = 0 for gradient descent), storing w_i.
// Reverse, with a_i = d E(w_t)/d w_i:
//   a_t = ∇_wE(w_t);  g = ∇_λE + Σ_i ∂_λΦ(w_i)ᵀ a_{i+1};
//   a_i = ∂_wΦ(w_i)ᵀ a_{i+1} + β a_{i+1} − β a_{i+2}.
// Memory: the t + 1 iterates, t·dim(w) doubles.
#include <mpi.h>

#include <algorithm>

#include "hyperpetsc/methods/itd_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

HypergradientResult ItdMethod::compute(BilevelProblem& problem, const InnerSolver& inner,
                                       const HypergradientRequest& req) {
  HypergradientResult res;
  const double t0 = MPI_Wtime();
  Trajectory traj;
  const PetscInt t = inner.run(problem, req.lambda, req.w, req.t, &traj, req.inner_tol);
  res.t = t;
  const double t1 = MPI_Wtime();
  res.seconds_inner = t1 - t0;

  const PetscInt K = truncated_ ? std::min(req.k, t) : t;
  const double beta = inner.momentum();
  res.outer_objective = problem.outer_objective(req.w, req.lambda);
  Vector a1 = problem.create_inner_vector(), a2 = problem.create_inner_vector(),
         a0 = problem.create_inner_vector();
  problem.outer_gradient_inner(req.w, req.lambda, a1);  // a_t
  res.hypergradient = problem.create_outer_vector();
  Vector contribution = problem.create_outer_vector();
  problem.outer_gradient_outer(req.w, req.lambda, res.hypergradient);

  LogScope scope(log_events().itd_backward);
  Vec next = a1, after = a2, spare = a0;  // a_{i+1}, a_{i+2}, scratch for a_i
  for (PetscInt i = t - 1; i >= t - K; --i) {
    const auto ui = static_cast<size_t>(i);
    problem.restore_linearization(traj.w[ui], req.lambda, traj.linearizations[ui].get());
    problem.map_vjp_outer(next, contribution);
    HP_CALL(VecAXPY(res.hypergradient, 1.0, contribution));
    if (i == t - K || i == 0) break;  // a_i no longer needed
    problem.map_vjp_inner(next, spare);
    if (beta != 0.0) HP_CALL(VecAXPBYPCZ(spare, beta, -beta, 1.0, next, after));
    Vec old_after = after;
    after = next;
    next = spare;
    spare = old_after;
    traj.linearizations[ui].reset();  // no longer needed: free early (the iterates share one block)
  }
  res.k = K;
  res.linear_solver_iterations = 0;
  res.converged_reason = "ITERATIONS";
  res.seconds_adjoint = MPI_Wtime() - t1;
  return res;
}

}  // namespace hp
