// AID: any inner solver for w_t, then one adjoint solve and one VJP in λ:
//   ĝ = ∇_λE(w_t) + ∂_λΦ(w_t)ᵀ v,   (I − ∂_wΦ(w_t)ᵀ) v ≈ ∇_wE(w_t).
// Memory O(dim w), independent of t.
#include <mpi.h>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/methods/aid_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

AidMethod::AidMethod(std::string name, std::unique_ptr<AdjointSolver> solver, PetscInt extra)
    : name_(std::move(name)), solver_(std::move(solver)), extra_(extra) {}

AdjointSolve solve_adjoint_and_assemble(BilevelProblem& problem, const HypergradientRequest& req,
                                        AdjointSolver& solver, PetscInt max_iterations,
                                        double rtol, HypergradientResult& res) {
  res.outer_objective = problem.outer_objective(req.w, req.lambda);
  Vector b = problem.create_inner_vector();
  problem.outer_gradient_inner(req.w, req.lambda, b);
  problem.linearize(req.w, req.lambda);
  Vector own_v;
  Vec v = req.adjoint;
  if (!v) {
    own_v = problem.create_inner_vector();  // v_0 = 0
    v = own_v;
  }
  AdjointSolve s;
  {
    LogScope scope(log_events().adjoint);
    s = solver.solve(problem, b, v, max_iterations, rtol);
  }
  res.k = s.iterations;
  res.linear_solver_iterations = s.iterations;
  res.converged_reason = s.reason;
  res.hypergradient = implicit_hypergradient(problem, req.w, req.lambda, v);
  return s;
}

HypergradientResult AidMethod::compute(BilevelProblem& problem, const InnerSolver& inner,
                                       const HypergradientRequest& req) {
  HypergradientResult res;
  double t0 = MPI_Wtime();
  res.t = inner.run(problem, req.lambda, req.w, req.t, nullptr, req.inner_tol);
  double t1 = MPI_Wtime();
  res.seconds_inner = t1 - t0;

  solve_adjoint_and_assemble(problem, req, *solver_, req.k + extra_, req.tol, res);
  res.k = req.k;  // the requested k (aid_neumann runs k + 1); the iterations run are reported separately
  res.seconds_adjoint = MPI_Wtime() - t1;
  return res;
}

}  // namespace hp
