#include "hyperpetsc/inner/tao_inner_solver.hpp"

#include <petsctao.h>

#include <cfloat>
#include <cmath>
#include <sstream>

#include "hyperpetsc/petsc/callback_guard.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"
#include "hyperpetsc/petsc/user_options.hpp"
#include "hyperpetsc/problems/gradient_step_problem.hpp"

namespace hp {

namespace {
constexpr const char* kPrefix = "inner_";
// The default, lmvm (limited-memory BFGS with a Moré–Thuente line search), is TAO's
// general-purpose method for smooth unconstrained problems: L and ∇L only (one data pass
// per evaluation, usually one evaluation per iteration), no Hessian, nothing to tune. On
// news20-shaped data bncg did as well and nls (Newton on the shell Hessian) was the one
// for tight tolerances (bench/results/tao_inner.md): each one option away.
constexpr const char* kDefaultType = TAOLMVM;
// The TAO types that minimise a smooth function from L, ∇L (and ∇²L·v) alone. The others
// need what this problem does not have (constraints, residuals, a quadratic or
// L1-regularised objective, complementarity) or, like nm, O(dim w) vectors per iterate.
const char* const kSmoothTypes[] = {TAOLMVM, TAOBLMVM, TAOBQNLS, TAOBQNKLS, TAOBQNKTR, TAOBQNKTL, TAOCG,
                                    TAOBNCG, TAONLS,  TAONTR,   TAONTL,    TAOBNLS,   TAOBNTR,   TAOBNTL, TAOTRON};

std::string smooth_type_names() {
  std::string names;
  for (const char* t : kSmoothTypes) names += (names.empty() ? "" : ", ") + std::string(t);
  return names;
}

bool is_smooth_type(const std::string& type) {
  for (const char* t : kSmoothTypes)
    if (type == t) return true;
  return false;
}

// A line search (or trust region) stalls once a step's decrease, about ½‖∇L‖²/L_max for
// a quasi-Newton step, drops below the rounding error of L, up to κ·ε·|L| for sums over
// ~10⁴ rows (κ = 100). Below ‖∇L‖ = √(2κε|L|·L_max) a stall means: converged to rounding.
constexpr double kRoundingTerms = 100.0;
double rounding_gradient_level(double f, double lipschitz) {
  return std::sqrt(2.0 * kRoundingTerms * DBL_EPSILON * std::fabs(f) * lipschitz);
}
}  // namespace

struct TaoInnerSolver::State {
  // What the callbacks read, set by each run.
  BilevelProblem* problem = nullptr;
  GradientStepProblem* objective = nullptr;
  Vec lambda = nullptr;
  double rtol = 0;
  double reference = -1;  // ‖∇L(0)‖ once known

  PetscInt local = -1, global = -1;  // the layout of w the objects below were built for
  Optimizer tao;
  Matrix hessian;  // MATSHELL: ∇²L at the point of the last Hessian evaluation
  Vector zero;     // w = 0, for ‖∇L(0)‖ after a warm start
  Vector scratch;  // ∇L(0), for a TAO type without its own gradient vector

  static PetscErrorCode objective_and_gradient(Tao, Vec w, PetscReal* f, Vec g, void* p) {
    return guard_callback([&] {
      auto* s = static_cast<State*>(p);
      *f = s->objective->inner_objective_gradient(w, s->lambda, g);
    });
  }

  static PetscErrorCode hessian_at(Tao, Vec w, Mat H, Mat, void* p) {
    return guard_callback([&] {
      auto* s = static_cast<State*>(p);
      s->problem->linearize(w, s->lambda);
      // A new operator for TAO's KSP (its preconditioner is rebuilt).
      HP_CALL(MatAssemblyBegin(H, MAT_FINAL_ASSEMBLY));
      HP_CALL(MatAssemblyEnd(H, MAT_FINAL_ASSEMBLY));
    });
  }

  static PetscErrorCode hessian_product(Mat H, Vec v, Vec out) {
    return guard_callback([&] {
      State* s = nullptr;
      HP_CALL(MatShellGetContext(H, &s));
      s->objective->inner_hessian_vector(v, out);
    });
  }

  // TAO's own tests (iterations, NaN, whatever -inner_tao_* tolerances set), then inner.tol.
  static PetscErrorCode converged(Tao tao, void* p) {
    return guard_callback([&] {
      auto* s = static_cast<State*>(p);
      HP_CALL(TaoDefaultConvergenceTest(tao, nullptr));
      PetscInt its = 0;
      PetscReal f = 0, gnorm = 0;
      TaoConvergedReason reason;
      HP_CALL(TaoGetSolutionStatus(tao, &its, &f, &gnorm, nullptr, nullptr, &reason));
      if (s->reference < 0) s->reference = gnorm;  // a cold start: iteration 0 is at w = 0
      if (reason == TAO_CONTINUE_ITERATING && s->rtol > 0 && gnorm <= s->rtol * s->reference)
        HP_CALL(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    });
  }

  // Builds the TAO object for w's layout: type, callbacks, then the user's -inner_ options.
  void build(MPI_Comm comm, Vec w) {
    HP_CALL(VecGetLocalSize(w, &local));
    HP_CALL(VecGetSize(w, &global));
    HP_CALL(TaoCreate(comm, tao.out()));
    HP_CALL(TaoSetOptionsPrefix(tao, kPrefix));
    HP_CALL(TaoSetType(tao, kDefaultType));
    HP_CALL(TaoSetSolution(tao, w));
    HP_CALL(TaoSetObjectiveAndGradient(tao, nullptr, objective_and_gradient, this));
    HP_CALL(MatCreateShell(comm, local, local, global, global, this, hessian.out()));
    HP_CALL(MatShellSetOperation(hessian, MATOP_MULT, reinterpret_cast<void (*)(void)>(hessian_product)));
    HP_CALL(MatSetOption(hessian, MAT_SYMMETRIC, PETSC_TRUE));
    HP_CALL(TaoSetHessian(tao, hessian, hessian, hessian_at, this));
    HP_CALL(TaoSetConvergenceTest(tao, converged, this));
    // inner.tol and inner.iterations stop it; TAO's gradient tolerances only if asked for.
    HP_CALL(TaoSetTolerances(tao, 0.0, 0.0, 0.0));
    const char* what = "PETSc options -inner_* (the TAO solver of inner.solver: tao)";
    apply_user_options(comm, what, [&] { HP_CALL(TaoSetFromOptions(tao)); });
    TaoType type = nullptr;
    HP_CALL(TaoGetType(tao, &type));
    std::string refused;
    if (!is_smooth_type(type))
      refused = "inner.solver: tao cannot use -inner_tao_type " + std::string(type) +
                ": it does not minimise a smooth objective from its gradient alone; choose one of " +
                smooth_type_names() + " (default lmvm)";
    agree_or_throw(comm, refused);
    apply_user_options(comm, what, [&] { HP_CALL(TaoSetUp(tao)); });
    KSP ksp = nullptr;
    HP_CALL(TaoGetKSP(tao, &ksp));
    if (ksp) {
      // Newton types solve with the shell Hessian, which has no entries: unless the user
      // chose a preconditioner, use the L-BFGS one (what bnls/bntr choose themselves;
      // nls and ntr would otherwise get ILU, which a shell cannot have).
      const char* ksp_prefix = nullptr;
      HP_CALL(KSPGetOptionsPrefix(ksp, &ksp_prefix));
      PetscBool chosen = PETSC_FALSE;
      HP_CALL(PetscOptionsHasName(nullptr, ksp_prefix, "-pc_type", &chosen));
      PC pc = nullptr;
      HP_CALL(KSPGetPC(ksp, &pc));
      if (!chosen) HP_CALL(PCSetType(pc, PCLMVM));
      // What the chosen preconditioner cannot do with a shell shows up here, as a user error.
      HP_CALL(KSPSetOperators(ksp, hessian, hessian));
      apply_user_options(comm, what, [&] { HP_CALL(KSPSetUp(ksp)); });
    }
  }
};

TaoInnerSolver::TaoInnerSolver(std::string name) : name_(std::move(name)) {}

TaoInnerSolver::~TaoInnerSolver() = default;

namespace {

std::string tao_type(Tao tao) {
  TaoType type = nullptr;
  HP_CALL(TaoGetType(tao, &type));
  return type ? type : "?";
}

// Every value is global (TAO reduces them), so every rank throws the same text.
[[noreturn]] void throw_failure(Tao tao, TaoConvergedReason reason, PetscInt its, double gnorm, double reference,
                                double rtol) {
  std::ostringstream os;
  os << "inner.solver: tao (TAO type " << tao_type(tao) << ", -inner_tao_type) failed with "
     << TaoConvergedReasons[reason] << " after " << its << " iterations";
  if (std::isfinite(gnorm) && reference > 0) {
    os << " at ‖∇L(w)‖/‖∇L(0)‖ = " << gnorm / reference;
    if (rtol > 0) os << " (inner.tol " << rtol << ")";
  }
  if (reason == TAO_DIVERGED_NAN)
    os << "; L or ∇L became NaN or Inf: check the data and hyperparameters.init";
  else
    os << "; try another -inner_tao_type (lmvm, nls, bncg, ...), raise inner.tol, or use inner.solver: "
          "gradient_descent";
  throw UserError(os.str());
}

}  // namespace

PetscInt TaoInnerSolver::run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t, Trajectory* trajectory,
                             double rtol) const {
  if (trajectory)
    throw UserError("inner.solver: " + name_ +
                    " does not follow the gradient-descent recursion, so ITD and truncated_itd cannot differentiate "
                    "through it; use an aid_* hypergradient.method, or inner.solver: gradient_descent or heavy_ball");
  auto* objective = dynamic_cast<GradientStepProblem*>(&problem);
  if (!objective)
    throw UserError("inner.solver: " + name_ + " minimises the training objective L(w, λ), which problem " +
                    problem.name() + " does not provide (its map is not a gradient step); use inner.solver: "
                    "gradient_descent");
  LogScope scope(log_events().inner_step);
  PetscInt local = 0, global = 0;
  HP_CALL(VecGetLocalSize(w, &local));
  HP_CALL(VecGetSize(w, &global));
  if (!state_ || state_->problem != &problem || state_->local != local || state_->global != global) {
    state_.reset();
    auto fresh = std::make_unique<State>();
    fresh->problem = &problem;
    fresh->objective = objective;
    fresh->build(problem.comm(), w);  // kept only once the options are accepted
    state_ = std::move(fresh);
  }
  State& s = *state_;
  s.lambda = lambda;
  s.rtol = rtol;
  s.reference = -1;
  double w0 = 0;
  HP_CALL(VecNorm(w, NORM_INFINITY, &w0));
  if (w0 != 0) {  // a warm start: the reference is still the cold start's gradient
    if (!s.zero) {
      HP_CALL(VecDuplicate(w, s.zero.out()));
      HP_CALL(VecSet(s.zero, 0.0));
    }
    Vec g = nullptr;  // TAO's gradient vector as scratch: its first evaluation overwrites it
    HP_CALL(TaoGetGradient(s.tao, &g, nullptr, nullptr));
    if (!g) {
      if (!s.scratch) HP_CALL(VecDuplicate(w, s.scratch.out()));
      g = s.scratch;
    }
    objective->inner_objective_gradient(s.zero, lambda, g);
    HP_CALL(VecNorm(g, NORM_2, &s.reference));
  }
  HP_CALL(TaoSetSolution(s.tao, w));
  HP_CALL(TaoSetMaximumIterations(s.tao, t));
  HP_CALL(TaoSolve(s.tao));
  PetscInt its = 0;
  PetscReal f = 0, gnorm = 0;
  TaoConvergedReason reason;
  HP_CALL(TaoGetSolutionStatus(s.tao, &its, &f, &gnorm, nullptr, nullptr, &reason));
  // η = 1/L_max for step_size: auto (a number η is below 2/‖∇²L‖: 1/η is still its scale).
  const double lipschitz = 1.0 / objective->step_size();
  const bool stalled = reason == TAO_DIVERGED_LS_FAILURE || reason == TAO_DIVERGED_TR_REDUCTION;
  const bool rounding = stalled && gnorm <= rounding_gradient_level(f, lipschitz);
  if (reason < 0 && reason != TAO_DIVERGED_MAXITS && !rounding) throw_failure(s.tao, reason, its, gnorm, s.reference, rtol);
  return its;
}

}  // namespace hp
