#include "hyperpetsc/problems/data_operator.hpp"

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

DataOperator::DataOperator(Mat X, PetscInt c, const std::string& layout) : c_(c) {
  HP_CALL(MatGetSize(X, &n_, &d_));
  by_features_ = layout == "features";
  if (!by_features_) {
    HP_CALL(MatCreateMAIJ(X, c, a_.out()));  // dof 1 returns X itself: no cost for ridge
    return;
  }
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

DataOperator::~DataOperator() {
  release(diag_, diag_csr_);
  release(offd_, offd_csr_);
}

void DataOperator::scores(Vec w, Vec z) const {
  LogScope scope(log_events().scores);
  if (!by_features_) {
    HP_CALL(MatMult(a_, w, z));
    return;
  }
  // z = (Xᵀ)ᵀ W: owned examples from the diagonal block, ghost examples' partial sums
  // from the off-diagonal block, added into their owners.
  const PetscScalar* pw = nullptr;
  PetscScalar* pz = nullptr;
  HP_CALL(VecGetArrayRead(w, &pw));
  HP_CALL(VecSet(z, 0.0));
  HP_CALL(VecGetArray(z, &pz));
  csr_transpose_times_block_add(diag_csr_, c_, pw, pz);
  HP_CALL(VecRestoreArray(z, &pz));
  if (ghosts_ > 0 || n_ > local_examples_) {
    PetscScalar* pg = nullptr;
    HP_CALL(VecSet(ghost_buffer_, 0.0));
    HP_CALL(VecGetArray(ghost_buffer_, &pg));
    csr_transpose_times_block_add(offd_csr_, c_, pw, pg);
    HP_CALL(VecRestoreArray(ghost_buffer_, &pg));
  }
  HP_CALL(VecRestoreArrayRead(w, &pw));
  if (n_ > local_examples_) {  // more than one rank: reduce the partial scores
    HP_CALL(VecScatterBegin(ghost_scatter_, ghost_buffer_, z, ADD_VALUES, SCATTER_REVERSE));
    HP_CALL(VecScatterEnd(ghost_scatter_, ghost_buffer_, z, ADD_VALUES, SCATTER_REVERSE));
  }
}

void DataOperator::back(Vec r, Vec out) const {
  if (!by_features_) {
    LogScope scope(log_events().back);
    HP_CALL(MatMultTranspose(a_, r, out));
    return;
  }
  back_combined(r, nullptr, nullptr, 1.0, out);
}

bool DataOperator::back_combined(Vec r, Vec w, const double* row_scale, double beta, Vec out) const {
  if (!by_features_) return false;
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
  const bool parallel = n_ > local_examples_;
  if (parallel) HP_CALL(VecScatterBegin(ghost_scatter_, r, ghost_buffer_, INSERT_VALUES, SCATTER_FORWARD));
  const PetscScalar* pr = nullptr;
  PetscScalar* po = nullptr;
  HP_CALL(VecGetArrayRead(r, &pr));
  HP_CALL(VecGetArray(out, &po));
  csr_times_block(diag_csr_, c_, pr, po, first);  // overlaps the ghost exchange
  HP_CALL(VecRestoreArrayRead(r, &pr));
  if (parallel) {
    HP_CALL(VecScatterEnd(ghost_scatter_, r, ghost_buffer_, INSERT_VALUES, SCATTER_FORWARD));
    const PetscScalar* pg = nullptr;
    HP_CALL(VecGetArrayRead(ghost_buffer_, &pg));
    csr_times_block(offd_csr_, c_, pg, po, ghosts);
    HP_CALL(VecRestoreArrayRead(ghost_buffer_, &pg));
  }
  HP_CALL(VecRestoreArray(out, &po));
  if (w) HP_CALL(VecRestoreArrayRead(w, &pw));
  return true;
}

bool DataOperator::step_and_scores(Vec r, Vec w, const double* row_scale, double beta, Vec out,
                                   Vec z_out) const {
  if (!by_features_) return false;
  LogScope scope(log_events().back);
  const bool parallel = n_ > local_examples_;
  if (parallel) {
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
  if (parallel) {
    HP_CALL(VecScatterBegin(ghost_scatter_, ghost_scores_, z_out, ADD_VALUES, SCATTER_REVERSE));
    HP_CALL(VecScatterEnd(ghost_scatter_, ghost_scores_, z_out, ADD_VALUES, SCATTER_REVERSE));
  }
  return true;
}

Vector DataOperator::blocked_vector(PetscInt local_blocks, PetscInt global_blocks) const {
  Vector v;
  HP_CALL(VecCreateMPI(PetscObjectComm(reinterpret_cast<PetscObject>(xt_.get())),
                       local_blocks * c_, global_blocks * c_, v.out()));
  HP_CALL(VecSetBlockSize(v, c_));
  return v;
}

Vector DataOperator::create_weights() const {
  if (by_features_) return blocked_vector(local_features_, d_);
  Vector v;
  HP_CALL(MatCreateVecs(a_, v.out(), nullptr));
  return v;
}

Vector DataOperator::create_scores() const {
  if (by_features_) return blocked_vector(local_examples_, n_);
  Vector v;
  HP_CALL(MatCreateVecs(a_, nullptr, v.out()));
  return v;
}

std::string requested_data_layout() {
  char buf[32] = "auto";
  PetscBool set = PETSC_FALSE;
  HP_CALL(PetscOptionsGetString(nullptr, nullptr, "-hp_data_layout", buf, sizeof buf, &set));
  return buf;
}

}  // namespace hp
