// A direct λ term in the outer objective, E'(w, λ) = E(w) + ½ μ ‖λ − λ₀‖²: every method's
// hypergradient must include ∇_λE' = μ (λ − λ₀), with the right sign, as central finite
// differences show. μ is chosen so that the direct term is as large as the implicit one:
// dropping it or subtracting it is then an error of order 1.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <string>
#include <vector>

#include "direct_term_problem.hpp"
#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/methods/exact_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
using hp::test::rel_err;

struct Case {
  const char* label;
  const char* type;
  PetscInt classes;
  bool shared;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

const Case kCases[] = {
    {"ridge", "ridge_l2", 0, false},
    {"logistic", "logistic_l2", 3, false},
    {"logistic_shared", "logistic_l2", 3, true},
};

double lambda_shift(PetscInt j) { return 0.3 * std::cos(0.9 * static_cast<double>(j) + 0.4); }

class DirectOuterTerm : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    spec_.type = c.type;
    spec_.classes = c.classes;
    spec_.shared = c.shared;
    spec_.features = 12;
    base_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    lambda_ = base_->create_outer_vector();
    auto lambda_at = [](PetscInt j) { return hp::test::lambda_formula(j, -2.0); };
    hp::test::fill(*base_, lambda_, lambda_at);
    hp::test::configure_auto_step(*base_, lambda_);
    w0_ = base_->create_inner_vector();
    hp::test::fill(*base_, w0_, hp::test::w_formula);
    // μ‖λ − λ₀‖ = ‖implicit part‖ at this λ.
    const std::vector<double> implicit = hp::test::run_method(*base_, "exact", lambda_, gd_, 0, 0).g;
    std::vector<double> shift(implicit.size());
    for (size_t j = 0; j < shift.size(); ++j) shift[j] = lambda_shift(static_cast<PetscInt>(j));
    const double mu = hp::test::norm2(implicit) / hp::test::norm2(shift);
    ASSERT_GT(mu, 0.0);
    problem_ = std::make_unique<hp::test::DirectTermProblem>(
        *base_, mu, [&](PetscInt j) { return lambda_at(j) - lambda_shift(j); });
  }

  // Central differences of λ ↦ `f(λ)` at λ.
  std::vector<double> fd(const std::function<double(Vec)>& f) {
    Vector probe = problem_->create_outer_vector();
    HP_CALL(VecCopy(lambda_, probe));
    return hp::test::fd_coordinates(*problem_, probe, [&] { return f(probe); }, 1e-5);
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> base_;
  std::unique_ptr<hp::test::DirectTermProblem> problem_;
  Vector lambda_, w0_;
  hp::MomentumIteration gd_{"gradient_descent", 0.0};
};

// ITD: the derivative of λ ↦ E'(w_t(λ), λ), t steps from w_0.
TEST_P(DirectOuterTerm, ItdIncludesTheDirectTerm) {
  const PetscInt t = 4;
  const std::vector<double> expected = fd([&](Vec lambda) {
    Vector w = problem_->create_inner_vector();
    HP_CALL(VecCopy(w0_, w));
    gd_.run(*problem_, lambda, w, t, nullptr);
    return problem_->outer_objective(w, lambda);
  });
  EXPECT_LT(rel_err(hp::test::run_method(*problem_, "itd", lambda_, gd_, t, 0, 0.0, w0_).g, expected), 1e-6);
}

// Implicit methods: the derivative of f(λ) = E'(w(λ), λ) at the fixed point w(λ), solved
// to 1e-12 for every probe.
TEST_P(DirectOuterTerm, ImplicitMethodsIncludeTheDirectTerm) {
  const std::vector<double> expected = fd([&](Vec lambda) {
    Vector w = problem_->create_inner_vector();
    PetscInt linear_its = 0;
    hp::ExactMethod::solve_inner(*problem_, lambda, w, &linear_its);
    return problem_->outer_objective(w, lambda);
  });
  EXPECT_LT(rel_err(hp::test::run_method(*problem_, "exact", lambda_, gd_, 0, 0).g, expected), 1e-6);
  // aid_cg from the fixed point, with enough iterations to solve the adjoint system.
  Vector wstar = problem_->create_inner_vector();
  PetscInt linear_its = 0;
  hp::ExactMethod::solve_inner(*problem_, lambda_, wstar, &linear_its);
  EXPECT_LT(rel_err(hp::test::run_method(*problem_, "aid_cg", lambda_, gd_, 0, 300, 1e-13, wstar).g, expected), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Problems, DirectOuterTerm, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
