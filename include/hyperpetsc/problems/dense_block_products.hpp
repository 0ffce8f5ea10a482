// Products of a rank's dense block of X (column-major, as PETSc's MATDENSE stores it) with
// row-major blocks of c columns (W: d × c, scores and residuals: rows × c), as one BLAS
// gemm each. Used by DataOperator's "dense" layout.
#pragma once
#include <petscsys.h>

namespace hp {

struct DenseBlock {
  const PetscScalar* a = nullptr;  // rows × cols, column-major
  PetscInt rows = 0, cols = 0, lda = 0;
};

// z (rows × c, row-major) = A · w (cols × c, row-major).
void dense_times_block(const DenseBlock& A, PetscInt c, const PetscScalar* w, PetscScalar* z);
// g (cols × c, row-major) = Aᵀ · r (rows × c, row-major).
void dense_transpose_times_block(const DenseBlock& A, PetscInt c, const PetscScalar* r, PetscScalar* g);

}  // namespace hp
