// Sparse × (row-major dense with c columns) kernels on raw CSR arrays. PETSc's MAIJ
// kernel for a run-time block size keeps its c accumulators in memory; these keep them in
// registers (c is a template parameter for c ≤ 32), which is what makes X·W fast for
// multinomial models.
#pragma once
#include <petscsys.h>

namespace hp {

struct CsrView {
  PetscInt rows = 0;
  const PetscInt* ia = nullptr;  // rows + 1
  const PetscInt* ja = nullptr;
  const PetscScalar* a = nullptr;
};

// What to do with row i's product s_i = Σ_p a_p x[ja_p,:]:
//   overwrite: y[i,:] = s_i
//   add:       y[i,:] += beta·s_i
//   combine:   y[i,:] = row_scale[i]·w[i,:] + beta·s_i   (fuses a gradient step's update
//              into the product, saving a full pass over the d×c vectors)
// With dot_acc (c doubles, caller-zeroed): also dot_acc[k] += y[i,k]·dot_with[i,k] after
// the row is final, so a Krylov method's ⟨p, A p⟩ costs no extra pass (the caller sums the
// c lanes; per-lane accumulation keeps the loop free of a serial dependency).
struct Epilogue {
  enum Mode { overwrite, add, combine } mode = overwrite;
  double beta = 1.0;
  const double* row_scale = nullptr;
  const PetscScalar* w = nullptr;
  double* dot_acc = nullptr;
  const PetscScalar* dot_with = nullptr;
};

void csr_times_block(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y,
                     const Epilogue& e);

// One pass of a gradient step over the rows of Xᵀ (diagonal block D, off-diagonal block
// O with ghost columns): for every row i
//   out[i,:] = row_scale[i]·w[i,:] + beta·(Σ_D a r_local[j,:] + Σ_O a r_ghost[j,:])
//   z_local[j,:] += a·out[i,:] over D,  z_ghost[j,:] += a·out[i,:] over O,
// i.e. the update and the next step's X·W read Xᵀ and W once instead of twice.
struct FusedStep {
  CsrView diag, offd;
  const PetscScalar* r_local = nullptr;
  const PetscScalar* r_ghost = nullptr;
  const PetscScalar* w = nullptr;
  const double* row_scale = nullptr;
  double beta = 1.0;
  PetscScalar* out = nullptr;
  PetscScalar* z_local = nullptr;  // accumulated into (caller zeroes)
  PetscScalar* z_ghost = nullptr;  // accumulated into (caller zeroes)
};
void csr_fused_step(const FusedStep& f, PetscInt c);

// y[ja_p,:] += a_p x[i,:] for every row i (y must be initialised by the caller).
void csr_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y);

// The same product of an updated x: first x[i,:] = u[i,:] + beta·x[i,:] (x[i,:] = u[i,:]
// when beta = 0, whatever x held), stored, then y[ja_p,:] += a_p x[i,:]: a Krylov
// direction update (p = z + β p) and the product with it in one pass.
void csr_update_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* u, double beta,
                                          PetscScalar* x, PetscScalar* y);

}  // namespace hp
