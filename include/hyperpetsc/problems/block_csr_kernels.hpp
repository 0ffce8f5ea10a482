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
struct Epilogue {
  enum Mode { overwrite, add, combine } mode = overwrite;
  double beta = 1.0;
  const double* row_scale = nullptr;
  const PetscScalar* w = nullptr;
};

void csr_times_block(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y,
                     const Epilogue& e);

// y[ja_p,:] += a_p x[i,:] for every row i (y must be initialised by the caller).
void csr_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y);

}  // namespace hp
