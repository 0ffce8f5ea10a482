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

// y[i,:] = Σ_p a_p x[ja_p,:]  (add = false)   or   y[i,:] += ...  (add = true)
void csr_times_block(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y, bool add);

// y[ja_p,:] += a_p x[i,:] for every row i (y must be initialised by the caller).
void csr_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y);

}  // namespace hp
