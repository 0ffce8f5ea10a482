// exact: the ground truth. The inner problem is solved by Newton–Krylov (PETSc SNES,
// options prefix -exact_) on the fixed-point residual F(w) = w − Φ(w, λ), with Jacobian
// the matrix-free I − ∂_wΦ; for a gradient step F = η∇_wL, so the stopping test
// ‖F‖ ≤ 1e-12·‖F(w_0)‖ is a relative gradient norm. Then the adjoint to relative residual
// 1e-12 (prefix -exact_adjoint_).
#include <mpi.h>
#include <petscsnes.h>

#include <sstream>
#include <vector>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/methods/aid_method.hpp"
#include "hyperpetsc/methods/exact_method.hpp"
#include "hyperpetsc/petsc/callback_guard.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"
#include "hyperpetsc/petsc/user_options.hpp"

namespace hp {

namespace {
constexpr double kTol = 1e-12;
constexpr PetscInt kMaxNewton = 100;
constexpr PetscInt kMaxLinearIterations = 100000;

struct NewtonContext {
  BilevelProblem* problem;
  Vec lambda;
};

PetscErrorCode residual(SNES, Vec w, Vec F, void* p) {
  return guard_callback([&] {
    const auto* ctx = static_cast<NewtonContext*>(p);
    ctx->problem->apply_map(w, ctx->lambda, F);
    HP_CALL(VecAYPX(F, -1.0, w));  // F = w − Φ(w)
  });
}

// The Jacobian is the shell I − ∂_wΦ, which reads the problem's linearisation point.
PetscErrorCode jacobian(SNES, Vec w, Mat J, Mat, void* p) {
  return guard_callback([&] {
    const auto* ctx = static_cast<NewtonContext*>(p);
    ctx->problem->linearize(w, ctx->lambda);
    // A new operator for the KSP (so a preconditioner from the options is rebuilt).
    HP_CALL(MatAssemblyBegin(J, MAT_FINAL_ASSEMBLY));
    HP_CALL(MatAssemblyEnd(J, MAT_FINAL_ASSEMBLY));
  });
}

std::string advice(SNESConvergedReason reason) {
  switch (reason) {
    case SNES_DIVERGED_LINEAR_SOLVE:
      return "the map may not be a contraction: check inner.step_size (or use auto)";
    case SNES_DIVERGED_FNORM_NAN:
    case SNES_DIVERGED_FUNCTION_DOMAIN:
      return "the residual became NaN or Inf: check inner.step_size (or use auto) and that the data are finite";
    case SNES_DIVERGED_DTOL:
      return "the residual grew instead of shrinking: check inner.step_size (or use auto)";
    default:
      return "the problem may be too ill-conditioned: raise hyperparameters.init, and check inner.step_size";
  }
}

// Every value in the message is global, so every rank throws the same text.
[[noreturn]] void throw_newton_failure(SNES snes, SNESConvergedReason reason, PetscInt steps,
                                       const std::vector<PetscReal>& history) {
  std::ostringstream os;
  os << "hypergradient.method exact: the inner Newton solve (SNES, options prefix -exact_) failed with "
     << SNESConvergedReasons[reason] << " after " << steps << " Newton steps";
  if (reason == SNES_DIVERGED_LINEAR_SOLVE) {
    KSP ksp = nullptr;
    HP_CALL(SNESGetKSP(snes, &ksp));
    KSPConvergedReason kr;
    HP_CALL(KSPGetConvergedReason(ksp, &kr));
    KSPType type = nullptr;
    HP_CALL(KSPGetType(ksp, &type));
    os << " (its linear solve, KSP " << type << ", ended with " << KSPConvergedReasons[kr] << ")";
  }
  PetscInt recorded = 0;
  HP_CALL(SNESGetConvergenceHistory(snes, nullptr, nullptr, &recorded));
  if (recorded > 1 && history[0] > 0)
    os << ", reaching ‖w − Φ(w)‖/‖w_0 − Φ(w_0)‖ = " << history[static_cast<size_t>(recorded - 1)] / history[0]
       << " (target " << kTol << ")";
  os << "; " << advice(reason);
  throw UserError(os.str());
}

}  // namespace

PetscInt ExactMethod::solve_inner(BilevelProblem& problem, Vec lambda, Vec w, PetscInt* linear_its) {
  NewtonContext ctx{&problem, lambda};
  Vector F = problem.create_inner_vector();
  Matrix J(create_forward_operator(problem, w));
  Nonlinear snes;
  HP_CALL(SNESCreate(problem.comm(), snes.out()));
  HP_CALL(SNESSetOptionsPrefix(snes, "exact_"));
  HP_CALL(SNESSetType(snes, SNESNEWTONLS));
  HP_CALL(SNESSetFunction(snes, F, residual, &ctx));
  HP_CALL(SNESSetJacobian(snes, J, J, jacobian, &ctx));
  // Only the relative residual stops it (no step-length test): ‖F‖ ≤ 1e-12·‖F(w_0)‖.
  HP_CALL(SNESSetTolerances(snes, PETSC_DEFAULT, kTol, 0.0, kMaxNewton, PETSC_DEFAULT));
  HP_CALL(SNESKSPSetUseEW(snes, PETSC_TRUE));  // Eisenstat–Walker forcing terms
  std::vector<PetscReal> history(static_cast<size_t>(kMaxNewton + 1));
  HP_CALL(SNESSetConvergenceHistory(snes, history.data(), nullptr, kMaxNewton + 1, PETSC_TRUE));
  KSP ksp = nullptr;
  HP_CALL(SNESGetKSP(snes, &ksp));
  HP_CALL(KSPSetType(ksp, problem.jacobian_symmetric() ? KSPCG : KSPGMRES));
  HP_CALL(KSPSetTolerances(ksp, PETSC_DEFAULT, PETSC_DEFAULT, PETSC_DEFAULT, kMaxLinearIterations));
  PC pc = nullptr;
  HP_CALL(KSPGetPC(ksp, &pc));
  HP_CALL(PCSetType(pc, PCNONE));
  // Options last, so -exact_snes_*, -exact_ksp_* win; what they break shows up in the set-up
  // (the KSP is set up here too, on the shell Jacobian, before any Newton step). Each step
  // is agreed on before the next: a monitor file fails on rank 0 alone.
  const std::string options = "PETSc options -exact_* (the Newton solve of hypergradient.method exact)";
  apply_user_options(problem.comm(), options, [&] { HP_CALL(SNESSetFromOptions(snes)); });
  apply_user_options(problem.comm(), options, [&] { HP_CALL(SNESSetUp(snes)); });
  HP_CALL(KSPSetOperators(ksp, J, J));
  apply_user_options(problem.comm(), options, [&] { HP_CALL(KSPSetUp(ksp)); });
  HP_CALL(SNESSolve(snes, nullptr, w));
  SNESConvergedReason reason;
  HP_CALL(SNESGetConvergedReason(snes, &reason));
  PetscInt steps = 0;
  HP_CALL(SNESGetIterationNumber(snes, &steps));
  HP_CALL(SNESGetLinearSolveIterations(snes, linear_its));
  if (reason < 0) throw_newton_failure(snes, reason, steps, history);
  return steps;
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
  const AdjointSolve s = solve_adjoint_and_assemble(problem, cold, *solver, kMaxLinearIterations, kTol, res);
  if (s.reason == "DIVERGED_ITS")
    throw UserError("hypergradient.method exact: the adjoint solve did not reach relative residual 1e-12");
  res.seconds_adjoint = MPI_Wtime() - t1;
  return res;
}

}  // namespace hp
