// The "rows" layout: X stays distributed by examples and X·W, Xᵀ·R are PETSc's MAIJ
// products (W interlaced with block size c). No fused variants.
#pragma once
#include "hyperpetsc/problems/data_operator.hpp"

namespace hp {

class RowsDataOperator final : public DataOperator {
 public:
  RowsDataOperator(Mat X, PetscInt c);

  void scores(Vec w, Vec z) const override;
  void back(Vec r, Vec out) const override;
  Vector create_weights() const override;
  Vector create_scores() const override;

 private:
  Matrix a_;  // MAIJ(X, c)
};

}  // namespace hp
