// KSP "cgfused" (see fused_cg.hpp): the CG recurrence of PETSc's KSPCG, unchanged, with
// its vector work fused into fewer passes.
#include "hyperpetsc/methods/fused_cg.hpp"

#include <petsc/private/kspimpl.h>  // a KSP implementation fills KSP's private fields

#include <cmath>

#include "hyperpetsc/petsc/error.hpp"  // PETSC_SUCCESS on PETSc 3.18
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

namespace {

// x += α p, r −= α q; returns this rank's ‖r‖² (eight lanes: vectorisable, no serial
// dependency through one sum).
PetscErrorCode update_solution_and_residual(Vec x, Vec p, Vec r, Vec q, PetscScalar alpha, PetscReal* rr_local) {
  PetscInt n = 0;
  PetscScalar *px = nullptr, *pr = nullptr;
  const PetscScalar *pp = nullptr, *pq = nullptr;
  PetscFunctionBeginUser;
  LogScope scope(log_events().cg_update);
  PetscCall(VecGetLocalSize(x, &n));
  PetscCall(VecGetArray(x, &px));
  PetscCall(VecGetArray(r, &pr));
  PetscCall(VecGetArrayRead(p, &pp));
  PetscCall(VecGetArrayRead(q, &pq));
  constexpr PetscInt kLanes = 8;
  double lane[kLanes] = {};
  PetscInt i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (PetscInt k = 0; k < kLanes; ++k) {
      px[i + k] += alpha * pp[i + k];
      const double ri = pr[i + k] - alpha * pq[i + k];
      pr[i + k] = ri;
      lane[k] += ri * ri;
    }
  for (; i < n; ++i) {
    px[i] += alpha * pp[i];
    pr[i] -= alpha * pq[i];
    lane[0] += pr[i] * pr[i];
  }
  double sum = 0;
  for (double l : lane) sum += l;
  *rr_local = sum;
  PetscCall(VecRestoreArrayRead(q, &pq));
  PetscCall(VecRestoreArrayRead(p, &pp));
  PetscCall(VecRestoreArray(r, &pr));
  PetscCall(VecRestoreArray(x, &px));
  PetscCall(PetscLogFlops(6.0 * n));
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode sum_over_ranks(KSP ksp, PetscReal* value) {
  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, value, 1, MPIU_REAL, MPIU_SUM, PetscObjectComm(reinterpret_cast<PetscObject>(ksp))));
  PetscFunctionReturn(PETSC_SUCCESS);
}

// z = B r and r·z (with B = I, z is r and r·z is the ‖r‖² the caller has).
PetscErrorCode preconditioned_residual(KSP ksp, PetscBool no_pc, Vec r, Vec z, PetscReal rr, PetscReal* rz) {
  PetscFunctionBeginUser;
  if (no_pc) {
    *rz = rr;
  } else {
    PetscCall(KSP_PCApply(ksp, r, z));
    PetscScalar dot = 0;
    PetscCall(VecDot(r, z, &dot));
    *rz = PetscRealPart(dot);
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// The norm the convergence test sees, from what the iteration already has.
PetscErrorCode residual_norm(KSP ksp, PetscReal rr, PetscReal rz, Vec z, PetscReal* rnorm) {
  PetscFunctionBeginUser;
  switch (ksp->normtype) {
    case KSP_NORM_UNPRECONDITIONED: *rnorm = std::sqrt(rr); break;
    case KSP_NORM_NATURAL: *rnorm = std::sqrt(std::fabs(rz)); break;
    case KSP_NORM_PRECONDITIONED: PetscCall(VecNorm(z, NORM_2, rnorm)); break;
    default: *rnorm = 0.0; break;
  }
  PetscFunctionReturn(PETSC_SUCCESS);
}

// Records, reports and tests iteration `its`; true when the solve should stop.
PetscErrorCode check_iteration(KSP ksp, PetscInt its, PetscReal rnorm, PetscBool* stop) {
  PetscFunctionBeginUser;
  KSPCheckNorm(ksp, rnorm);
  ksp->rnorm = rnorm;
  PetscCall(KSPLogResidualHistory(ksp, rnorm));
  PetscCall(KSPMonitor(ksp, its, rnorm));
  PetscCall((*ksp->converged)(ksp, its, rnorm, &ksp->reason, ksp->cnvP));
  *stop = ksp->reason ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode setup(KSP ksp) {
  PetscFunctionBeginUser;
  PetscCall(KSPSetWorkVecs(ksp, 4));  // r, z, p, q
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode solve(KSP ksp) {
  Mat A = nullptr, P = nullptr;
  PetscFunctionBeginUser;
  PetscBool scaled = PETSC_FALSE;
  PetscCall(PCGetDiagonalScale(ksp->pc, &scaled));
  PetscCheck(!scaled, PetscObjectComm(reinterpret_cast<PetscObject>(ksp)), PETSC_ERR_SUP,
             "KSP cgfused does not support diagonal scaling");
  PetscCall(PCGetOperators(ksp->pc, &A, &P));
  Vec x = ksp->vec_sol, b = ksp->vec_rhs;
  Vec r = ksp->work[0], z = ksp->work[1], p = ksp->work[2], q = ksp->work[3];
  PetscBool no_pc = PETSC_FALSE;
  PetscCall(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(ksp->pc), PCNONE, &no_pc));
  if (no_pc) z = r;  // B = I: z is r itself, no copy
  FusedCGProduct product = nullptr;
  if (!ksp->transpose_solve)
    PetscCall(PetscObjectQueryFunction(reinterpret_cast<PetscObject>(A), kFusedCGProduct, &product));
  const bool want_rr = no_pc || ksp->normtype == KSP_NORM_UNPRECONDITIONED;

  ksp->its = 0;
  if (!ksp->guess_zero) {
    PetscCall(KSP_MatMult(ksp, A, x, r));
    PetscCall(VecAYPX(r, -1.0, b));  // r = b − A x
  } else {
    PetscCall(VecCopy(b, r));
  }
  PetscReal rr = 0, rz = 0;
  if (want_rr) {
    PetscCall(VecNorm(r, NORM_2, &rr));
    rr *= rr;
  }
  PetscCall(preconditioned_residual(ksp, no_pc, r, z, rr, &rz));
  PetscReal rnorm = 0;
  PetscCall(residual_norm(ksp, rr, rz, z, &rnorm));
  PetscBool stop = PETSC_FALSE;
  PetscCall(check_iteration(ksp, 0, rnorm, &stop));
  if (stop) PetscFunctionReturn(PETSC_SUCCESS);

  // KSPCG's tests, in its order: r·z = 0 converged, a sign change of r·z (B indefinite) or
  // of ⟨p, Ap⟩ (A indefinite) diverged; A and B may both be negative definite.
  PetscReal rz_old = 0, pq_old = 0;
  for (PetscInt i = 0; i < ksp->max_it; ++i) {
    ksp->its = i + 1;
    KSPCheckDot(ksp, rz);
    if (rz == 0.0) {
      ksp->reason = KSP_CONVERGED_ATOL;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    if (i > 0 && rz * rz_old < 0.0) {
      ksp->reason = KSP_DIVERGED_INDEFINITE_PC;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    const PetscReal beta = i == 0 ? 0.0 : rz / rz_old;
    rz_old = rz;
    PetscReal pq = 0;
    if (product) {  // p = z + β p, q = A p, ⟨p, q⟩ in the product's passes
      PetscScalar local = 0;
      PetscCall((*product)(A, beta, z, p, q, &local));
      pq = PetscRealPart(local);
      PetscCall(sum_over_ranks(ksp, &pq));
    } else {
      if (i == 0)
        PetscCall(VecCopy(z, p));
      else
        PetscCall(VecAYPX(p, beta, z));
      PetscCall(KSP_MatMult(ksp, A, p, q));
      PetscScalar dot = 0;
      PetscCall(VecDot(p, q, &dot));
      pq = PetscRealPart(dot);
    }
    KSPCheckDot(ksp, pq);
    if (pq == 0.0 || (i > 0 && pq * pq_old <= 0.0)) {
      ksp->reason = KSP_DIVERGED_INDEFINITE_MAT;
      PetscFunctionReturn(PETSC_SUCCESS);
    }
    pq_old = pq;
    const PetscReal alpha = rz / pq;
    PetscCall(update_solution_and_residual(x, p, r, q, alpha, &rr));
    if (want_rr) PetscCall(sum_over_ranks(ksp, &rr));  // the pass's share; the sum only when used
    PetscCall(preconditioned_residual(ksp, no_pc, r, z, rr, &rz));
    PetscCall(residual_norm(ksp, rr, rz, z, &rnorm));
    PetscCall(check_iteration(ksp, i + 1, rnorm, &stop));
    if (stop) PetscFunctionReturn(PETSC_SUCCESS);
  }
  ksp->reason = KSP_DIVERGED_ITS;
  PetscFunctionReturn(PETSC_SUCCESS);
}

PetscErrorCode create(KSP ksp) {
  PetscFunctionBeginUser;
  // Unpreconditioned ‖r‖ first: it costs nothing here (the update pass computes it).
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_UNPRECONDITIONED, PC_LEFT, 3));
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_PRECONDITIONED, PC_LEFT, 2));
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_NATURAL, PC_LEFT, 2));
  PetscCall(KSPSetSupportedNorm(ksp, KSP_NORM_NONE, PC_LEFT, 1));
  ksp->data = nullptr;
  ksp->ops->setup = setup;
  ksp->ops->solve = solve;
  ksp->ops->destroy = KSPDestroyDefault;
  ksp->ops->buildsolution = KSPBuildSolutionDefault;
  ksp->ops->buildresidual = KSPBuildResidualDefault;
  PetscFunctionReturn(PETSC_SUCCESS);
}

}  // namespace

void register_fused_cg() {
  static bool done = false;
  if (done) return;
  if (KSPRegister(kFusedCG, create) == 0) done = true;
}

}  // namespace hp
