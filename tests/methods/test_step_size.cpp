// The step-size selector: auto is 1/L_max with L_max ≥ sup‖∇²L‖ (and tight where it is
// attained), estimates are reused for the same λ (and w_0) values and recomputed when
// they change, the refusal still applies to a reused estimate, and η is the same for any
// rank count.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "hyperpetsc/inner/step_size.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
using hp::test::collective_user_error;

double lambda_at(PetscInt j) { return hp::test::lambda_formula(j, -3.0); }

hp::InnerSettings numeric(double eta, const std::string& solver = "gradient_descent", double beta = 0.0) {
  hp::InnerSettings s;
  s.step_auto = false;
  s.step_size = eta;
  s.solver = solver;
  s.momentum = beta;
  return s;
}

// Largest eigenvalue of the dense Hessian at (w, λ), from the independent reference.
double dense_hessian_norm(const hp::test::DenseReference& ref, const hp::BilevelProblem& p, Vec w,
                          Vec lambda) {
  return hp::test::symmetric_eigenvalues(
             ref.hessian(hp::test::gather_all(p, w), hp::test::gather_all(p, lambda)), ref.inner_size())
      .back();
}

// Ridge with one shared λ: ∇²L = XᵀX/n + e^λ I everywhere, so L_max is attained and auto
// must give η = 1/‖∇²L‖ up to the Lanczos tolerance, from above in L (below in η).
TEST(StepSize, AutoIsOneOverTheHessianNormWhereTheBoundIsAttained) {
  hp::test::SmallSpec spec;
  spec.shared = true;
  auto problem = hp::test::make_small_problem(PETSC_COMM_WORLD, spec);
  hp::test::DenseReference ref(spec);
  Vector lambda = problem->create_outer_vector(), w0 = problem->create_inner_vector();
  HP_CALL(VecSet(lambda, -3.0));
  const double h = dense_hessian_norm(ref, *problem, w0, lambda);
  hp::InnerSettings automatic;
  const hp::StepSizeChoice c = hp::StepSizeSelector(*problem).configure(automatic, lambda, w0);
  EXPECT_LE(c.step_size * h, 1.0 + 1e-12);
  EXPECT_GE(c.step_size * h, 1.0 - 1e-8);
  EXPECT_EQ(hp::test::gradient_step(*problem).step_size(), c.step_size);
  EXPECT_GT(c.seconds, 0.0);
  EXPECT_FALSE(c.reused);
}

TEST(StepSize, EstimatesAreReusedForTheSameValuesOnly) {
  hp::test::SmallSpec spec;
  spec.type = "logistic_l2";
  spec.classes = 3;
  auto problem = hp::test::make_small_problem(PETSC_COMM_WORLD, spec);
  hp::test::DenseReference ref(spec);
  Vector lambda = problem->create_outer_vector(), w0 = problem->create_inner_vector();
  hp::test::fill(*problem, lambda, lambda_at);
  hp::StepSizeSelector selector(*problem);
  hp::InnerSettings automatic;

  const hp::StepSizeChoice first = selector.configure(automatic, lambda, w0);
  EXPECT_FALSE(first.reused);
  const hp::StepSizeChoice again = selector.configure(automatic, lambda, w0);
  EXPECT_TRUE(again.reused);
  EXPECT_EQ(again.step_size, first.step_size);
  // Another Vec with the same values is the same key (an outer loop refills λ).
  Vector copy = problem->create_outer_vector();
  hp::test::fill(*problem, copy, lambda_at);
  EXPECT_TRUE(selector.configure(automatic, copy, w0).reused);
  // Raising the largest penalty changes L_max: recomputed, and η drops.
  hp::test::fill(*problem, copy, [](PetscInt j) { return j == 3 ? 2.0 : lambda_at(j); });
  const hp::StepSizeChoice raised = selector.configure(automatic, copy, w0);
  EXPECT_FALSE(raised.reused);
  EXPECT_LT(raised.step_size, first.step_size);
  const std::vector<double> old_lambda = hp::test::gather_all(*problem, lambda);
  const double old_max = *std::max_element(old_lambda.begin(), old_lambda.end());
  EXPECT_NEAR(1.0 / raised.step_size - 1.0 / first.step_size, std::exp(2.0) - std::exp(old_max),
              1e-9 / first.step_size);

  // A number: the estimate ‖∇²L(w_0)‖ is keyed on λ and w_0.
  const double h = dense_hessian_norm(ref, *problem, w0, lambda);
  const hp::StepSizeChoice n1 = selector.configure(numeric(1.9 / h), lambda, w0);
  EXPECT_FALSE(n1.reused);
  EXPECT_NEAR(n1.curvature, h, 1e-6 * h);
  EXPECT_LE(n1.curvature, h * (1 + 1e-12));
  EXPECT_TRUE(selector.configure(numeric(1.5 / h), lambda, w0).reused);
  // The refusal applies to a reused estimate too.
  EXPECT_HAS(collective_user_error(PETSC_COMM_WORLD,
                                   [&] { selector.configure(numeric(2.1 / h), lambda, w0); }),
             "non-contractive");
  // Heavy ball contracts up to 2(1 + β)/‖∇²L‖.
  EXPECT_NO_THROW(selector.configure(numeric(2.1 / h, "heavy_ball", 0.5), lambda, w0));
  // Another w_0 (a warm start): recomputed, at the Hessian there.
  Vector w1 = problem->create_inner_vector();
  hp::test::fill(*problem, w1, [](PetscInt i) { return 30.0 * hp::test::w_formula(i); });
  const hp::StepSizeChoice n2 = selector.configure(numeric(1.0 / h), lambda, w1);
  EXPECT_FALSE(n2.reused);
  const double h1 = dense_hessian_norm(ref, *problem, w1, lambda);
  EXPECT_LE(n2.curvature, h1 * (1 + 1e-12));  // 20 Lanczos steps: a lower estimate,
  EXPECT_GE(n2.curvature, h1 * (1 - 1e-3));   // close (clustered top eigenvalues here)
  EXPECT_GT(std::fabs(h1 - h), 1e-2 * h);  // the test means something: the Hessians differ
  // The auto estimate (last computed at the raised λ) was not disturbed by the numeric ones.
  EXPECT_TRUE(selector.configure(automatic, copy, w0).reused);
}

// η from `auto` and ‖∇²L(w_0)‖ on PETSC_COMM_WORLD equal those on PETSC_COMM_SELF: the
// Lanczos start vectors depend on natural feature indices only (sparse_text data make the
// balanced feature distribution a real permutation).
TEST(StepSize, EstimatesAreTheSameForAnyRankCount) {
  for (const char* generator : {"gaussian", "sparse_text"}) {
    hp::test::SmallSpec spec;
    spec.type = "logistic_l2";
    spec.classes = 4;
    spec.generator = generator;
    spec.features = 70;
    spec.n_train = 90;
    std::vector<double> eta, h0;
    for (MPI_Comm comm : {PETSC_COMM_WORLD, PETSC_COMM_SELF}) {
      auto problem = hp::test::make_small_problem(comm, spec);
      Vector lambda = problem->create_outer_vector(), w0 = problem->create_inner_vector();
      hp::test::fill(*problem, lambda, lambda_at);
      hp::test::fill(*problem, w0, hp::test::w_formula);
      hp::StepSizeSelector selector(*problem);
      eta.push_back(selector.configure(hp::InnerSettings{}, lambda, w0).step_size);
      h0.push_back(selector.configure(numeric(1e-3), lambda, w0).curvature);
    }
    EXPECT_NEAR(eta[0], eta[1], 1e-12 * eta[1]) << generator;
    EXPECT_NEAR(h0[0], h0[1], 1e-12 * h0[1]) << generator;
  }
}

}  // namespace
