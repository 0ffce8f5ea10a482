// The session below the CLI: settings -> problem, inner solver and step, and warm starts.
#include <gtest/gtest.h>

#include <cmath>

#include "hyperpetsc/engine/hypergradient_session.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {


hp::Settings logistic_settings() {
  hp::test::SmallSpec spec;
  spec.type = "logistic_l2";
  spec.classes = 3;
  spec.features = 30;
  hp::Settings s = hp::test::small_settings(spec);
  s.hyperparameters.init = -4.0;
  return s;
}

TEST(Session, WarmAdjointAtUnchangedLambdaNeedsFarFewerIterationsAndGivesTheSameHypergradient) {
  hp::Settings s = logistic_settings();
  s.inner.iterations = 60;
  s.hypergradient.iterations = 1000;
  s.hypergradient.tol.tol = 1e-9;
  hp::HypergradientSession session(PETSC_COMM_WORLD, s);
  auto cg = hp::make_method("aid_cg");
  const hp::HypergradientResult cold = session.compute(*cg);
  ASSERT_GT(cold.linear_solver_iterations, 10) << "the solve must be non-trivial";
  RecordProperty("cold_iterations", static_cast<int>(cold.linear_solver_iterations));
  // Same λ, same w_t (the inner solve starts from 0 again), v_0 = the previous v_k.
  const hp::HypergradientResult warm = session.compute(*cg, {false, true});
  RecordProperty("warm_iterations", static_cast<int>(warm.linear_solver_iterations));
  EXPECT_LE(warm.linear_solver_iterations * 5, cold.linear_solver_iterations)
      << "cold " << cold.linear_solver_iterations << ", warm " << warm.linear_solver_iterations;
  EXPECT_LT(hp::test::relative_difference(warm.hypergradient, cold.hypergradient), 1e-7);
  // A cold call after a warm one is cold again: the same iterations as the first.
  const hp::HypergradientResult again = session.compute(*cg);
  EXPECT_EQ(again.linear_solver_iterations, cold.linear_solver_iterations);
  EXPECT_LT(hp::test::relative_difference(again.hypergradient, cold.hypergradient), 1e-13);
}

TEST(Session, WarmInnerContinuesFromThePreviousIterate) {
  hp::Settings s = logistic_settings();
  s.inner.iterations = 20;
  s.hypergradient.iterations = 200;
  s.hypergradient.tol.tol = 1e-10;
  hp::HypergradientSession session(PETSC_COMM_WORLD, s);
  auto cg = hp::make_method("aid_cg");
  session.compute(*cg);
  const hp::HypergradientResult warm = session.compute(*cg, {true, true});  // w_0 = w_20: 40 steps in all
  hp::HypergradientSession fresh(PETSC_COMM_WORLD, s);
  fresh.settings().inner.iterations = 40;
  const hp::HypergradientResult cold40 = fresh.compute(*cg);
  EXPECT_NEAR(warm.outer_objective, cold40.outer_objective, 1e-12 * std::fabs(cold40.outer_objective));
  EXPECT_LT(hp::test::relative_difference(warm.hypergradient, cold40.hypergradient), 1e-8);
  EXPECT_LT(warm.linear_solver_iterations, cold40.linear_solver_iterations);
}

// The solver the settings name is the one that runs: heavy ball with the configured β,
// checked against its recursion w_{i+1} = Φ(w_i) + β(w_i − w_{i−1}), w_{−1} = w_0.
TEST(Session, ConfiguredInnerSolverFollowsItsFormula) {
  for (const char* yaml : {"{solver: heavy_ball, momentum: 0.6, iterations: 15, step_size: 0.05}",
                           "{solver: gradient_descent, iterations: 15, step_size: 0.05}"}) {
    hp::Settings s = logistic_settings();
    const hp::Settings parsed = hp::settings_from_text(
        "problem: {type: logistic_l2, train: {format: synthetic}, val: {format: synthetic}}\ninner: " +
            std::string(yaml), "<test>", ".", {});
    s.inner = parsed.inner;
    hp::HypergradientSession session(PETSC_COMM_WORLD, s);
    const double beta = s.inner.solver == "heavy_ball" ? 0.6 : 0.0;
    EXPECT_EQ(session.inner().momentum(), beta) << yaml;
    hp::BilevelProblem& p = session.problem();
    hp::Vector w = p.create_inner_vector(), prev = p.create_inner_vector(), next = p.create_inner_vector();
    for (PetscInt i = 0; i < s.inner.iterations; ++i) {
      p.apply_map(w, session.lambda(), next);
      if (i > 0) HP_CALL(VecAXPBYPCZ(next, beta, -beta, 1.0, w, prev));
      HP_CALL(VecCopy(w, prev));
      HP_CALL(VecCopy(next, w));
    }
    auto itd = hp::make_method("itd");
    session.compute(*itd);
    EXPECT_LT(hp::test::relative_difference(session.w(), w), 1e-13) << yaml;
  }
}

}  // namespace
