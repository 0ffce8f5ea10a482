#include "hyperpetsc/petsc/lanczos.hpp"

#include <petscblaslapack.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"

namespace hp {

namespace {

// Eigenvalues of the k×k symmetric tridiagonal T (diagonal a, off-diagonal b[0..k−2]) and
// the last entry of the top eigenvector (LAPACK steqr; k is small).
struct TridiagonalExtremes {
  double smallest = 0, largest = 0, last_entry = 0;
};

TridiagonalExtremes tridiagonal_extremes(const std::vector<double>& a, const std::vector<double>& b,
                                         std::vector<double>& z, std::vector<double>& work) {
  const auto k = static_cast<PetscBLASInt>(a.size());
  std::vector<double> d = a, e(b.begin(), b.begin() + (k - 1));
  z.assign(static_cast<size_t>(k) * static_cast<size_t>(k), 0.0);
  work.assign(static_cast<size_t>(std::max<PetscBLASInt>(1, 2 * k - 2)), 0.0);
  PetscBLASInt info = 0;
  LAPACKsteqr_("I", &k, d.data(), e.data(), z.data(), &k, work.data(), &info);
  if (info != 0) throw PetscFailure(PETSC_ERR_LIB, "LAPACKsteqr_", __FILE__, __LINE__);
  TridiagonalExtremes out;  // eigenvalues ascending; eigenvector j is column j
  out.smallest = d.front();
  out.largest = d.back();
  out.last_entry = z[static_cast<size_t>(k - 1) + static_cast<size_t>(k - 1) * static_cast<size_t>(k)];
  return out;
}

}  // namespace

RitzEstimate lanczos_extremes(const std::function<void(Vec x, Vec y)>& apply, Vec start,
                              int max_steps, double rel_tol) {
  RitzEstimate est;
  // v, v_prev and w rotate by handle; `start` (borrowed: a reference is taken so that the
  // rotation can hand it to a Vector handle) is the first v.
  HP_CALL(PetscObjectReference(reinterpret_cast<PetscObject>(start)));
  Vector v(start), v_prev, w;
  HP_CALL(VecDuplicate(start, v_prev.out()));
  HP_CALL(VecDuplicate(start, w.out()));
  double norm = 0;
  HP_CALL(VecNormalize(v, &norm));
  if (norm == 0 || max_steps < 1) return est;
  std::vector<double> alpha, beta, z, work;
  alpha.reserve(static_cast<size_t>(max_steps));
  beta.reserve(static_cast<size_t>(max_steps));
  double scale = 0;  // ‖T‖ estimate, for the breakdown test
  for (int k = 0; k < max_steps; ++k) {
    apply(v, w);
    double a = 0, b = 0;
    HP_CALL(VecDot(w, v, &a));
    if (k == 0)
      HP_CALL(VecAXPY(w, -a, v));
    else
      HP_CALL(VecAXPBYPCZ(w, -a, -beta.back(), 1.0, v, v_prev));
    HP_CALL(VecNorm(w, NORM_2, &b));
    alpha.push_back(a);
    beta.push_back(b);
    scale = std::max(scale, std::abs(a) + b + (k > 0 ? beta[k - 1] : 0.0));
    const TridiagonalExtremes t = tridiagonal_extremes(alpha, beta, z, work);
    est.largest = t.largest;
    est.smallest = t.smallest;
    est.residual = b * std::abs(t.last_entry);
    est.steps = k + 1;
    const bool invariant = b <= 1e-14 * scale;  // the Krylov space holds A's whole action on b
    if (invariant || est.residual <= rel_tol * std::abs(est.largest)) break;
    if (k + 1 == max_steps) break;
    HP_CALL(VecScale(w, 1.0 / b));
    std::swap(v_prev, v);  // rotate by handle: v_prev ← v, v ← w, w ← the old v_prev
    std::swap(v, w);
  }
  return est;
}

}  // namespace hp
