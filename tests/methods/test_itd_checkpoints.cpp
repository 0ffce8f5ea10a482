// Checkpointed ITD (hypergradient.checkpoints = N): the binomial schedule's counts against
// Griewank's formula and a brute-force optimum, and the hypergradient and E equal to
// plain ITD's (which stores every iterate) to 1e-12 for itd and truncated_itd, gradient
// descent and heavy ball, several t and N, with the forward steps the reverse sweep
// recomputed equal to the formula's.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/methods/binomial_checkpoints.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
using hp::test::gather_all;
using hp::test::rel_err;

// The fewest advances over every choice of split (the recursion in
// binomial_checkpoints.hpp), by dynamic programming.
std::vector<std::vector<std::uint64_t>> brute_force_advances(std::uint64_t max_l, std::uint64_t max_s) {
  std::vector<std::vector<std::uint64_t>> T(max_l + 1, std::vector<std::uint64_t>(max_s + 1, 0));
  for (std::uint64_t l = 2; l <= max_l; ++l) {
    T[l][1] = l * (l - 1) / 2;
    for (std::uint64_t s = 2; s <= max_s; ++s) {
      std::uint64_t best = UINT64_MAX;
      for (std::uint64_t m = 1; m < l; ++m) best = std::min(best, m + T[l - m][s - 1] + T[m][s]);
      T[l][s] = best;
    }
  }
  return T;
}

TEST(BinomialSchedule, FormulaSplitAndSnapshotsMatchTheBruteForceOptimum) {
  const auto T = brute_force_advances(60, 7);
  for (std::uint64_t l = 1; l <= 60; ++l) {
    for (std::uint64_t s = 1; s <= 7; ++s) {
      ASSERT_EQ(hp::binomial_advances(l, s), T[l][s]) << "l=" << l << " s=" << s;
      EXPECT_EQ(hp::binomial_recomputations(l, s), T[l][s] - (l - 1));
      if (l >= 2 && s >= 2) {
        const std::uint64_t m = hp::binomial_split(l, s);
        ASSERT_TRUE(m >= 1 && m < l);
        EXPECT_EQ(m + T[l - m][s - 1] + T[m][s], T[l][s]) << "l=" << l << " s=" << s << " m=" << m;
      }
      const auto steps = hp::binomial_forward_snapshots(3, static_cast<PetscInt>(3 + l), static_cast<PetscInt>(s));
      ASSERT_FALSE(steps.empty());
      EXPECT_LE(steps.size(), s);
      EXPECT_EQ(steps.front(), 3);
      EXPECT_TRUE(std::is_sorted(steps.begin(), steps.end()));
      EXPECT_LT(steps.back(), static_cast<PetscInt>(3 + l));
    }
  }
  // Store all: no recomputation once s ≥ l − 1 (w_{t−1} is the forward pass's own state).
  EXPECT_EQ(hp::binomial_recomputations(10, 9), 0u);
  EXPECT_EQ(hp::binomial_recomputations(10, 8), 1u);
  // Large l stays cheap and exact: r·l − C(s+r, s+1) with C(2+r, 2) ≥ 10⁶ (r = 1413).
  EXPECT_EQ(hp::binomial_advances(1000000, 2), 1413ull * 1000000 - 1413ull * 1414 * 1415 / 6);
}

struct Case {
  const char* label;
  const char* solver;
  double momentum;
  bool truncated;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

const Case kCases[] = {
    {"itd_gd", "gradient_descent", 0.0, false},
    {"itd_heavy_ball", "heavy_ball", 0.5, false},
    {"truncated_gd", "gradient_descent", 0.0, true},
    {"truncated_heavy_ball", "heavy_ball", 0.5, true},
};

class CheckpointedItd : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    hp::test::SmallSpec spec;
    spec.type = "logistic_l2";
    spec.classes = 3;
    spec.n_train = 40;
    spec.n_val = 30;
    spec.features = 12;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -2.0); });
    hp::test::configure_auto_step(*problem_, lambda_, c.solver, c.momentum);
    inner_ = hp::MomentumIteration(c.solver, c.momentum);
    w0_ = problem_->create_inner_vector();
    hp::test::fill(*problem_, w0_, [](PetscInt i) { return hp::test::w_formula(i); });
  }

  struct Out {
    std::vector<double> g;
    hp::HypergradientResult r;
  };
  Out run(hp::HypergradientMethod& m, PetscInt t, PetscInt k, PetscInt checkpoints, double inner_tol = 0) {
    Vector w = problem_->create_inner_vector();
    HP_CALL(VecCopy(w0_, w));
    hp::HypergradientRequest req;
    req.lambda = lambda_;
    req.w = w;
    req.t = t;
    req.k = k;
    req.inner_tol = inner_tol;
    req.checkpoints = checkpoints;
    Out o;
    o.r = m.compute(*problem_, inner_, req);
    o.g = gather_all(*problem_, o.r.hypergradient);
    return o;
  }
  std::unique_ptr<hp::HypergradientMethod> method() const {
    return hp::make_method(GetParam().truncated ? "truncated_itd" : "itd");
  }

  std::unique_ptr<hp::BilevelProblem> problem_;
  Vector lambda_, w0_;
  hp::MomentumIteration inner_{"gradient_descent", 0.0};
};

TEST_P(CheckpointedItd, EqualsPlainItdAndRecomputesWhatTheFormulaSays) {
  auto plain = method();
  auto checkpointed = method();  // one object over all N: its storage is re-made per shape
  for (PetscInt t : {7, 12}) {
    const PetscInt k = GetParam().truncated ? 5 : t;
    const Out ref = run(*plain, t, k, 0);
    EXPECT_EQ(ref.r.recomputed_steps, 0);
    for (PetscInt N : {PetscInt{1}, PetscInt{2}, PetscInt{3}, k - 1, k, t + 4}) {
      const Out c = run(*checkpointed, t, k, N);
      EXPECT_EQ(c.r.t, t);
      EXPECT_EQ(c.r.k, k);
      EXPECT_LE(rel_err(c.g, ref.g), 1e-12) << "t=" << t << " N=" << N;
      EXPECT_LE(std::abs(c.r.outer_objective - ref.r.outer_objective), 1e-12 * std::abs(ref.r.outer_objective));
      const std::uint64_t expected =
          N >= k ? 0 : hp::binomial_recomputations(static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(N));
      EXPECT_EQ(static_cast<std::uint64_t>(c.r.recomputed_steps), expected) << "t=" << t << " N=" << N;
    }
  }
}

// inner.tol > 0: itd plans for the largest t and reverses from the states it reached;
// truncated_itd refuses (the last K steps are unknown until the forward pass stops).
TEST_P(CheckpointedItd, EarlyStopIsExactForItdAndRefusedForTruncatedItd) {
  const double tol = 0.05;
  const PetscInt t = 40;
  auto m = method();
  const Out ref = run(*m, t, 5, 0, tol);
  ASSERT_LT(ref.r.t, t);  // the stopping rule ended the forward pass early
  ASSERT_GT(ref.r.t, 3);
  if (GetParam().truncated) {
    const std::string msg = hp::test::collective_user_error(PETSC_COMM_WORLD, [&] { run(*m, t, 5, 2, tol); });
    EXPECT_HAS(msg, "hypergradient.checkpoints");
    EXPECT_HAS(msg, "inner.tol");
    return;
  }
  for (PetscInt N : {1, 2, 3}) {
    const Out c = run(*m, t, 5, N, tol);
    EXPECT_EQ(c.r.t, ref.r.t);
    EXPECT_LE(rel_err(c.g, ref.g), 1e-12) << "N=" << N;
    EXPECT_LE(std::abs(c.r.outer_objective - ref.r.outer_objective), 1e-12 * std::abs(ref.r.outer_objective));
  }
}

// The storage is made (and pre-faulted) once per shape: a second call of the same shape
// reuses it and reports no allocation time.
TEST_P(CheckpointedItd, ReusesItsStorageAcrossCallsOfTheSameShape) {
  for (PetscInt N : {0, 2}) {
    auto m = method();
    const Out first = run(*m, 6, 4, N);
    const Out second = run(*m, 6, 4, N);
    EXPECT_GT(first.r.seconds_trajectory, 0.0);
    EXPECT_EQ(second.r.seconds_trajectory, 0.0);
    EXPECT_EQ(first.g, second.g);
  }
}

INSTANTIATE_TEST_SUITE_P(Solvers, CheckpointedItd, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
