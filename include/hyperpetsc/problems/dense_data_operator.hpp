// The "dense" layout: X is MATMPIDENSE (dense data: CSV, images) and X·W, Xᵀ·R are one BLAS
// gemm per rank on its rows (dense_block_products.hpp). With more than one rank W is
// gathered on every rank and Xᵀ·R's partial sums are reduced to W's owners: O(d·c)
// communication, small when data are dense. No fused variants.
#pragma once
#include "hyperpetsc/problems/data_operator.hpp"
#include "hyperpetsc/problems/dense_block_products.hpp"

namespace hp {

class DenseDataOperator final : public DataOperator {
 public:
  DenseDataOperator(Mat X, PetscInt c);  // X must be MATMPIDENSE (kept by reference)

  void scores(Vec w, Vec z) const override;
  void back(Vec r, Vec out) const override;
  Vector create_weights() const override;
  Vector create_scores() const override;

 private:
  DenseBlock local_block() const;  // this rank's rows of X, borrowed until release_block()
  void release_block(DenseBlock& block) const;

  PetscInt c_ = 1, n_ = 0, d_ = 0, local_examples_ = 0, local_features_ = 0;
  MPI_Comm comm_ = MPI_COMM_NULL;
  Matrix x_;
  Scatter w_to_all_;      // W -> a whole copy on every rank (more than one rank only)
  Vector w_all_, g_all_;  // sequential d·c: W gathered; Xᵀ·R partial sums
};

}  // namespace hp
