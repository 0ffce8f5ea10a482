#include "hyperpetsc/problems/dense_data_operator.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

DenseDataOperator::DenseDataOperator(Mat X, PetscInt c) : c_(c) {
  HP_CALL(MatGetSize(X, &n_, &d_));
  HP_CALL(PetscObjectGetComm(reinterpret_cast<PetscObject>(X), &comm_));
  HP_CALL(PetscObjectReference(reinterpret_cast<PetscObject>(X)));
  *x_.out() = X;
  HP_CALL(MatGetLocalSize(X, &local_examples_, &local_features_));
  int size = 1;
  MPI_Comm_size(comm_, &size);
  if (size > 1) {  // one rank multiplies with W and writes Xᵀ·R in place
    Vector w = create_weights();
    HP_CALL(VecScatterCreateToAll(w, w_to_all_.out(), w_all_.out()));
    HP_CALL(VecDuplicate(w_all_, g_all_.out()));
  }
}

DenseBlock DenseDataOperator::local_block() const {
  Mat local = nullptr;
  HP_CALL(MatDenseGetLocalMatrix(x_, &local));
  DenseBlock b;
  HP_CALL(MatGetSize(local, &b.rows, &b.cols));
  HP_CALL(MatDenseGetLDA(local, &b.lda));
  if (b.lda < 1) b.lda = 1;
  HP_CALL(MatDenseGetArrayRead(local, &b.a));
  return b;
}

void DenseDataOperator::release_block(DenseBlock& b) const {
  Mat local = nullptr;
  HP_CALL(MatDenseGetLocalMatrix(x_, &local));
  HP_CALL(MatDenseRestoreArrayRead(local, &b.a));
}

void DenseDataOperator::scores(Vec w, Vec z) const {
  LogScope scope(log_events().scores);
  Vec whole = w;  // one rank: W is already whole
  if (w_to_all_) {
    HP_CALL(VecScatterBegin(w_to_all_, w, w_all_, INSERT_VALUES, SCATTER_FORWARD));
    HP_CALL(VecScatterEnd(w_to_all_, w, w_all_, INSERT_VALUES, SCATTER_FORWARD));
    whole = w_all_;
  }
  const PetscScalar* pw = nullptr;
  PetscScalar* pz = nullptr;
  HP_CALL(VecGetArrayRead(whole, &pw));
  HP_CALL(VecGetArrayWrite(z, &pz));
  DenseBlock x = local_block();
  dense_times_block(x, c_, pw, pz);
  release_block(x);
  HP_CALL(VecRestoreArrayWrite(z, &pz));
  HP_CALL(VecRestoreArrayRead(whole, &pw));
}

void DenseDataOperator::back(Vec r, Vec out) const {
  LogScope scope(log_events().back);
  Vec partial = w_to_all_ ? g_all_.get() : out;  // one rank: the sum is final
  const PetscScalar* pr = nullptr;
  PetscScalar* pg = nullptr;
  HP_CALL(VecGetArrayRead(r, &pr));
  HP_CALL(VecGetArrayWrite(partial, &pg));
  DenseBlock x = local_block();
  dense_transpose_times_block(x, c_, pr, pg);
  release_block(x);
  HP_CALL(VecRestoreArrayWrite(partial, &pg));
  HP_CALL(VecRestoreArrayRead(r, &pr));
  if (w_to_all_) {  // every rank's partial sums, added into the owners of W's rows
    HP_CALL(VecSet(out, 0.0));
    HP_CALL(VecScatterBegin(w_to_all_, g_all_, out, ADD_VALUES, SCATTER_REVERSE));
    HP_CALL(VecScatterEnd(w_to_all_, g_all_, out, ADD_VALUES, SCATTER_REVERSE));
  }
}

Vector DenseDataOperator::create_weights() const {
  return create_blocked_vector(comm_, local_features_, d_, c_);
}

Vector DenseDataOperator::create_scores() const {
  return create_blocked_vector(comm_, local_examples_, n_, c_);
}

}  // namespace hp
