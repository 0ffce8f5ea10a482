#include <cmath>

#include "hyperpetsc/problems/data_loss.hpp"

namespace hp {

namespace {

class SoftmaxCrossEntropy final : public DataLoss {
 public:
  SoftmaxCrossEntropy(std::vector<PetscInt> cls, PetscInt c, PetscInt n)
      : cls_(std::move(cls)), c_(c), inv_n_(1.0 / n), p_(cls_.size() * c) {}
  PetscInt outputs() const override { return c_; }

  // Stable softmax of one row into p; returns log-sum-exp.
  double softmax_row(const double* z, double* p) const {
    double zmax = z[0];
    for (PetscInt k = 1; k < c_; ++k) zmax = std::fmax(zmax, z[k]);
    double s = 0;
    for (PetscInt k = 0; k < c_; ++k) s += (p[k] = std::exp(z[k] - zmax));
    const double inv = 1.0 / s;
    for (PetscInt k = 0; k < c_; ++k) p[k] *= inv;
    return zmax + std::log(s);
  }

  // log Σ_k exp(z_k), stably, without storing the probabilities.
  double log_sum_exp(const double* z) const {
    double zmax = z[0];
    for (PetscInt k = 1; k < c_; ++k) zmax = std::fmax(zmax, z[k]);
    double s = 0;
    for (PetscInt k = 0; k < c_; ++k) s += std::exp(z[k] - zmax);
    return zmax + std::log(s);
  }

  double value_gradient(const double* z, double* r) const override {
    double sum = 0;
    for (size_t i = 0; i < cls_.size(); ++i) {
      const double* zi = z + i * c_;
      if (!r) {
        sum += log_sum_exp(zi) - zi[cls_[i]];
        continue;
      }
      double* pi = r + i * c_;
      sum += softmax_row(zi, pi) - zi[cls_[i]];
      for (PetscInt k = 0; k < c_; ++k) pi[k] *= inv_n_;
      pi[cls_[i]] -= inv_n_;
    }
    return sum * inv_n_;
  }

  std::optional<double> correct_count(const double* z) const override {
    double correct = 0;
    for (size_t i = 0; i < cls_.size(); ++i) {
      const double* zi = z + i * c_;
      PetscInt best = 0;
      for (PetscInt k = 1; k < c_; ++k)
        if (zi[k] > zi[best]) best = k;  // strict: a tie keeps the lower index
      if (best == cls_[i]) correct += 1;
    }
    return correct;
  }

  void prepare_hessian(const double* z) override {
    for (size_t i = 0; i < cls_.size(); ++i) softmax_row(z + i * c_, p_.data() + i * c_);
  }

  // Per row: (diag(p) − p pᵀ) zv / n.
  void hessian_apply(const double* zv, double* out) const override {
    for (size_t i = 0; i < cls_.size(); ++i) {
      const double* p = p_.data() + i * c_;
      const double* v = zv + i * c_;
      double dot = 0;
      for (PetscInt k = 0; k < c_; ++k) dot += p[k] * v[k];
      double* o = out + i * c_;
      for (PetscInt k = 0; k < c_; ++k) o[k] = p[k] * (v[k] - dot) * inv_n_;
    }
  }
  // Per row: the diagonal of (diag(p) − p pᵀ)/n.
  void hessian_diagonal(double* h) const override {
    for (size_t e = 0; e < p_.size(); ++e) h[e] = p_[e] * (1.0 - p_[e]) * inv_n_;
  }
  double curvature_bound() const override { return 0.5; }

 private:
  std::vector<PetscInt> cls_;
  PetscInt c_;
  double inv_n_;
  std::vector<double> p_;  // softmax probabilities at the prepared point
};

}  // namespace

std::unique_ptr<DataLoss> make_softmax_cross_entropy(std::vector<PetscInt> classes, PetscInt c,
                                                     PetscInt n_global) {
  return std::make_unique<SoftmaxCrossEntropy>(std::move(classes), c, n_global);
}

}  // namespace hp
