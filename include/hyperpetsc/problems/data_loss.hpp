// A per-example loss on row scores z_i ∈ R^c, averaged over the n examples of a split:
//     ℓ(Z) = (1/n) Σ_i ℓ_i(z_i).
// Works on this rank's rows only (plain arrays, row-major m x c); the caller reduces.
#pragma once
#include <petscsys.h>

#include <memory>
#include <optional>
#include <vector>

namespace hp {

class DataLoss {
 public:
  virtual ~DataLoss() = default;
  virtual PetscInt outputs() const = 0;  // c
  // Returns Σ_{local i} ℓ_i(z_i)/n; writes r = ∂ℓ/∂Z if r is not null.
  virtual double value_gradient(const double* z, double* r) const = 0;
  // Cache what hessian_apply needs at Z.
  virtual void prepare_hessian(const double* z) = 0;
  // out = ∇²ℓ(Z) zv at the prepared Z (block diagonal over examples).
  virtual void hessian_apply(const double* zv, double* out) const = 0;
  // h = the diagonal of ∇²ℓ(Z) at the prepared Z (m x c, with the 1/n factor): h_ik =
  // ∂²ℓ/∂z_ik², the diagonal of row i's c x c block. For the Jacobi preconditioner.
  virtual void hessian_diagonal(double* h) const = 0;
  // sup over Z of ‖∇²ℓ_i(z)‖ (before the 1/n factor): 1 for squared, 1/2 for softmax CE.
  virtual double curvature_bound() const = 0;
  // Classification losses: how many of this rank's rows the scores Z classify correctly
  // (a double: the caller reduces it with the loss sums). Regression losses: empty.
  virtual std::optional<double> correct_count(const double* z) const {
    (void)z;
    return std::nullopt;
  }
};

// (1/(2n)) Σ (z_i − y_i)²; c = 1.
std::unique_ptr<DataLoss> make_squared_loss(std::vector<double> targets, PetscInt n_global);

// (1/n) Σ CE(softmax(z_i), class_i); c = classes. Row i is correct when the first
// largest score is class_i's (ties go to the lowest class index).
std::unique_ptr<DataLoss> make_softmax_cross_entropy(std::vector<PetscInt> classes, PetscInt c,
                                                     PetscInt n_global);

}  // namespace hp
