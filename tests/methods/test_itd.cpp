// ITD with t steps is the exact gradient of λ ↦ E(w_t(λ)): central finite differences of
// that function (the inner solver run by the test itself) must agree, for gradient descent
// and heavy ball, on ridge_l2 and logistic_l2, from w_0 = 0 and from a non-zero w_0 (with
// w_0 = 0 the step-0 term ∂_λΦ(w_0)ᵀa_1 = −η e^λ ⊙ w_0 ⊙ a_1 vanishes, so a backward pass
// that stops before step 0 would pass the w_0 = 0 test).
#include <gtest/gtest.h>
#include <petscvec.h>

#include <string>
#include <vector>

#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
using hp::test::gather_all;
using hp::test::rel_err;

struct Case {
  const char* label;
  const char* type;
  PetscInt classes;
  bool shared;
  const char* solver;
  double momentum;
  PetscInt n_train = 80;
  PetscInt features = 20;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

const Case kCases[] = {
    {"ridge_gd", "ridge_l2", 0, false, "gradient_descent", 0.0},
    {"ridge_heavy_ball", "ridge_l2", 0, false, "heavy_ball", 0.5},
    {"logistic_gd", "logistic_l2", 3, false, "gradient_descent", 0.0},
    {"logistic_heavy_ball", "logistic_l2", 3, false, "heavy_ball", 0.5},
    {"logistic_shared_heavy_ball", "logistic_l2", 3, true, "heavy_ball", 0.5},
    {"logistic_wide_gd", "logistic_l2", 3, false, "gradient_descent", 0.0, 20, 30},  // d > n
};

class ItdDerivative : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    spec_.type = c.type;
    spec_.classes = c.classes;
    spec_.shared = c.shared;
    spec_.n_train = c.n_train;
    spec_.n_val = 60;
    spec_.features = c.features;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -2.0); });
    hp::test::configure_auto_step(*problem_, lambda_, c.solver, c.momentum);
    inner_ = hp::MomentumIteration(c.solver, c.momentum);
  }

  // E(w_t(λ)) from w_0 (0 if null), the inner solver run here.
  double unrolled_objective(Vec lambda, PetscInt t, Vec w0 = nullptr) {
    Vector w = problem_->create_inner_vector();
    if (w0) HP_CALL(VecCopy(w0, w));
    inner_.run(*problem_, lambda, w, t, nullptr);
    return problem_->outer_objective(w, lambda);
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  Vector lambda_;
  hp::MomentumIteration inner_{"gradient_descent", 0.0};
};

TEST_P(ItdDerivative, EqualsFiniteDifferencesOfTheUnrolledObjective) {
  for (PetscInt t : {2, 5}) {
    const hp::test::Run r = hp::test::run_method(*problem_, "itd", lambda_, inner_, t, 0);
    Vector probe = problem_->create_outer_vector();
    HP_CALL(VecCopy(lambda_, probe));
    const std::vector<double> fd =
        hp::test::fd_coordinates(*problem_, probe, [&] { return unrolled_objective(probe, t); }, 1e-5);
    EXPECT_LT(rel_err(r.g, fd), 1e-6) << "t = " << t;
    EXPECT_NEAR(r.result.outer_objective, unrolled_objective(lambda_, t), 1e-14);
    EXPECT_EQ(r.result.t, t);
    EXPECT_EQ(r.result.k, t);
  }
}

TEST_P(ItdDerivative, EqualsFiniteDifferencesFromANonZeroStart) {
  Vector w0 = problem_->create_inner_vector();
  hp::test::fill(*problem_, w0, hp::test::w_formula);
  for (PetscInt t : {1, 2, 5}) {
    const hp::test::Run r = hp::test::run_method(*problem_, "itd", lambda_, inner_, t, 0, 0.0, w0);
    Vector probe = problem_->create_outer_vector();
    HP_CALL(VecCopy(lambda_, probe));
    const std::vector<double> fd =
        hp::test::fd_coordinates(*problem_, probe, [&] { return unrolled_objective(probe, t, w0); }, 1e-5);
    EXPECT_LT(rel_err(r.g, fd), 1e-6) << "t = " << t;
    EXPECT_NEAR(r.result.outer_objective, unrolled_objective(lambda_, t, w0), 1e-14);
  }
}

// truncated_itd over K ≥ t steps is the full backward pass.
TEST_P(ItdDerivative, TruncatedItdWithKEqualToTIsItd) {
  const PetscInt t = 7;
  const std::vector<double> itd = hp::test::run_method(*problem_, "itd", lambda_, inner_, t, 0).g;
  for (PetscInt K : {t, t + 5}) {
    const hp::test::Run r = hp::test::run_method(*problem_, "truncated_itd", lambda_, inner_, t, K);
    EXPECT_LT(rel_err(r.g, itd), 1e-14) << "K = " << K;
    EXPECT_EQ(r.result.k, t);
  }
  // Fewer steps drop terms: not equal any more (the comparison above can fail).
  EXPECT_GT(rel_err(hp::test::run_method(*problem_, "truncated_itd", lambda_, inner_, t, 2).g, itd), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Problems, ItdDerivative, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
