// FeatureL2Model::adjoint_diagonal: the diagonal of I − ∂_WΦ = η ∇²_W L for Jacobi.
//
//   ∇²_W L = Xᵀ S X + diag(e^λ_j) ⊗ I_c,  S block-diagonal over rows (c x c blocks S_i),
//   diag_(j,k) = η·(Σ_i X_ij² (S_i)_kk + e^λ_j) = η·((X∘X)ᵀ H + e^λ)_(j,k),  H_ik = (S_i)_kk.
//
// (X∘X)ᵀ H is one transposed product with the entrywise-squared data in the problem's own
// layout, so it costs one pass and works for rows, features and dense alike.
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/feature_l2_model.hpp"
#include "hyperpetsc/problems/squared_entries.hpp"

namespace hp {

void FeatureL2Model::adjoint_diagonal(Vec out) {
  if (!squared_) {
    // The operator keeps what it needs (a reference, or its own transpose for features).
    const Matrix squared = squared_entries(train_.X);
    squared_ = make_data_operator(squared, c_, layout_);
    squared_h_ = squared_->create_scores();
    squared_back_ = squared_->create_weights();
  }
  PetscScalar* h = nullptr;
  HP_CALL(VecGetArrayWrite(squared_h_, &h));
  train_loss_->hessian_diagonal(h);  // at the point prepare_hessian saw (linearize)
  HP_CALL(VecRestoreArrayWrite(squared_h_, &h));
  squared_->back(squared_h_, squared_back_);
  // out may be any Vec with W's local size (PCJacobi makes its own): combine by arrays.
  const PetscScalar* s = nullptr;
  PetscScalar* o = nullptr;
  HP_CALL(VecGetArrayRead(squared_back_, &s));
  HP_CALL(VecGetArrayWrite(out, &o));
  for (PetscInt j = 0; j < local_features_; ++j)
    for (PetscInt k = 0; k < c_; ++k) o[j * c_ + k] = eta_ * (s[j * c_ + k] + lin_penalty_[j]);
  HP_CALL(VecRestoreArrayWrite(out, &o));
  HP_CALL(VecRestoreArrayRead(squared_back_, &s));
}

}  // namespace hp
