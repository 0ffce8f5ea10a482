#include "hyperpetsc/problems/dense_block_products.hpp"

#include <petscblaslapack.h>

#include <algorithm>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {
PetscBLASInt blas_int(PetscInt v) {
  PetscBLASInt b = 0;
  HP_CALL(PetscBLASIntCast(v, &b));
  return b;
}
}  // namespace

// A row-major m × c array is the column-major c × m array of its transpose, so
//   zᵀ (c × rows) = wᵀ (c × cols) · Aᵀ      and      gᵀ (c × cols) = rᵀ (c × rows) · A.
void dense_times_block(const DenseBlock& A, PetscInt c, const PetscScalar* w, PetscScalar* z) {
  if (A.rows == 0) return;
  if (A.cols == 0) {
    std::fill(z, z + A.rows * c, 0.0);
    return;
  }
  const PetscBLASInt m = blas_int(c), n = blas_int(A.rows), k = blas_int(A.cols), lda = blas_int(A.lda);
  const PetscScalar one = 1.0, zero = 0.0;
  BLASgemm_("N", "T", &m, &n, &k, &one, w, &m, A.a, &lda, &zero, z, &m);
}

void dense_transpose_times_block(const DenseBlock& A, PetscInt c, const PetscScalar* r, PetscScalar* g) {
  if (A.cols == 0) return;
  if (A.rows == 0) {
    std::fill(g, g + A.cols * c, 0.0);
    return;
  }
  const PetscBLASInt m = blas_int(c), n = blas_int(A.cols), k = blas_int(A.rows), lda = blas_int(A.lda);
  const PetscScalar one = 1.0, zero = 0.0;
  BLASgemm_("N", "N", &m, &n, &k, &one, r, &m, A.a, &lda, &zero, g, &m);
}

}  // namespace hp
