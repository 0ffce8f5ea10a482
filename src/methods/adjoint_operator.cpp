// MATSHELL wrappers: the AID operator I − ∂_wΦᵀ and the Newton operator I − ∂_wΦ.
#include <petscmat.h>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/methods/fused_cg.hpp"
#include "hyperpetsc/petsc/callback_guard.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

struct ShellContext {
  BilevelProblem* problem;
  bool transpose;  // true: I − ∂_wΦᵀ
};

void apply(const ShellContext& ctx, bool flip, Vec x, Vec y) {
  if (ctx.transpose != flip) {
    ctx.problem->adjoint_apply(x, y);  // x − ∂_wΦᵀ x, folded into one product where it can
    return;
  }
  ctx.problem->map_jvp_inner(x, y);
  HP_CALL(VecAYPX(y, -1.0, x));  // y = x − ∂_wΦ x
}

void apply(Mat A, bool flip, Vec x, Vec y) {
  ShellContext* ctx = nullptr;
  HP_CALL(MatShellGetContext(A, &ctx));
  apply(*ctx, flip, x, y);
}

PetscErrorCode shell_mult(Mat A, Vec x, Vec y) {
  return guard_callback([&] { apply(A, false, x, y); });
}

PetscErrorCode shell_mult_transpose(Mat A, Vec x, Vec y) {
  return guard_callback([&] { apply(A, true, x, y); });
}

// KSP cgfused's product (fused_cg.hpp): the problem fuses p's update and ⟨p, Ap⟩.
PetscErrorCode cg_product(Mat A, PetscScalar beta, Vec z, Vec p, Vec q, PetscScalar* pq) {
  return guard_callback([&] {
    ShellContext* ctx = nullptr;
    HP_CALL(MatShellGetContext(A, &ctx));
    *pq = ctx->problem->adjoint_cg_product(z, beta, p, q);
  });
}

// diag(I − ∂_wΦᵀ) = diag(I − ∂_wΦ), from the problem (for -adjoint_pc_type jacobi).
PetscErrorCode shell_get_diagonal(Mat A, Vec d) {
  return guard_callback([&] {
    ShellContext* ctx = nullptr;
    HP_CALL(MatShellGetContext(A, &ctx));
    ctx->problem->adjoint_diagonal(d);
  });
}

// PETSc's fallback conversion of a shell (hypre, svd, ...) assembles it column by column:
// one product per unknown and the whole dim(w) x dim(w) matrix. Refused, as a bad option.
PetscErrorCode shell_refuse_convert(Mat A, MatType type, MatReuse, Mat*) {
  SETERRQ(PetscObjectComm(reinterpret_cast<PetscObject>(A)), PETSC_ERR_SUP,
          "the operator I − ∂_wΦᵀ is matrix-free: converting it to %s would take one product per "
          "unknown and store the whole matrix; use pc_type jacobi or none",
          type);
}

// Cleanup runs from destructors and throws nothing: plain PETSc error codes.
PetscErrorCode shell_destroy(Mat A) {
  ShellContext* ctx = nullptr;
  PetscCall(MatShellGetContext(A, &ctx));
  delete ctx;
  return PETSC_SUCCESS;
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
  HP_CALL(MatShellSetOperation(A, MATOP_CONVERT, reinterpret_cast<void (*)(void)>(shell_refuse_convert)));
  // Without it describe_adjoint_preconditioner refuses jacobi (PETSc would notice in the solve).
  if (problem.has_adjoint_diagonal())
    HP_CALL(MatShellSetOperation(A, MATOP_GET_DIAGONAL, reinterpret_cast<void (*)(void)>(shell_get_diagonal)));
  if (problem.jacobian_symmetric()) HP_CALL(MatSetOption(A, MAT_SYMMETRIC, PETSC_TRUE));
  if (transpose)
    HP_CALL(PetscObjectComposeFunction(reinterpret_cast<PetscObject>(A), kFusedCGProduct,
                                       static_cast<FusedCGProduct>(cg_product)));
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
