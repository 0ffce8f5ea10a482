// X·W and Xᵀ·R for a row-distributed data matrix X (n × d) and interlaced W (d × c).
//
// Two storages: "rows" keeps X distributed by examples and uses PETSc's MAIJ (X·W gathers
// ghost entries of W: O(d·c) communication per product); "features" stores Xᵀ
// distributed by features like W, so X·W reduces partial scores and Xᵀ·R gathers ghost
// rows of R: O(n·c) communication. Text-like data has n ≪ d and nearly every feature on
// every rank, so "features" moves ~d/n times less data; its local products use
// register-blocked kernels (block_csr_kernels.hpp) and touch W only sequentially.
// "dense" takes X as MATMPIDENSE (dense data: CSV, images): X·W and Xᵀ·R are one BLAS
// gemm per rank on its rows, with W gathered on every rank and Xᵀ·R's partial sums
// reduced to W's owners (O(d·c) communication, small when data are dense).
#pragma once
#include <petscmat.h>

#include <string>

#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/problems/block_csr_kernels.hpp"
#include "hyperpetsc/problems/dense_block_products.hpp"

namespace hp {

class DataOperator {
 public:
  // `layout`: "rows", "features" or "dense" (X must then be MATMPIDENSE).
  DataOperator(Mat X, PetscInt c, const std::string& layout);
  ~DataOperator();
  DataOperator(const DataOperator&) = delete;
  DataOperator& operator=(const DataOperator&) = delete;

  void scores(Vec w, Vec z) const;  // z = X·W   (n·c)
  void back(Vec r, Vec out) const;  // out = Xᵀ·R (d·c)
  // out[j,:] = row_scale[j]·w[j,:] + beta·(Xᵀ·R)[j,:] in one pass (features layout);
  // returns false, doing nothing, when the layout cannot fuse (the caller then combines).
  bool back_combined(Vec r, Vec w, const double* row_scale, double beta, Vec out) const;
  // back_combined and, in the same pass, z_out = X·out (features layout only; returns
  // false, doing nothing, otherwise).
  bool step_and_scores(Vec r, Vec w, const double* row_scale, double beta, Vec out, Vec z_out) const;
  Vector create_weights() const;
  Vector create_scores() const;
  bool by_features() const { return by_features_; }

 private:
  Vector blocked_vector(PetscInt local_blocks, PetscInt global_blocks) const;  // features, dense
  DenseBlock dense_block() const;  // dense: this rank's rows of X, borrowed until release()
  void release_dense_block(DenseBlock& block) const;
  void dense_scores(Vec w, Vec z) const;
  void dense_back(Vec r, Vec out) const;
  PetscInt c_ = 1;
  bool by_features_ = false;
  bool dense_ = false;
  MPI_Comm comm_ = MPI_COMM_NULL;
  Matrix x_;                  // dense: X itself (a reference)
  Scatter w_to_all_;          // dense: W -> a whole copy on every rank (more than one rank)
  Vector w_all_, g_all_;      // dense: sequential d·c (W gathered; Xᵀ·R partial sums)
  Matrix a_;                  // rows: MAIJ(X, c)
  Matrix xt_;                 // features: Xᵀ (MPIAIJ, rows = features)
  Mat diag_ = nullptr, offd_ = nullptr;  // Xᵀ's local blocks (owned by xt_)
  CsrView diag_csr_, offd_csr_;
  PetscInt local_features_ = 0, local_examples_ = 0, ghosts_ = 0, n_ = 0, d_ = 0;
  bool parallel_ = false;     // features: more than one rank (the ghost scatters run)
  Scatter ghost_scatter_;     // scores layout -> ghost rows of R / partial scores
  Vector ghost_buffer_;       // sequential, ghosts_·c
  Vector ghost_scores_;       // sequential, ghosts_·c: partial scores for other ranks
};

// The layout requested with -hp_data_layout rows|features|dense|auto (default auto).
std::string requested_data_layout();

// What `auto` chooses for training data X (n × d) with c outputs: dense when at least 30%
// of X's entries are nonzero (dense BLAS beats sparse products there) and a whole W
// (d·c·8 bytes) fits comfortably on every rank; else features when d > n; else rows.
std::string automatic_data_layout(Mat X, PetscInt c);

}  // namespace hp
