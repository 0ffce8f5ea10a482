#include "hyperpetsc/problems/rows_data_operator.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

RowsDataOperator::RowsDataOperator(Mat X, PetscInt c) {
  HP_CALL(MatCreateMAIJ(X, c, a_.out()));  // dof 1 returns X itself: no cost for ridge
}

void RowsDataOperator::scores(Vec w, Vec z) const {
  LogScope scope(log_events().scores);
  HP_CALL(MatMult(a_, w, z));
}

void RowsDataOperator::back(Vec r, Vec out) const {
  LogScope scope(log_events().back);
  HP_CALL(MatMultTranspose(a_, r, out));
}

Vector RowsDataOperator::create_weights() const {
  Vector v;
  HP_CALL(MatCreateVecs(a_, v.out(), nullptr));
  return v;
}

Vector RowsDataOperator::create_scores() const {
  Vector v;
  HP_CALL(MatCreateVecs(a_, nullptr, v.out()));
  return v;
}

}  // namespace hp
