#include "hyperpetsc/problems/data_operator.hpp"

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

DataOperator::DataOperator(Mat X, PetscInt c, const std::string& layout) {
  PetscInt n = 0, d = 0;
  HP_CALL(MatGetSize(X, &n, &d));
  by_features_ = layout == "features" || (layout == "auto" && d > n);
  if (by_features_) {
    Matrix xt;
    HP_CALL(MatTranspose(X, MAT_INITIAL_MATRIX, xt.out()));
    HP_CALL(MatCreateMAIJ(xt, c, a_.out()));  // keeps its own reference to Xᵀ
  } else {
    HP_CALL(MatCreateMAIJ(X, c, a_.out()));  // dof 1 returns X itself: no cost for ridge
  }
}

void DataOperator::scores(Vec w, Vec z) const {
  if (by_features_)
    HP_CALL(MatMultTranspose(a_, w, z));
  else
    HP_CALL(MatMult(a_, w, z));
}

void DataOperator::back(Vec r, Vec out) const {
  if (by_features_)
    HP_CALL(MatMult(a_, r, out));
  else
    HP_CALL(MatMultTranspose(a_, r, out));
}

Vector DataOperator::create_weights() const {
  Vector v;
  if (by_features_)
    HP_CALL(MatCreateVecs(a_, nullptr, v.out()));
  else
    HP_CALL(MatCreateVecs(a_, v.out(), nullptr));
  return v;
}

Vector DataOperator::create_scores() const {
  Vector v;
  if (by_features_)
    HP_CALL(MatCreateVecs(a_, v.out(), nullptr));
  else
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
