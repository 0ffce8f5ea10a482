// The inner solver stops a diverging iteration with an error naming the step (both the
// plain loop and the stored trajectory), and raises no false alarm on heavy ball's
// non-monotone transients, near-edge contractions, or a run started at its fixed point.
// The step is set on the problem directly, bypassing the contraction check that would
// refuse it up front.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "hyperpetsc/inner/divergence_monitor.hpp"
#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "ridge_truth.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
using hp::test::collective_user_error;

class Divergence : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.type = "ridge_l2";
    spec_.n_train = 60;
    spec_.features = 10;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    ref_ = std::make_unique<hp::test::DenseReference>(spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -3.0); });
    truth_ = hp::test::ridge_truth(*ref_, hp::test::gather_all(*problem_, lambda_));
  }
  // t steps of `solver` with step η from w_0 (0 unless given); the error message or "<none>".
  // With a trajectory, largest_growth_ = max_i ‖w_i − w_{i−1}‖ / ‖w_1 − w_0‖ over the run.
  std::string run(double eta, const hp::InnerSolver& solver, PetscInt t, bool trajectory,
                  Vec w0 = nullptr, std::vector<double>* w_t = nullptr) {
    hp::test::gradient_step(*problem_).set_step_size(eta);
    Vector w = problem_->create_inner_vector();
    if (w0) HP_CALL(VecCopy(w0, w));
    hp::Trajectory traj;
    const std::string msg = collective_user_error(
        PETSC_COMM_WORLD, [&] { solver.run(*problem_, lambda_, w, t, trajectory ? &traj : nullptr); });
    if (w_t) *w_t = hp::test::gather_all(*problem_, w);
    largest_growth_ = 0;
    if (trajectory && msg == "<none>") {
      Vector diff = problem_->create_inner_vector();
      double first = 0;
      for (PetscInt i = 1; i <= t; ++i) {
        double s = 0;
        HP_CALL(VecWAXPY(diff, -1.0, traj.w[i - 1], traj.w[i]));
        HP_CALL(VecNorm(diff, NORM_2, &s));
        if (i == 1) first = s;
        largest_growth_ = std::max(largest_growth_, s / first);
      }
    }
    return msg;
  }
  double largest_growth_ = 0;

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  std::unique_ptr<hp::test::DenseReference> ref_;
  Vector lambda_;
  hp::test::RidgeTruth truth_;
  const hp::MomentumIteration gd_{"gradient_descent", 0.0};
};

TEST(DivergenceMonitor, ChecksTheFirstStepEvery32ndAndTheLast) {
  const hp::DivergenceMonitor m("gradient_descent", 0.0, 100);
  std::vector<PetscInt> due;
  for (PetscInt i = 1; i <= 100; ++i)
    if (m.due(i)) due.push_back(i);
  EXPECT_EQ(due, (std::vector<PetscInt>{1, 32, 64, 96, 100}));
}

// A step of 2.2/L grows the top mode by 1.2 per step: past 1e3 times the first step
// within 64 steps, reported at the check that sees it, in both code paths.
TEST_F(Divergence, AGrowingStepIsReportedAtTheStepThatShowsIt) {
  for (bool trajectory : {false, true}) {
    const std::string msg = run(2.2 / truth_.L, gd_, 500, trajectory);
    EXPECT_HAS(msg, "diverge");
    EXPECT_HAS(msg, "at step 64 of 500");
    EXPECT_HAS(msg, "lower inner.step_size or use inner.step_size: auto");
    EXPECT_HAS(msg, "gradient_descent");
  }
  // A short run is judged at its last step.
  EXPECT_HAS(run(3.0 / truth_.L, gd_, 20, false), "at step 20 of 20");
  // Growth without bound becomes Inf/NaN: still the same error, not a crash or a result.
  EXPECT_HAS(run(1e6 / truth_.L, gd_, 200, true), "diverge");
  // Heavy ball past 2(1 + β)/L.
  EXPECT_HAS(run(3.3 / truth_.L, hp::MomentumIteration("heavy_ball", 0.5), 500, false), "heavy_ball");
}

// Contractions never trip it: heavy ball with strong momentum just inside its edge (its
// steps oscillate and grow before they shrink), gradient descent at 1.99/L, and a run that
// starts at its fixed point (first step 0, later ones rounding noise).
TEST_F(Divergence, NoFalseAlarmOnContractions) {
  std::vector<double> w;
  for (double beta : {0.9, 0.99}) {
    const hp::MomentumIteration hb("heavy_ball", beta);
    for (bool trajectory : {false, true}) {
      EXPECT_EQ(run(1.99 * (1 + beta) / truth_.L, hb, 600, trajectory), "<none>") << "beta " << beta;
      // Heavy ball from rest at a small step: its steps grow ~1/(1 − β) before they shrink.
      EXPECT_EQ(run(0.01 / truth_.L, hb, 400, trajectory), "<none>") << "beta " << beta;
      if (trajectory) {  // the case means something: gradient descent's steps never grow
        EXPECT_GT(largest_growth_, 5.0) << "beta " << beta;
      }
    }
  }
  EXPECT_EQ(run(1.99 / truth_.L, gd_, 2000, false, nullptr, &w), "<none>");
  EXPECT_LT(hp::test::rel_err(w, truth_.w), 1e-6);
  Vector start = problem_->create_inner_vector();
  hp::test::fill(*problem_, start, truth_.w);
  EXPECT_EQ(run(1.0 / truth_.L, gd_, 200, false, start), "<none>");
  EXPECT_EQ(run(1.0 / truth_.L, hp::MomentumIteration("heavy_ball", 0.9), 200, true, start), "<none>");
}

// The rule itself on crafted iterates: s_i against 1e3·s_1/(1 − β), rounding noise after
// a zero first step, non-finite values; the same message on every rank.
TEST(DivergenceMonitor, TheRuleOnCraftedSteps) {
  Vector a, b;
  HP_CALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, 9, a.out()));
  HP_CALL(VecDuplicate(a, b.out()));
  HP_CALL(VecSet(a, 1.0));
  auto step = [&](hp::DivergenceMonitor& m, PetscInt i, double size) {  // ‖b − a‖ = size
    HP_CALL(VecSet(b, 1.0 + size / 3.0));
    return collective_user_error(PETSC_COMM_WORLD, [&] { m.check(i, b, a); });
  };
  hp::DivergenceMonitor gd("gradient_descent", 0.0, 100);
  EXPECT_EQ(step(gd, 1, 1e-3), "<none>");
  EXPECT_EQ(step(gd, 32, 0.99), "<none>");
  EXPECT_HAS(step(gd, 64, 1.01), "at step 64 of 100");
  hp::DivergenceMonitor hb("heavy_ball", 0.9, 100);
  EXPECT_EQ(step(hb, 1, 1e-3), "<none>");
  EXPECT_EQ(step(hb, 32, 9.9), "<none>");
  EXPECT_HAS(step(hb, 64, 10.1), "heavy_ball");
  // First step 0 (started at the fixed point): rounding noise later is not divergence.
  hp::DivergenceMonitor still("gradient_descent", 0.0, 100);
  EXPECT_EQ(step(still, 1, 0.0), "<none>");
  EXPECT_EQ(step(still, 32, 1e-13), "<none>");
  EXPECT_HAS(step(still, 64, 1e-6), "diverge");
  hp::DivergenceMonitor inf("gradient_descent", 0.0, 100);
  EXPECT_EQ(step(inf, 1, 1.0), "<none>");
  EXPECT_HAS(step(inf, 100, INFINITY), "not finite at step 100 of 100");
}

}  // namespace
