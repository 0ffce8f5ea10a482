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
  HP_CALL(PetscObjectGetComm(reinterpret_cast<PetscObject>(X), &comm_));
  by_features_ = layout == "features";
  dense_ = layout == "dense";
  if (dense_) {
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
    return;
  }
  if (!by_features_) {
    HP_CALL(MatCreateMAIJ(X, c, a_.out()));  // dof 1 returns X itself: no cost for ridge
    return;
  }
  int size = 1;
  MPI_Comm_size(comm_, &size);
  // The same answer on every rank: it decides whether to call the collective ghost
  // scatters, so it must not depend on this rank's share of rows or features.
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

DataOperator::~DataOperator() {
  release(diag_, diag_csr_);
  release(offd_, offd_csr_);
}

DenseBlock DataOperator::dense_block() const {
  Mat local = nullptr;
  HP_CALL(MatDenseGetLocalMatrix(x_, &local));
  DenseBlock b;
  HP_CALL(MatGetSize(local, &b.rows, &b.cols));
  HP_CALL(MatDenseGetLDA(local, &b.lda));
  if (b.lda < 1) b.lda = 1;
  HP_CALL(MatDenseGetArrayRead(local, &b.a));
  return b;
}

void DataOperator::release_dense_block(DenseBlock& b) const {
  Mat local = nullptr;
  HP_CALL(MatDenseGetLocalMatrix(x_, &local));
  HP_CALL(MatDenseRestoreArrayRead(local, &b.a));
}

void DataOperator::dense_scores(Vec w, Vec z) const {
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
  DenseBlock x = dense_block();
  dense_times_block(x, c_, pw, pz);
  release_dense_block(x);
  HP_CALL(VecRestoreArrayWrite(z, &pz));
  HP_CALL(VecRestoreArrayRead(whole, &pw));
}

void DataOperator::dense_back(Vec r, Vec out) const {
  Vec partial = w_to_all_ ? g_all_.get() : out;  // one rank: the sum is final
  const PetscScalar* pr = nullptr;
  PetscScalar* pg = nullptr;
  HP_CALL(VecGetArrayRead(r, &pr));
  HP_CALL(VecGetArrayWrite(partial, &pg));
  DenseBlock x = dense_block();
  dense_transpose_times_block(x, c_, pr, pg);
  release_dense_block(x);
  HP_CALL(VecRestoreArrayWrite(partial, &pg));
  HP_CALL(VecRestoreArrayRead(r, &pr));
  if (w_to_all_) {  // every rank's partial sums, added into the owners of W's rows
    HP_CALL(VecSet(out, 0.0));
    HP_CALL(VecScatterBegin(w_to_all_, g_all_, out, ADD_VALUES, SCATTER_REVERSE));
    HP_CALL(VecScatterEnd(w_to_all_, g_all_, out, ADD_VALUES, SCATTER_REVERSE));
  }
}

void DataOperator::scores(Vec w, Vec z) const {
  LogScope scope(log_events().scores);
  if (dense_) {
    dense_scores(w, z);
    return;
  }
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
  if (parallel_) {
    PetscScalar* pg = nullptr;
    HP_CALL(VecSet(ghost_buffer_, 0.0));
    HP_CALL(VecGetArray(ghost_buffer_, &pg));
    csr_transpose_times_block_add(offd_csr_, c_, pw, pg);
    HP_CALL(VecRestoreArray(ghost_buffer_, &pg));
  }
  HP_CALL(VecRestoreArrayRead(w, &pw));
  if (parallel_) {  // reduce the partial scores into their owners
    HP_CALL(VecScatterBegin(ghost_scatter_, ghost_buffer_, z, ADD_VALUES, SCATTER_REVERSE));
    HP_CALL(VecScatterEnd(ghost_scatter_, ghost_buffer_, z, ADD_VALUES, SCATTER_REVERSE));
  }
}

void DataOperator::back(Vec r, Vec out) const {
  if (dense_) {
    LogScope scope(log_events().back);
    dense_back(r, out);
    return;
  }
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
  return true;
}

bool DataOperator::step_and_scores(Vec r, Vec w, const double* row_scale, double beta, Vec out,
                                   Vec z_out) const {
  if (!by_features_) return false;
  LogScope scope(log_events().back);
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

Vector DataOperator::blocked_vector(PetscInt local_blocks, PetscInt global_blocks) const {
  Vector v;
  HP_CALL(VecCreateMPI(comm_, local_blocks * c_, global_blocks * c_, v.out()));
  HP_CALL(VecSetBlockSize(v, c_));
  return v;
}

Vector DataOperator::create_weights() const {
  if (by_features_ || dense_) return blocked_vector(local_features_, d_);
  Vector v;
  HP_CALL(MatCreateVecs(a_, v.out(), nullptr));
  return v;
}

Vector DataOperator::create_scores() const {
  if (by_features_ || dense_) return blocked_vector(local_examples_, n_);
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

std::string automatic_data_layout(Mat X, PetscInt c) {
  PetscInt n = 0, d = 0;
  HP_CALL(MatGetSize(X, &n, &d));
  MatInfo info;
  HP_CALL(MatGetInfo(X, MAT_GLOBAL_SUM, &info));
  const double entries = static_cast<double>(n) * static_cast<double>(d);
  const bool dense_data = entries > 0 && info.nz_used >= 0.3 * entries;
  const bool whole_w_is_small = static_cast<double>(d) * static_cast<double>(c) * 8.0 <= 64e6;
  if (dense_data && whole_w_is_small) return "dense";
  return d > n ? "features" : "rows";
}

}  // namespace hp
