// inner.solver: tao — L and its derivatives against the dense reference, the inner.tol
// stopping rule (cold-start reference, warm starts), AID with a tight TAO solve against
// exact, and the refusals: ITD, options PETSc rejects, TAO types that cannot minimise L.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/engine/hypergradient_session.hpp"
#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/inner/tao_inner_solver.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/scoped_options.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
using hp::test::gather_all;
using hp::test::rel_err;

// logistic_l2 with 3 classes and 30 features, λ around −6: ∇²L is far from a multiple of
// the identity (the penalties spread over e^{−6.5}..e^{−5.5}), so a quasi-Newton method
// has something to learn and gradient descent needs hundreds of steps.
class TaoInner : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.type = "logistic_l2";
    spec_.classes = 3;
    spec_.features = 30;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    ref_ = std::make_unique<hp::test::DenseReference>(spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -6.0); });
    hp::test::configure_auto_step(*problem_, lambda_);
  }

  hp::GradientStepProblem& objective() { return hp::test::gradient_step(*problem_); }

  // ‖∇L(w)‖.
  double gradient_norm(Vec w) {
    Vector g = problem_->create_inner_vector();
    objective().inner_gradient(w, lambda_, g);
    double n = 0;
    HP_CALL(VecNorm(g, NORM_2, &n));
    return n;
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  std::unique_ptr<hp::test::DenseReference> ref_;
  Vector lambda_;
};

// L(w, λ) = ℓ_train(XW) + ½ Σ_j e^{λ_j} ‖W_j‖², its gradient and ∇²L·v, against the
// dense reference's own formulas.
TEST_F(TaoInner, ObjectiveGradientAndHessianMatchTheDenseReference) {
  Vector w = problem_->create_inner_vector(), g = problem_->create_inner_vector();
  hp::test::fill(*problem_, w, [](PetscInt i) { return hp::test::w_formula(i); });
  const std::vector<double> W = gather_all(*problem_, w), lambda = gather_all(*problem_, lambda_);
  const double f = objective().inner_objective_gradient(w, lambda_, g);
  const double expected = ref_->training_objective(W, lambda);
  EXPECT_NEAR(f, expected, 1e-13 * std::fabs(expected));
  EXPECT_LT(rel_err(gather_all(*problem_, g), ref_->training_gradient(W, lambda)), 1e-12);

  Vector v = problem_->create_inner_vector(), hv = problem_->create_inner_vector();
  hp::test::fill(*problem_, v, [](PetscInt i) { return std::cos(0.37 * static_cast<double>(i)); });
  problem_->linearize(w, lambda_);
  objective().inner_hessian_vector(v, hv);
  const std::vector<double> H = ref_->hessian(W, lambda);
  EXPECT_LT(rel_err(gather_all(*problem_, hv), hp::test::matvec(H, gather_all(*problem_, v), ref_->inner_size())),
            1e-12);
}

// inner.tol: ‖∇L(w_t)‖ <= tol·‖∇L(0)‖, in far fewer iterations than gradient descent takes;
// a warm start that already meets it (the reference is the cold start) takes none.
TEST_F(TaoInner, LmvmStopsAtTheRelativeGradientTolerance) {
  const hp::TaoInnerSolver tao("tao");
  Vector w = problem_->create_inner_vector();
  const double g0 = gradient_norm(w);
  const double tol = 1e-6;
  const PetscInt its = tao.run(*problem_, lambda_, w, 1000, nullptr, tol);
  const double g = gradient_norm(w);
  RecordProperty("lmvm_iterations", static_cast<int>(its));
  EXPECT_LE(g, tol * g0);
  EXPECT_GT(g, 1e-3 * tol * g0) << "it should stop at the tolerance, not run on to rounding";
  EXPECT_LT(its, 200);

  hp::MomentumIteration gd("gradient_descent", 0.0);
  Vector wg = problem_->create_inner_vector();
  const PetscInt gd_its = gd.run(*problem_, lambda_, wg, 100000, nullptr, tol);
  RecordProperty("gradient_descent_iterations", static_cast<int>(gd_its));
  EXPECT_LT(5 * its, gd_its);

  EXPECT_EQ(tao.run(*problem_, lambda_, w, 1000, nullptr, tol), 0) << "warm start at the tolerance already";
  // Tighter from there: continues, and again meets the cold-start reference.
  EXPECT_GT(tao.run(*problem_, lambda_, w, 1000, nullptr, 1e-3 * tol), 0);
  EXPECT_LE(gradient_norm(w), 1e-3 * tol * g0);
}

// inner.iterations is TAO's iteration cap, and t = 0 leaves w_0 as it is.
TEST_F(TaoInner, IterationsCapTheSolve) {
  const hp::TaoInnerSolver tao("tao");
  Vector w = problem_->create_inner_vector();
  EXPECT_EQ(tao.run(*problem_, lambda_, w, 0, nullptr, 0.0), 0);
  double norm = 0;
  HP_CALL(VecNorm(w, NORM_INFINITY, &norm));
  EXPECT_EQ(norm, 0.0);
  EXPECT_EQ(tao.run(*problem_, lambda_, w, 7, nullptr, 0.0), 7);
  EXPECT_GT(gradient_norm(w), 0.0);
}

// AID does not care how w_t was obtained: with a tight TAO solve, aid_cg equals exact.
TEST_F(TaoInner, AidWithATightTaoSolveMatchesExact) {
  const hp::TaoInnerSolver tao("tao");
  hp::MomentumIteration gd("gradient_descent", 0.0);
  const hp::test::Run exact = hp::test::run_method(*problem_, "exact", lambda_, gd, 0, 0);
  auto aid = hp::make_method("aid_cg");
  Vector w = problem_->create_inner_vector();
  hp::HypergradientRequest req;
  req.lambda = lambda_;
  req.w = w;
  req.t = 2000;
  req.inner_tol = 1e-10;
  req.k = 2000;
  req.tol = 1e-12;
  const hp::HypergradientResult r = aid->compute(*problem_, tao, req);
  EXPECT_LT(rel_err(gather_all(*problem_, r.hypergradient), exact.g), 1e-6) << "TAO iterations " << r.t;
  // and with a loose one it is visibly off (the test can fail).
  Vector w2 = problem_->create_inner_vector();
  req.w = w2;
  req.inner_tol = 1e-2;
  const hp::HypergradientResult loose = aid->compute(*problem_, tao, req);
  EXPECT_GT(rel_err(gather_all(*problem_, loose.hypergradient), exact.g), 1e-4);
}

// Newton types use the shell Hessian (∇²L·v) with an L-BFGS preconditioner.
TEST_F(TaoInner, NewtonTypesUseTheHessianProducts) {
  hp::ScopedPetscOptions options("-inner_tao_type nls");
  const hp::TaoInnerSolver tao("tao");
  Vector w = problem_->create_inner_vector();
  const double g0 = gradient_norm(w);
  const PetscInt its = tao.run(*problem_, lambda_, w, 100, nullptr, 1e-10);
  EXPECT_LE(gradient_norm(w), 1e-10 * g0);
  EXPECT_LE(its, 15) << "Newton converges in a few iterations";
}

TEST_F(TaoInner, ItdCannotDifferentiateThroughTao) {
  const hp::TaoInnerSolver tao("tao");
  const std::string msg = hp::test::collective_user_error(
      PETSC_COMM_WORLD, [&] { hp::test::run_method(*problem_, "itd", lambda_, tao, 10, 10); });
  EXPECT_HAS(msg, "inner.solver: tao");
  EXPECT_HAS(msg, "ITD");
}

TEST_F(TaoInner, OptionsPetscRejectsAreUserErrorsOnEveryRank) {
  for (const char* type : {"not_a_tao_type", "nm", "pounders", "almm"}) {
    hp::ScopedPetscOptions options(std::string("-inner_tao_type ") + type);
    const hp::TaoInnerSolver tao("tao");
    Vector w = problem_->create_inner_vector();
    const std::string msg =
        hp::test::collective_user_error(PETSC_COMM_WORLD, [&] { tao.run(*problem_, lambda_, w, 10, nullptr, 0.0); });
    EXPECT_HAS(msg, "-inner_");
    EXPECT_HAS(msg, type);
  }
}

// ---------------------------------------------------------------- settings and session

std::string settings_error(const std::string& inner, const std::string& method) {
  return hp::test::user_error_of([&] {
    hp::settings_from_text("problem: {type: logistic_l2, train: {format: synthetic}, val: {format: synthetic}}\n"
                           "inner: " + inner + "\nhypergradient: {method: " + method + "}\n",
                           "<test>", ".", {});
  });
}

TEST(TaoSettings, ItdAndTruncatedItdRefuseTaoWhenTheSettingsAreRead) {
  for (const char* method : {"itd", "truncated_itd"}) {
    const std::string msg = settings_error("{solver: tao}", method);
    EXPECT_HAS(msg, "<test>: inner.solver (line 2)");
    EXPECT_HAS(msg, std::string("hypergradient.method: ") + method);
    EXPECT_HAS(msg, "aid_");
  }
  EXPECT_EQ(settings_error("{solver: tao}", "aid_cg"), "(no error)");
  EXPECT_EQ(settings_error("{solver: tao}", "aid_bcgs"), "(no error)");
  EXPECT_EQ(settings_error("{solver: heavy_ball}", "itd"), "(no error)");
  EXPECT_HAS(settings_error("{solver: tao, momentum: 0.5}", "aid_cg"), "inner.momentum");
}

TEST(TaoSession, SessionRunsTheConfiguredTaoSolverAndWarmStarts) {
  hp::test::SmallSpec spec;
  spec.type = "logistic_l2";
  spec.classes = 3;
  spec.features = 30;
  hp::Settings s = hp::test::small_settings(spec);
  s.hyperparameters.init = -3.0;
  s.inner.solver = "tao";
  s.inner.iterations = 500;
  s.inner.tol.tol = 1e-8;
  s.hypergradient.iterations = 500;
  s.hypergradient.tol.tol = 1e-10;
  hp::HypergradientSession session(PETSC_COMM_WORLD, s);
  EXPECT_EQ(session.inner().name(), "tao");
  EXPECT_EQ(session.inner().momentum(), 0.0);
  auto cg = hp::make_method("aid_cg");
  const hp::HypergradientResult cold = session.compute(*cg);
  EXPECT_GT(cold.t, 0);
  const hp::HypergradientResult warm = session.compute(*cg, {true, true});
  EXPECT_EQ(warm.t, 0) << "w_0 = the previous w_t already meets inner.tol";
  EXPECT_LT(hp::test::relative_difference(warm.hypergradient, cold.hypergradient), 1e-8);
}

}  // namespace
