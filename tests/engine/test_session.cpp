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

namespace {

// ‖Φ(w) − w‖ at w, the residual inner.tol measures.
double map_residual(hp::BilevelProblem& p, Vec lambda, Vec w) {
  hp::Vector out = p.create_inner_vector();
  p.apply_map(w, lambda, out);
  HP_CALL(VecAXPY(out, -1.0, w));
  double r = 0;
  HP_CALL(VecNorm(out, NORM_2, &r));
  return r;
}

}  // namespace

TEST(Session, InnerTolStopsAtTheRelativeResidualOfTheColdStart) {
  hp::Settings s = logistic_settings();
  s.inner.iterations = 5000;
  s.inner.tol.tol = 1e-4;
  s.hypergradient.iterations = 300;
  s.hypergradient.tol.tol = 1e-10;
  hp::HypergradientSession session(PETSC_COMM_WORLD, s);
  auto cg = hp::make_method("aid_cg");
  hp::Vector zero = session.problem().create_inner_vector();
  HP_CALL(VecSet(zero, 0.0));
  const double r0 = map_residual(session.problem(), session.lambda(), zero);
  const hp::HypergradientResult r = session.compute(*cg);
  ASSERT_GT(r.t, 1);
  ASSERT_LT(r.t, 5000) << "the tolerance must stop the solver before the cap";
  // Stopped at the first step whose residual was below tol·r0: w_t's own residual is
  // smaller still (a contraction), and the step before was not yet there.
  EXPECT_LE(map_residual(session.problem(), session.lambda(), session.w()), 1e-4 * r0);
  hp::HypergradientSession before(PETSC_COMM_WORLD, s);
  before.settings().inner.tol.tol = 0;
  before.settings().inner.iterations = r.t - 2;
  before.compute(*cg);
  EXPECT_GT(map_residual(before.problem(), before.lambda(), before.w()), 1e-4 * r0);
  // A warm start from w_t is already converged: one step, measured against the cold start.
  const hp::HypergradientResult warm = session.compute(*cg, {true, true});
  EXPECT_EQ(warm.t, 1);
  // ITD stops by the same rule and differentiates through the steps it took.
  auto itd = hp::make_method("itd");
  hp::HypergradientSession fixed(PETSC_COMM_WORLD, s);
  fixed.settings().inner.tol.tol = 0;
  fixed.settings().inner.iterations = r.t;
  const hp::HypergradientResult a = session.compute(*itd);
  const hp::HypergradientResult b = fixed.compute(*itd);
  EXPECT_EQ(a.t, r.t);
  EXPECT_LT(hp::test::relative_difference(a.hypergradient, b.hypergradient), 1e-13);
}

TEST(Session, TolerancesFollowTheirScheduleByOuterStep) {
  hp::ToleranceSchedule g;
  g.tol = 1e-2;
  g.geometric = true;
  g.decay = 0.5;
  g.floor = 1e-4;
  EXPECT_DOUBLE_EQ(g.at(0), 1e-2);
  EXPECT_DOUBLE_EQ(g.at(3), 1.25e-3);
  EXPECT_DOUBLE_EQ(g.at(100), 1e-4);
  hp::ToleranceSchedule c = g;
  c.geometric = false;
  EXPECT_DOUBLE_EQ(c.at(100), 1e-2);
  // The session takes the adjoint tolerance of the outer step it is given: a looser one
  // at step 0 than at step 10.
  hp::Settings s = logistic_settings();
  s.inner.iterations = 60;
  s.hypergradient.iterations = 1000;
  s.hypergradient.tol = g;
  s.hypergradient.tol.tol = 1e-3;
  s.hypergradient.tol.floor = 1e-12;
  hp::HypergradientSession session(PETSC_COMM_WORLD, s);
  auto cg = hp::make_method("aid_cg");
  const hp::HypergradientResult loose = session.compute(*cg, {}, 0);
  const hp::HypergradientResult tight = session.compute(*cg, {}, 10);
  EXPECT_LT(loose.linear_solver_iterations, tight.linear_solver_iterations);
}
