// The ridge_l2 hypergradient in closed form, computed densely in the test:
//   H = XᵀX/n + diag(e^λ),  w* = H⁻¹ Xᵀy/n,  v = H⁻¹ ∇E(w*),  ∇f_j = −e^{λ_j} w*_j v_j
// (η cancels: AID's adjoint solves ηH v' = ∇E and ∂_λΦᵀ v' = −η e^λ ⊙ w* ⊙ v').
#pragma once
#include <algorithm>
#include <cmath>
#include <vector>

#include "small_problems.hpp"

namespace hp::test {

struct RidgeTruth {
  std::vector<double> H;        // d x d
  std::vector<double> w;        // w*
  std::vector<double> grad_e;   // ∇E(w*)
  std::vector<double> v;        // H⁻¹ ∇E(w*)
  std::vector<double> g;        // the hypergradient (outer layout)
  std::vector<double> penalty;  // e^{λ_j} per feature
  double mu = 0, L = 0;         // extreme eigenvalues of H
};

inline RidgeTruth ridge_truth(const DenseReference& ref, const std::vector<double>& lambda) {
  RidgeTruth t;
  const PetscInt d = ref.d();
  t.penalty = ref.penalty(lambda);
  t.H = ref.gram();
  for (PetscInt j = 0; j < d; ++j) t.H[j * d + j] += t.penalty[j];
  std::vector<double> b(static_cast<size_t>(d), 0.0);
  const DenseSplit& tr = ref.train();
  for (PetscInt i = 0; i < tr.n; ++i)
    for (PetscInt j = 0; j < d; ++j) b[j] += tr.X[i * d + j] * tr.y[i] / static_cast<double>(tr.n);
  t.w = cholesky_solve(t.H, b, d);
  t.grad_e = ref.outer_gradient(t.w);
  t.v = cholesky_solve(t.H, t.grad_e, d);
  t.g.assign(static_cast<size_t>(ref.outer_size()), 0.0);
  for (PetscInt j = 0; j < d; ++j) t.g[ref.outer_size() == 1 ? 0 : j] -= t.penalty[j] * t.w[j] * t.v[j];
  const std::vector<double> ev = symmetric_eigenvalues(t.H, d);
  t.mu = ev.front();
  t.L = ev.back();
  return t;
}

// q = max |1 − η·eig(H)|: the contraction factor of Φ = w − η∇L.
inline double contraction_factor(const RidgeTruth& t, double eta) {
  return std::max(std::fabs(1 - eta * t.mu), std::fabs(1 - eta * t.L));
}

// ∂_λΦ(w*)ᵀ u for the dense reference (outer layout).
inline std::vector<double> ridge_vjp_outer(const RidgeTruth& t, double eta, const std::vector<double>& u,
                                           PetscInt outer_size) {
  std::vector<double> g(static_cast<size_t>(outer_size), 0.0);
  for (size_t j = 0; j < t.w.size(); ++j) g[outer_size == 1 ? 0 : j] -= eta * t.penalty[j] * t.w[j] * u[j];
  return g;
}

}  // namespace hp::test
