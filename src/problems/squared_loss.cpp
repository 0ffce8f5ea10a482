#include "hyperpetsc/problems/data_loss.hpp"

namespace hp {

namespace {

class SquaredLoss final : public DataLoss {
 public:
  SquaredLoss(std::vector<double> y, PetscInt n) : y_(std::move(y)), inv_n_(1.0 / n) {}
  PetscInt outputs() const override { return 1; }

  double value_gradient(const double* z, double* r) const override {
    double sum = 0;
    const size_t m = y_.size();
    for (size_t i = 0; i < m; ++i) {
      const double e = z[i] - y_[i];
      sum += e * e;
      if (r) r[i] = e * inv_n_;
    }
    return 0.5 * sum * inv_n_;
  }
  void prepare_hessian(const double*) override {}  // constant Hessian
  void hessian_apply(const double* zv, double* out) const override {
    for (size_t i = 0; i < y_.size(); ++i) out[i] = zv[i] * inv_n_;
  }
  void hessian_diagonal(double* h) const override {
    for (size_t i = 0; i < y_.size(); ++i) h[i] = inv_n_;
  }
  double curvature_bound() const override { return 1.0; }

 private:
  std::vector<double> y_;
  double inv_n_;
};

}  // namespace

std::unique_ptr<DataLoss> make_squared_loss(std::vector<double> targets, PetscInt n_global) {
  return std::make_unique<SquaredLoss>(std::move(targets), n_global);
}

}  // namespace hp
