#include "hyperpetsc/problems/squared_entries.hpp"

#include <stdexcept>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

void square_seqaij(Mat A) {
  MatInfo info;
  HP_CALL(MatGetInfo(A, MAT_LOCAL, &info));
  const auto nz = static_cast<PetscInt>(info.nz_used);  // assembled: the stored entries
  PetscScalar* a = nullptr;
  HP_CALL(MatSeqAIJGetArray(A, &a));
  for (PetscInt e = 0; e < nz; ++e) a[e] *= a[e];
  HP_CALL(MatSeqAIJRestoreArray(A, &a));  // increases the state: no stale cached norms
}

void square_dense(Mat X) {
  Mat local = nullptr;  // this rank's rows, all columns, column-major with leading dim lda
  HP_CALL(MatDenseGetLocalMatrix(X, &local));
  PetscInt m = 0, n = 0, lda = 0;
  HP_CALL(MatGetSize(local, &m, &n));
  HP_CALL(MatDenseGetLDA(local, &lda));
  PetscScalar* a = nullptr;
  HP_CALL(MatDenseGetArray(local, &a));
  for (PetscInt j = 0; j < n; ++j)
    for (PetscInt i = 0; i < m; ++i) a[j * lda + i] *= a[j * lda + i];
  HP_CALL(MatDenseRestoreArray(local, &a));
}

}  // namespace

Matrix squared_entries(Mat X) {
  Matrix Y;
  HP_CALL(MatDuplicate(X, MAT_COPY_VALUES, Y.out()));
  PetscBool mpiaij = PETSC_FALSE, seqaij = PETSC_FALSE, dense = PETSC_FALSE;
  HP_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(Y.get()), MATMPIAIJ, &mpiaij));
  HP_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(Y.get()), MATSEQAIJ, &seqaij));
  HP_CALL(PetscObjectTypeCompareAny(reinterpret_cast<PetscObject>(Y.get()), &dense, MATMPIDENSE, MATSEQDENSE, ""));
  if (mpiaij) {
    Mat diag = nullptr, offd = nullptr;
    const PetscInt* colmap = nullptr;
    HP_CALL(MatMPIAIJGetSeqAIJ(Y, &diag, &offd, &colmap));
    square_seqaij(diag);
    square_seqaij(offd);
  } else if (seqaij) {
    square_seqaij(Y);
  } else if (dense) {
    square_dense(Y);
  } else {
    MatType type = nullptr;
    HP_CALL(MatGetType(Y, &type));
    throw std::logic_error(std::string("squared_entries: unsupported matrix type ") + type);
  }
  return Y;
}

}  // namespace hp
