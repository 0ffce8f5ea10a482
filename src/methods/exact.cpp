// exact: the ground truth. The inner problem is solved by Newton's method on the
// fixed-point residual F(w) = w − Φ(w, λ) (for a gradient step, F = η∇L, so the stopping
// test is a relative gradient norm of 1e-12), then the adjoint to relative residual 1e-12.
#include <mpi.h>
#include <petscksp.h>

#include <cmath>
#include <sstream>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/methods/aid_method.hpp"
#include "hyperpetsc/methods/exact_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

namespace {
constexpr double kTol = 1e-12;
constexpr int kMaxNewton = 100;
constexpr int kMaxBacktracks = 40;

double residual(BilevelProblem& p, Vec w, Vec lambda, Vec F) {
  p.apply_map(w, lambda, F);
  HP_CALL(VecAYPX(F, -1.0, w));  // F = w − Φ(w)
  double n = 0;
  HP_CALL(VecNorm(F, NORM_2, &n));
  return n;
}
}  // namespace

PetscInt ExactMethod::solve_inner(BilevelProblem& problem, Vec lambda, Vec w, PetscInt* linear_its) {
  Vector F = problem.create_inner_vector(), step = problem.create_inner_vector(),
         trial = problem.create_inner_vector(), Ft = problem.create_inner_vector();
  double fn = residual(problem, w, lambda, F);
  const double f0 = fn;
  Matrix J(create_forward_operator(problem, w));
  Krylov ksp;
  HP_CALL(KSPCreate(problem.comm(), ksp.out()));
  HP_CALL(KSPSetOptionsPrefix(ksp, "exact_"));
  HP_CALL(KSPSetOperators(ksp, J, J));
  HP_CALL(KSPSetType(ksp, problem.jacobian_symmetric() ? KSPCG : KSPGMRES));
  PC pc = nullptr;
  HP_CALL(KSPGetPC(ksp, &pc));
  HP_CALL(PCSetType(pc, PCNONE));
  HP_CALL(KSPSetTolerances(ksp, 1e-2, 1e-3 * kTol * f0, PETSC_DEFAULT, 100000));
  HP_CALL(KSPSetFromOptions(ksp));
  PetscInt newton = 0;
  *linear_its = 0;
  while (fn > kTol * f0 && std::isfinite(fn)) {
    if (newton == kMaxNewton) break;
    ++newton;
    problem.linearize(w, lambda);
    // Forcing term: more accurate solves as F shrinks (superlinear convergence).
    HP_CALL(KSPSetTolerances(ksp, std::fmin(1e-2, fn / f0), 1e-3 * kTol * f0, PETSC_DEFAULT, 100000));
    HP_CALL(KSPSolve(ksp, F, step));  // (I − ∂_wΦ) step = F;  w ← w − s·step
    KSPConvergedReason reason;
    HP_CALL(KSPGetConvergedReason(ksp, &reason));
    PetscInt its = 0;
    HP_CALL(KSPGetIterationNumber(ksp, &its));
    *linear_its += its;
    if (reason < 0 && reason != KSP_DIVERGED_ITS)
      throw UserError(std::string("hypergradient.method exact: the Newton step's linear solve failed with ") +
                      KSPConvergedReasons[reason] + "; the map may not be a contraction (check inner.step_size)");
    double s = 1.0, ft = 0;
    for (int b = 0; b <= kMaxBacktracks; ++b, s *= 0.5) {
      HP_CALL(VecWAXPY(trial, -s, step, w));
      ft = residual(problem, trial, lambda, Ft);
      if (ft < fn) break;
    }
    if (!(ft < fn)) break;  // no decrease possible: at the rounding floor
    HP_CALL(VecCopy(trial, w));
    HP_CALL(VecCopy(Ft, F));
    fn = ft;
  }
  if (!(fn <= kTol * f0) && f0 > 0) {
    std::ostringstream os;
    os << "hypergradient.method exact: the inner problem reached only ‖w − Φ(w)‖/‖w_0 − Φ(w_0)‖ = "
       << fn / f0 << " after " << newton << " Newton steps (target " << kTol
       << "); the problem may be too ill-conditioned: raise hyperparameters.init";
    throw UserError(os.str());
  }
  return newton;
}

HypergradientResult ExactMethod::compute(BilevelProblem& problem, const InnerSolver&,
                                         const HypergradientRequest& req) {
  HypergradientResult res;
  const double t0 = MPI_Wtime();
  PetscInt newton_linear = 0;
  {
    LogScope scope(log_events().inner_step);
    res.t = solve_inner(problem, req.lambda, req.w, &newton_linear);
  }
  const double t1 = MPI_Wtime();
  res.seconds_inner = t1 - t0;

  auto solver = make_krylov_adjoint("exact", problem.jacobian_symmetric() ? KSPCG : KSPGMRES, "exact_adjoint_");
  HypergradientRequest cold = req;
  cold.adjoint = nullptr;  // the ground truth never depends on a warm start
  const AdjointSolve s = solve_adjoint_and_assemble(problem, cold, *solver, 100000, kTol, res);
  if (s.reason == "DIVERGED_ITS")
    throw UserError("hypergradient.method exact: the adjoint solve did not reach relative residual 1e-12");
  res.seconds_adjoint = MPI_Wtime() - t1;
  return res;
}

}  // namespace hp
