// MATSHELL wrappers: the AID operator I − ∂_wΦᵀ and the Newton operator I − ∂_wΦ.
#include <petscmat.h>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

struct ShellContext {
  BilevelProblem* problem;
  bool transpose;  // true: I − ∂_wΦᵀ
};

// PETSc callbacks must not throw: translate exceptions into a PETSc error code.
template <typename F>
PetscErrorCode guarded(F&& f) {
  try {
    f();
  } catch (const PetscFailure& e) {
    return e.code();
  } catch (...) {
    return PETSC_ERR_LIB;
  }
  return 0;
}

void apply(const ShellContext& ctx, bool flip, Vec x, Vec y) {
  const bool use_vjp = ctx.transpose != flip;
  if (use_vjp)
    ctx.problem->map_vjp_inner(x, y);
  else
    ctx.problem->map_jvp_inner(x, y);
  HP_CALL(VecAYPX(y, -1.0, x));  // y = x − J x
}

PetscErrorCode shell_mult(Mat A, Vec x, Vec y) {
  ShellContext* ctx = nullptr;
  PetscCall(MatShellGetContext(A, &ctx));
  return guarded([&] { apply(*ctx, false, x, y); });
}

PetscErrorCode shell_mult_transpose(Mat A, Vec x, Vec y) {
  ShellContext* ctx = nullptr;
  PetscCall(MatShellGetContext(A, &ctx));
  return guarded([&] { apply(*ctx, true, x, y); });
}

PetscErrorCode shell_destroy(Mat A) {
  ShellContext* ctx = nullptr;
  PetscCall(MatShellGetContext(A, &ctx));
  delete ctx;
  return 0;
}

Mat create_operator(BilevelProblem& problem, Vec layout, bool transpose) {
  PetscInt n = 0, N = 0;
  HP_CALL(VecGetLocalSize(layout, &n));
  HP_CALL(VecGetSize(layout, &N));
  auto* ctx = new ShellContext{&problem, transpose};
  Mat A = nullptr;
  HP_CALL(MatCreateShell(problem.comm(), n, n, N, N, ctx, &A));
  HP_CALL(MatShellSetOperation(A, MATOP_MULT, reinterpret_cast<void (*)(void)>(shell_mult)));
  HP_CALL(MatShellSetOperation(A, MATOP_MULT_TRANSPOSE,
                               reinterpret_cast<void (*)(void)>(shell_mult_transpose)));
  HP_CALL(MatShellSetOperation(A, MATOP_DESTROY, reinterpret_cast<void (*)(void)>(shell_destroy)));
  if (problem.jacobian_symmetric()) HP_CALL(MatSetOption(A, MAT_SYMMETRIC, PETSC_TRUE));
  return A;
}

}  // namespace

Mat create_adjoint_operator(BilevelProblem& problem, Vec layout) {
  return create_operator(problem, layout, true);
}

Mat create_forward_operator(BilevelProblem& problem, Vec layout) {
  return create_operator(problem, layout, false);
}

}  // namespace hp
