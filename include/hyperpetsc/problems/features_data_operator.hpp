// The "features" layout: Xᵀ (MPIAIJ, rows = features) distributed like W. X·W sums each
// rank's partial scores into the owners of the examples; Xᵀ·R gathers the ghost rows of R
// its off-diagonal block needs. The local products use the register-blocked kernels of
// block_csr_kernels.hpp, touch W only sequentially, and fuse a gradient step's update
// (back_combined) and the next X·W (step_and_scores) into the same pass.
#pragma once
#include <vector>

#include "hyperpetsc/problems/block_csr_kernels.hpp"
#include "hyperpetsc/problems/data_operator.hpp"

namespace hp {

class FeaturesDataOperator final : public DataOperator {
 public:
  FeaturesDataOperator(Mat X, PetscInt c);
  ~FeaturesDataOperator() override;
  FeaturesDataOperator(const FeaturesDataOperator&) = delete;
  FeaturesDataOperator& operator=(const FeaturesDataOperator&) = delete;

  void scores(Vec w, Vec z) const override;
  void back(Vec r, Vec out) const override;
  bool back_combined(Vec r, Vec w, const double* row_scale, double beta, Vec out,
                     double* dot = nullptr) const override;
  bool update_and_scores(Vec u, double beta, Vec x, Vec z) const override;
  bool step_and_scores(Vec r, Vec w, const double* row_scale, double beta, Vec out,
                       Vec z_out) const override;
  Vector create_weights() const override;
  Vector create_scores() const override;

 private:
  void scores_of(Vec u, double beta, Vec w, Vec z) const;  // z = X·w, after w = u + beta·w with u
  PetscInt c_ = 1, n_ = 0, d_ = 0, local_features_ = 0, local_examples_ = 0, ghosts_ = 0;
  MPI_Comm comm_ = MPI_COMM_NULL;
  // More than one rank: the ghost scatters run. The same on every rank, since they are
  // collective (a rank's own share of rows or features must not decide it).
  bool parallel_ = false;
  Matrix xt_;                            // Xᵀ
  Mat diag_ = nullptr, offd_ = nullptr;  // Xᵀ's local blocks (owned by xt_)
  CsrView diag_csr_, offd_csr_;
  Scatter ghost_scatter_;  // scores layout -> ghost rows of R / partial scores
  Vector ghost_buffer_;    // sequential, ghosts_·c
  Vector ghost_scores_;    // sequential, ghosts_·c: partial scores for other ranks
  mutable std::vector<double> dot_lanes_;  // c lanes of back_combined's ⟨out, w⟩
};

}  // namespace hp
