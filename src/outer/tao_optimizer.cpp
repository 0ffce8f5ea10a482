// outer.optimizer: tao — a PETSc TAO solver (options prefix -outer_, default blmvm) drives
// the outer loop: it asks for (E, ĝ) at the points it chooses (line-search trial points
// included: each is one outer step of the run) with hyperparameters.bounds as its variable
// bounds. The run's stopping rules end the solve through a convergence test; TAO's own
// tests (gatol, grtol, ...) may end it first.
#include <petsctao.h>

#include <cmath>

#include "hyperpetsc/outer/outer_optimizer.hpp"
#include "hyperpetsc/petsc/callback_guard.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/petsc/user_options.hpp"

namespace hp {

namespace {

class TaoOuter final : public OuterOptimizer {
 public:
  TaoOuter(Vec like, double lower, double upper) {
    HP_CALL(VecDuplicate(like, lower_.out()));
    HP_CALL(VecDuplicate(like, upper_.out()));
    HP_CALL(VecSet(lower_, lower));
    HP_CALL(VecSet(upper_, upper));
  }

  void step(Vec, Vec) override {
    throw PetscFailure(PETSC_ERR_ORDER, "TaoOuter::step: TAO drives the loop (solve)", __FILE__, __LINE__);
  }

  void solve(Vec lambda, const OuterEvaluation& evaluate) override {
    MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(lambda));
    Optimizer tao;
    HP_CALL(TaoCreate(comm, tao.out()));
    HP_CALL(TaoSetOptionsPrefix(tao, "outer_"));
    HP_CALL(TaoSetType(tao, TAOBLMVM));
    // TAO's iterate is its own Vec: the evaluations write λ (trial points included).
    Vector x;
    HP_CALL(VecDuplicate(lambda, x.out()));
    HP_CALL(VecCopy(lambda, x));
    HP_CALL(TaoSetSolution(tao, x));
    HP_CALL(TaoSetVariableBounds(tao, lower_, upper_));
    Context ctx{&evaluate, false, 0.0, nullptr};
    HP_CALL(TaoSetObjectiveAndGradient(tao, nullptr, objective_and_gradient, &ctx));
    HP_CALL(TaoSetConvergenceTest(tao, converged, &ctx));
    // The run's own rules stop it; TAO's iteration and evaluation caps must not come first.
    HP_CALL(TaoSetMaximumIterations(tao, PETSC_MAX_INT));
    HP_CALL(TaoSetMaximumFunctionEvaluations(tao, PETSC_MAX_INT));
    const char* what = "PETSc options -outer_* (the TAO solver of outer.optimizer: tao)";
    apply_user_options(comm, what, [&] { HP_CALL(TaoSetFromOptions(tao)); });
    HP_CALL(TaoSolve(tao));
    TaoConvergedReason reason;
    HP_CALL(TaoGetConvergedReason(tao, &reason));
    reason_ = ctx.stop ? "" : std::string("tao_") + TaoConvergedReasons[reason];
    HP_CALL(VecCopy(x, lambda));  // the accepted iterate, not the last trial point
  }

  std::string stop_reason() const override { return reason_; }

  bool resumes_exactly() const override { return false; }

 private:
  struct Context {
    const OuterEvaluation* evaluate;
    bool stop;        // a stopping rule of the run fired
    double f;         // the latest evaluation, returned again once stopped
    Vec g;
  };

  static PetscErrorCode objective_and_gradient(Tao, Vec x, PetscReal* f, Vec G, void* p) {
    return guard_callback([&] {
      auto* ctx = static_cast<Context*>(p);
      // After a rule fired TAO may still finish its line search: no more work is done.
      if (!ctx->stop) ctx->stop = (*ctx->evaluate)(x, &ctx->f, &ctx->g);
      *f = ctx->f;
      HP_CALL(VecCopy(ctx->g, G));
    });
  }

  static PetscErrorCode converged(Tao tao, void* p) {
    return guard_callback([&] {
      auto* ctx = static_cast<Context*>(p);
      HP_CALL(TaoDefaultConvergenceTest(tao, nullptr));
      if (ctx->stop) HP_CALL(TaoSetConvergedReason(tao, TAO_CONVERGED_USER));
    });
  }

  Vector lower_, upper_;
  std::string reason_;
};

}  // namespace

std::unique_ptr<OuterOptimizer> make_tao_optimizer(const OuterSettings&, Vec like, double lower, double upper) {
  return std::make_unique<TaoOuter>(like, lower, upper);
}

}  // namespace hp
