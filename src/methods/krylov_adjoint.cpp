// aid_cg, aid_gmres, aid_cgne, aid_<type>: a PETSc KSP on the shell operator I − ∂_wΦᵀ.
#include <petscksp.h>

#include <cfloat>
#include <cmath>
#include <sstream>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/methods/fused_cg.hpp"
#include "hyperpetsc/petsc/callback_guard.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_options.hpp"

namespace hp {

namespace {

// With tol = 0 the solve must run k iterations, but a residual that has reached zero (to
// rounding) must stop it before the Krylov recurrences divide by zero.
struct ConvergenceContext {
  void* default_ctx = nullptr;
  double floor = 0.0;  // 10ε·‖b‖: the residual is zero to rounding
};

PetscErrorCode converged(KSP ksp, PetscInt it, PetscReal rnorm, KSPConvergedReason* reason, void* p) {
  return guard_callback([&] {
    auto* ctx = static_cast<ConvergenceContext*>(p);
    HP_CALL(KSPConvergedDefault(ksp, it, rnorm, reason, ctx->default_ctx));
    if (*reason == KSP_CONVERGED_ITERATING && rnorm <= ctx->floor) *reason = KSP_CONVERGED_ATOL;
  });
}

// Cleanup runs from destructors and throws nothing: plain PETSc error codes.
PetscErrorCode destroy_context(void* p) {
  auto* ctx = static_cast<ConvergenceContext*>(p);
  PetscCall(KSPConvergedDefaultDestroy(ctx->default_ctx));
  delete ctx;
  return PETSC_SUCCESS;
}

std::string advice(KSPConvergedReason r, const std::string& method) {
  switch (r) {
    case KSP_DIVERGED_INDEFINITE_MAT:
    case KSP_DIVERGED_INDEFINITE_PC:
      return "I − ∂_wΦᵀ is not symmetric positive definite here (CG needs a symmetric "
             "Jacobian and a convex inner problem); try hypergradient.method: aid_gmres";
    case KSP_DIVERGED_NANORINF:
      return "the solve produced NaN or Inf: check that inner.step_size makes the map "
             "contractive (or use auto) and that the data are finite";
    case KSP_DIVERGED_DTOL:
      return "the residual grew by the divergence tolerance; try aid_gmres or a smaller inner.step_size";
    case KSP_DIVERGED_BREAKDOWN:
    case KSP_DIVERGED_BREAKDOWN_BICG:
      return "the Krylov recurrence broke down; try hypergradient.method: aid_gmres";
    default:
      return "try hypergradient.method: aid_gmres" + std::string(method == "aid_gmres" ? " with more iterations" : "");
  }
}

class KrylovAdjoint final : public AdjointSolver {
 public:
  KrylovAdjoint(std::string method, std::string type, std::string prefix)
      : method_(std::move(method)), type_(std::move(type)), prefix_(std::move(prefix)) {}

  AdjointSolve solve(BilevelProblem& problem, Vec b, Vec v, PetscInt max_iterations,
                     double rtol) override {
    AdjointSolve out;
    if (max_iterations == 0) {  // k = 0: v stays v_0
      out.reason = "CONVERGED_ITS";
      return out;
    }
    register_fused_cg();  // before -adjoint_ksp_type is read
    Matrix A(create_adjoint_operator(problem, v));
    Krylov ksp;
    HP_CALL(KSPCreate(problem.comm(), ksp.out()));
    HP_CALL(KSPSetOptionsPrefix(ksp, prefix_.c_str()));
    HP_CALL(KSPSetOperators(ksp, A, A));
    if (!type_.empty()) HP_CALL(KSPSetType(ksp, type_.c_str()));
    PC pc = nullptr;
    HP_CALL(KSPGetPC(ksp, &pc));
    HP_CALL(PCSetType(pc, PCNONE));
    HP_CALL(KSPSetTolerances(ksp, rtol, 0.0, 1e5, max_iterations));
    double bnorm = 0, vnorm = 0;
    HP_CALL(VecNorm(b, NORM_2, &bnorm));
    HP_CALL(VecNorm(v, NORM_2, &vnorm));
    HP_CALL(KSPSetInitialGuessNonzero(ksp, vnorm > 0 ? PETSC_TRUE : PETSC_FALSE));
    auto* ctx = new ConvergenceContext;
    ctx->floor = 10 * DBL_EPSILON * bnorm;
    HP_CALL(KSPConvergedDefaultCreate(&ctx->default_ctx));
    HP_CALL(KSPSetConvergenceTest(ksp, converged, ctx, destroy_context));
    // Options last, so -adjoint_ksp_type etc. win; what they break shows up in the set-up.
    // Each step is agreed on before the next: a monitor file fails on rank 0 alone.
    const std::string options = "PETSc options -" + prefix_ + "* (the adjoint solve of hypergradient.method " + method_ + ")";
    apply_user_options(problem.comm(), options, [&] { HP_CALL(KSPSetFromOptions(ksp)); });
    const std::string setup =
        describe_adjoint_preconditioner(ksp, prefix_, options, problem.has_adjoint_diagonal());
    apply_user_options(problem.comm(), setup, [&] { HP_CALL(KSPSetUp(ksp)); });
    HP_CALL(KSPSolve(ksp, b, v));
    KSPConvergedReason reason;
    HP_CALL(KSPGetConvergedReason(ksp, &reason));
    HP_CALL(KSPGetIterationNumber(ksp, &out.iterations));
    out.reason = KSPConvergedReasons[reason];
    if (reason == KSP_DIVERGED_ITS) {
      if (rtol == 0) out.reason = "CONVERGED_ITS";  // ran the k iterations asked for
    } else if (reason < 0) {
      KSPType used = nullptr;
      HP_CALL(KSPGetType(ksp, &used));
      std::ostringstream os;
      os << "hypergradient.method " << method_ << ": the adjoint solve (KSP " << used << ") failed with "
         << out.reason << " after " << out.iterations << " iterations: " << advice(reason, method_);
      throw UserError(os.str());
    }
    return out;
  }

 private:
  std::string method_, type_, prefix_;
};

}  // namespace

std::unique_ptr<AdjointSolver> make_krylov_adjoint(std::string method, std::string ksp_type,
                                                   std::string prefix) {
  return std::make_unique<KrylovAdjoint>(std::move(method), std::move(ksp_type), std::move(prefix));
}

}  // namespace hp
