// KSP type "cgfused": conjugate gradients whose vector work is fused into as few passes
// over the vectors as the recurrence allows, registered with KSPRegister so it stays a
// KSP (-adjoint_ksp_type, monitors, convergence tests, iteration counts as usual). It is
// what aid_cg runs; -adjoint_ksp_type cg gives PETSc's CG on the same operator.
//
// Per iteration, against PETSc's KSPCG (vector passes over w: ~15 for CG's own updates
// with PCNONE, plus the product's):
//   - x += α p, r −= α q and ‖r‖² in one pass (PETSc: two AXPYs, a copy for PCNONE, a dot);
//   - when the operator offers the hook below, p = z + β p rides on the product's first
//     pass over p and ⟨p, A p⟩ on the pass that writes A p (no separate AYPX or dot);
//     otherwise an AYPX, MatMult and one dot, as in KSPCG.
// Two reductions per iteration (⟨p, Ap⟩, then ‖r‖²), as KSPCG. With a preconditioner
// other than none it applies it (z = B r) and takes ⟨r, z⟩ with one more dot.
#pragma once
#include <petscksp.h>

namespace hp {

inline constexpr const char* kFusedCG = "cgfused";

// Registers "cgfused" with PETSc once (after PetscInitialize; later calls do nothing).
void register_fused_cg();

// The operator hook, composed on a Mat under kFusedCGProduct (PetscObjectComposeFunction):
// p = z + beta·p (p = z when beta = 0), q = A p, *pq = this rank's share of ⟨p, q⟩.
using FusedCGProduct = PetscErrorCode (*)(Mat A, PetscScalar beta, Vec z, Vec p, Vec q, PetscScalar* pq);
inline constexpr const char* kFusedCGProduct = "HpFusedCGProduct_C";

}  // namespace hp
