#include "hyperpetsc/problems/features_data_operator.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

namespace {

CsrView view_of(Mat A) {
  CsrView v;
  PetscBool done = PETSC_FALSE;
  HP_CALL(MatGetRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &v.rows, &v.ia, &v.ja, &done));
  if (!done) throw PetscFailure(PETSC_ERR_SUP, "MatGetRowIJ", __FILE__, __LINE__);
  HP_CALL(MatSeqAIJGetArrayRead(A, &v.a));
  return v;
}

void release(Mat A, CsrView& v) {
  if (!A || !v.ia) return;
  PetscBool done = PETSC_FALSE;
  (void)MatSeqAIJRestoreArrayRead(A, &v.a);
  (void)MatRestoreRowIJ(A, 0, PETSC_FALSE, PETSC_FALSE, &v.rows, &v.ia, &v.ja, &done);
}

}  // namespace

FeaturesDataOperator::FeaturesDataOperator(Mat X, PetscInt c) : c_(c) {
  HP_CALL(MatGetSize(X, &n_, &d_));
  HP_CALL(PetscObjectGetComm(reinterpret_cast<PetscObject>(X), &comm_));
  int size = 1;
  MPI_Comm_size(comm_, &size);
  parallel_ = size > 1;
  HP_CALL(MatTranspose(X, MAT_INITIAL_MATRIX, xt_.out()));
  HP_CALL(MatGetLocalSize(xt_, &local_features_, &local_examples_));
  const PetscInt* colmap = nullptr;
  HP_CALL(MatMPIAIJGetSeqAIJ(xt_, &diag_, &offd_, &colmap));
  diag_csr_ = view_of(diag_);
  offd_csr_ = view_of(offd_);
  HP_CALL(MatGetSize(offd_, nullptr, &ghosts_));
  HP_CALL(VecCreateSeq(PETSC_COMM_SELF, ghosts_ * c_, ghost_buffer_.out()));
  HP_CALL(VecDuplicate(ghost_buffer_, ghost_scores_.out()));
  IS is = nullptr;
  HP_CALL(ISCreateBlock(PETSC_COMM_SELF, c_, ghosts_, colmap, PETSC_COPY_VALUES, &is));
  Vector z = create_scores();
  const PetscErrorCode err = VecScatterCreate(z, is, ghost_buffer_, nullptr, ghost_scatter_.out());
  ISDestroy(&is);
  HP_CALL(err);
}

FeaturesDataOperator::~FeaturesDataOperator() {
  release(diag_, diag_csr_);
  release(offd_, offd_csr_);
}

void FeaturesDataOperator::scores(Vec w, Vec z) const {
  LogScope scope(log_events().scores);
  scores_of(nullptr, 0.0, w, z);
}

bool FeaturesDataOperator::update_and_scores(Vec u, double beta, Vec x, Vec z) const {
  LogScope scope(log_events().scores);
  scores_of(u, beta, x, z);
  return true;
}

void FeaturesDataOperator::scores_of(Vec u, double beta, Vec w, Vec z) const {
  // z = (Xᵀ)ᵀ W: owned examples from the diagonal block, ghost examples' partial sums
  // from the off-diagonal block, added into their owners. With u: W = u + beta·W first,
  // row by row in the diagonal block's pass (the ghost pass then reads the updated rows).
  PetscScalar* pw = nullptr;
  PetscScalar* pz = nullptr;
  const PetscScalar* pu = nullptr;
  if (u) {
    HP_CALL(VecGetArray(w, &pw));
    HP_CALL(VecGetArrayRead(u, &pu));
  } else {
    HP_CALL(VecGetArrayRead(w, const_cast<const PetscScalar**>(&pw)));
  }
  HP_CALL(VecSet(z, 0.0));
  HP_CALL(VecGetArray(z, &pz));
  if (u)
    csr_update_transpose_times_block_add(diag_csr_, c_, pu, beta, pw, pz);
  else
    csr_transpose_times_block_add(diag_csr_, c_, pw, pz);
  HP_CALL(VecRestoreArray(z, &pz));
  if (parallel_) {
    PetscScalar* pg = nullptr;
    HP_CALL(VecSet(ghost_buffer_, 0.0));
    HP_CALL(VecGetArray(ghost_buffer_, &pg));
    csr_transpose_times_block_add(offd_csr_, c_, pw, pg);
    HP_CALL(VecRestoreArray(ghost_buffer_, &pg));
  }
  if (u) {
    HP_CALL(VecRestoreArrayRead(u, &pu));
    HP_CALL(VecRestoreArray(w, &pw));
  } else {
    HP_CALL(VecRestoreArrayRead(w, const_cast<const PetscScalar**>(&pw)));
  }
  if (parallel_) {  // reduce the partial scores into their owners
    HP_CALL(VecScatterBegin(ghost_scatter_, ghost_buffer_, z, ADD_VALUES, SCATTER_REVERSE));
    HP_CALL(VecScatterEnd(ghost_scatter_, ghost_buffer_, z, ADD_VALUES, SCATTER_REVERSE));
  }
}

void FeaturesDataOperator::back(Vec r, Vec out) const {
  back_combined(r, nullptr, nullptr, 1.0, out);
}

bool FeaturesDataOperator::back_combined(Vec r, Vec w, const double* row_scale, double beta,
                                         Vec out, double* dot) const {
  LogScope scope(log_events().back);
  Epilogue first, ghosts;
  ghosts.mode = Epilogue::add;
  ghosts.beta = beta;
  const PetscScalar* pw = nullptr;
  if (w) {
    HP_CALL(VecGetArrayRead(w, &pw));
    first.mode = Epilogue::combine;
    first.beta = beta;
    first.row_scale = row_scale;
    first.w = pw;
  }
  if (dot) {  // in the pass that finishes each row: the ghosts' when there are any
    if (!w) throw PetscFailure(PETSC_ERR_ARG_WRONG, "back_combined: dot needs w", __FILE__, __LINE__);
    dot_lanes_.assign(static_cast<size_t>(c_), 0.0);
    Epilogue& last = parallel_ ? ghosts : first;
    last.dot_acc = dot_lanes_.data();
    last.dot_with = pw;
  }
  if (parallel_) HP_CALL(VecScatterBegin(ghost_scatter_, r, ghost_buffer_, INSERT_VALUES, SCATTER_FORWARD));
  const PetscScalar* pr = nullptr;
  PetscScalar* po = nullptr;
  HP_CALL(VecGetArrayRead(r, &pr));
  HP_CALL(VecGetArray(out, &po));
  csr_times_block(diag_csr_, c_, pr, po, first);  // overlaps the ghost exchange
  HP_CALL(VecRestoreArrayRead(r, &pr));
  if (parallel_) {
    HP_CALL(VecScatterEnd(ghost_scatter_, r, ghost_buffer_, INSERT_VALUES, SCATTER_FORWARD));
    const PetscScalar* pg = nullptr;
    HP_CALL(VecGetArrayRead(ghost_buffer_, &pg));
    csr_times_block(offd_csr_, c_, pg, po, ghosts);
    HP_CALL(VecRestoreArrayRead(ghost_buffer_, &pg));
  }
  HP_CALL(VecRestoreArray(out, &po));
  if (w) HP_CALL(VecRestoreArrayRead(w, &pw));
  if (dot) {
    *dot = 0;
    for (double lane : dot_lanes_) *dot += lane;
  }
  return true;
}

bool FeaturesDataOperator::step_and_scores(Vec r, Vec w, const double* row_scale, double beta,
                                           Vec out, Vec z_out) const {
  LogScope scope(log_events().fused_step);
  if (parallel_) {
    HP_CALL(VecScatterBegin(ghost_scatter_, r, ghost_buffer_, INSERT_VALUES, SCATTER_FORWARD));
    HP_CALL(VecScatterEnd(ghost_scatter_, r, ghost_buffer_, INSERT_VALUES, SCATTER_FORWARD));
  }
  FusedStep f;
  f.diag = diag_csr_;
  f.offd = offd_csr_;
  f.row_scale = row_scale;
  f.beta = beta;
  HP_CALL(VecSet(z_out, 0.0));
  HP_CALL(VecSet(ghost_scores_, 0.0));
  HP_CALL(VecGetArrayRead(r, &f.r_local));
  HP_CALL(VecGetArrayRead(ghost_buffer_, &f.r_ghost));
  HP_CALL(VecGetArrayRead(w, &f.w));
  HP_CALL(VecGetArray(out, &f.out));
  HP_CALL(VecGetArray(z_out, &f.z_local));
  HP_CALL(VecGetArray(ghost_scores_, &f.z_ghost));
  csr_fused_step(f, c_);
  HP_CALL(VecRestoreArray(ghost_scores_, &f.z_ghost));
  HP_CALL(VecRestoreArray(z_out, &f.z_local));
  HP_CALL(VecRestoreArray(out, &f.out));
  HP_CALL(VecRestoreArrayRead(w, &f.w));
  HP_CALL(VecRestoreArrayRead(ghost_buffer_, &f.r_ghost));
  HP_CALL(VecRestoreArrayRead(r, &f.r_local));
  if (parallel_) {
    HP_CALL(VecScatterBegin(ghost_scatter_, ghost_scores_, z_out, ADD_VALUES, SCATTER_REVERSE));
    HP_CALL(VecScatterEnd(ghost_scatter_, ghost_scores_, z_out, ADD_VALUES, SCATTER_REVERSE));
  }
  return true;
}

Vector FeaturesDataOperator::create_weights() const {
  return create_blocked_vector(comm_, local_features_, d_, c_);
}

Vector FeaturesDataOperator::create_scores() const {
  return create_blocked_vector(comm_, local_examples_, n_, c_);
}

}  // namespace hp
