// Extreme eigenvalues of a symmetric operator by the Lanczos process.
//
// After k steps from a start vector b, the Ritz values of the tridiagonal T_k are the best
// estimates of A's eigenvalues from the Krylov space span{b, Ab, …, A^{k−1}b}; the largest
// converges much faster than power iteration's Rayleigh quotient (error ~ e^{−4k√gap}
// against e^{−2k·gap}) and never exceeds λmax in exact arithmetic. No reorthogonalisation:
// only the extreme values are wanted, they converge first, and lost orthogonality only
// adds copies of values that have already converged.
#pragma once
#include <petscvec.h>

#include <functional>

namespace hp {

struct RitzEstimate {
  double largest = 0;   // the largest Ritz value θ
  // ‖A y − θ y‖ for its unit Ritz vector y (= β_k |last entry of T_k's eigenvector|):
  // A has an eigenvalue within this distance of θ. Once θ has converged to λmax,
  // θ + residual is an upper bound on it.
  double residual = 0;
  double smallest = 0;  // the smallest Ritz value
  int steps = 0;
};

// At most `max_steps` steps of y = apply(x) from `start` (any nonzero vector; used as
// workspace, so overwritten), stopping early once residual ≤ rel_tol·|largest| or the
// Krylov space is invariant. Costs one apply and four vector passes per step and two
// vectors shaped like `start`. Collective.
RitzEstimate lanczos_extremes(const std::function<void(Vec x, Vec y)>& apply, Vec start,
                              int max_steps, double rel_tol = 1e-9);

}  // namespace hp
