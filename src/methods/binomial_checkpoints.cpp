#include "hyperpetsc/methods/binomial_checkpoints.hpp"

#include <algorithm>
#include <limits>

namespace hp {

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max() / 4;

// C(s + r, s) for r ≥ 0, saturating at kMax (0 for r < 0).
std::uint64_t beta(std::uint64_t s, long long r) {
  if (r < 0) return 0;
  std::uint64_t b = 1;  // C(s + j, s) for j = 0..r: exact, each step divides evenly
  for (long long j = 1; j <= r; ++j) {
    const std::uint64_t f = s + static_cast<std::uint64_t>(j);
    if (b > kMax / f) return kMax;
    b = b * f / static_cast<std::uint64_t>(j);
  }
  return b;
}

// The smallest r with C(s + r, s) ≥ l (l ≥ 1, s ≥ 1).
long long reps(std::uint64_t l, std::uint64_t s) {
  long long r = 0;
  std::uint64_t b = 1;
  while (b < l) {
    ++r;
    const std::uint64_t f = s + static_cast<std::uint64_t>(r);
    b = b > kMax / f ? kMax : b * f / static_cast<std::uint64_t>(r);
  }
  return r;
}

}  // namespace

std::uint64_t binomial_advances(std::uint64_t l, std::uint64_t s) {
  if (l <= 1) return 0;
  if (s <= 1) return l * (l - 1) / 2;
  const long long r = reps(l, s);
  return static_cast<std::uint64_t>(r) * l - beta(s + 1, r - 1);
}

std::uint64_t binomial_recomputations(std::uint64_t l, std::uint64_t s) {
  return l <= 1 ? 0 : binomial_advances(l, s) - (l - 1);
}

std::uint64_t binomial_split(std::uint64_t l, std::uint64_t s) {
  // cost(m) = m + T(l − m, s − 1) + T(m, s) is convex in m (T is piecewise linear in l
  // with non-decreasing slopes r): the first m whose forward difference is ≥ 0 is optimal.
  auto rises = [&](std::uint64_t m) {  // cost(m + 1) ≥ cost(m)
    const std::uint64_t up = 1 + binomial_advances(m + 1, s) + binomial_advances(l - m - 1, s - 1);
    const std::uint64_t here = binomial_advances(m, s) + binomial_advances(l - m, s - 1);
    return up >= here;
  };
  std::uint64_t lo = 1, hi = l - 1;  // cost(l − 1 + 1) is not defined: hi rises by convention
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (rises(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

std::vector<PetscInt> binomial_forward_snapshots(PetscInt lo, PetscInt t, PetscInt s) {
  std::vector<PetscInt> steps;
  if (t <= lo || s < 1) return steps;
  steps.push_back(lo);
  std::uint64_t a = static_cast<std::uint64_t>(lo), left = static_cast<std::uint64_t>(s);
  const auto b = static_cast<std::uint64_t>(t);
  while (b - a > 1 && left > 1) {
    a += binomial_split(b - a, left);
    --left;
    steps.push_back(static_cast<PetscInt>(a));
  }
  return steps;
}

}  // namespace hp
