// Iteration counts with tol = 0, no breakdown when the exact solution is reached early,
// and the failure modes: non-contractive steps, indefinite systems, unknown names.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <string>
#include <vector>

#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"
#include "ridge_truth.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
using hp::test::collective_user_error;
using hp::test::gather_all;
using hp::test::rel_err;

// A diagonal affine map Φ(w, λ) = D w + λ with E(w) = ½‖w − target‖²: w* = (I − D)⁻¹ λ,
// ∂_λΦ = I, so the hypergradient is v = (I − D)⁻¹ (w* − target). With some D_i > 1 the
// symmetric operator I − D is indefinite.
class DiagonalProblem final : public hp::BilevelProblem {
 public:
  DiagonalProblem(std::vector<double> diag, std::vector<double> target)
      : diag_(std::move(diag)), target_(std::move(target)) {}
  MPI_Comm comm() const override { return PETSC_COMM_WORLD; }
  std::string name() const override { return "diagonal"; }
  Vector create_inner_vector() const override {
    Vector v;
    HP_CALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, static_cast<PetscInt>(diag_.size()), v.out()));
    HP_CALL(VecSet(v, 0.0));
    return v;
  }
  Vector create_outer_vector() const override { return create_inner_vector(); }
  void apply_map(Vec w, Vec lambda, Vec out) override {
    scale(w, out);
    HP_CALL(VecAXPY(out, 1.0, lambda));
  }
  void linearize(Vec, Vec) override {}
  void map_vjp_inner(Vec v, Vec out) override { scale(v, out); }
  void map_jvp_inner(Vec v, Vec out) override { scale(v, out); }
  void map_vjp_outer(Vec v, Vec out) override { HP_CALL(VecCopy(v, out)); }
  bool jacobian_symmetric() const override { return true; }
  double outer_objective(Vec w, Vec) override {
    const std::vector<double> a = gather_all(w);
    double s = 0;
    for (size_t i = 0; i < a.size(); ++i) s += 0.5 * (a[i] - target_[i]) * (a[i] - target_[i]);
    return s;
  }
  void outer_gradient_inner(Vec w, Vec, Vec out) override {
    HP_CALL(VecCopy(w, out));
    Vector t = create_inner_vector();
    hp::test::fill(t, target_);
    HP_CALL(VecAXPY(out, -1.0, t));
  }
  void outer_gradient_outer(Vec, Vec, Vec out) override { HP_CALL(VecSet(out, 0.0)); }

 private:
  void scale(Vec x, Vec out) const {
    Vector d = create_inner_vector();
    hp::test::fill(d, diag_);
    HP_CALL(VecPointwiseMult(out, d, x));
  }
  std::vector<double> diag_, target_;
};

// A small ridge problem (d = 10 < n) for the iteration-count tests.
class SmallRidge : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.type = "ridge_l2";
    spec_.n_train = 60;
    spec_.n_val = 40;
    spec_.features = 10;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    ref_ = std::make_unique<hp::test::DenseReference>(spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -3.0); });
    eta_ = hp::test::configure_auto_step(*problem_, lambda_);
    truth_ = hp::test::ridge_truth(*ref_, gather_all(*problem_, lambda_));
  }
  hp::test::Run run(const std::string& method, PetscInt t, PetscInt k, double tol = 0.0) {
    return hp::test::run_method(*problem_, method, lambda_, gd_, t, k, tol);
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  std::unique_ptr<hp::test::DenseReference> ref_;
  Vector lambda_;
  double eta_ = 0;
  hp::test::RidgeTruth truth_;
  hp::MomentumIteration gd_{"gradient_descent", 0.0};
};

// tol = 0 means exactly k iterations while the residual is not zero to rounding.
TEST_F(SmallRidge, ToleranceZeroRunsExactlyKIterations) {
  for (const char* method : {"aid_cg", "aid_gmres", "aid_cgne", "aid_fp"}) {
    for (PetscInt k : {1, 4, 7}) {
      const hp::test::Run r = run(method, 300, k);
      EXPECT_EQ(r.result.linear_solver_iterations, k) << method << " k = " << k;
      EXPECT_EQ(r.result.k, k) << method;
      EXPECT_EQ(r.result.converged_reason, "CONVERGED_ITS") << method << " k = " << k;
    }
  }
  // aid_neumann(k) runs k + 1 fixed-point iterations and reports k.
  const hp::test::Run r = run("aid_neumann", 300, 4);
  EXPECT_EQ(r.result.linear_solver_iterations, 5);
  EXPECT_EQ(r.result.k, 4);
  // k = 0: v = v_0 = 0, so the hypergradient is ∇_λE = 0 for these problems.
  for (const char* method : {"aid_cg", "aid_fp"}) {
    const hp::test::Run z = run(method, 300, 0);
    EXPECT_EQ(z.result.linear_solver_iterations, 0) << method;
    EXPECT_EQ(hp::test::norm2(z.g), 0.0) << method;
  }
}

// k ≫ d: CG and GMRES reach the exact solution after ≤ d steps; the remaining iterations
// must neither break down nor spoil the answer.
TEST_F(SmallRidge, KrylovSolversDoNotBreakDownPastTheExactSolution) {
  ASSERT_EQ(ref_->d(), 10);
  for (const char* method : {"aid_cg", "aid_gmres", "aid_cgne"}) {
    hp::test::Run r;
    ASSERT_NO_THROW(r = run(method, 2000, 500)) << method;
    for (double x : r.g) ASSERT_TRUE(std::isfinite(x)) << method;
    EXPECT_LT(rel_err(r.g, truth_.g), 1e-10) << method;
    EXPECT_LE(r.result.linear_solver_iterations, 500) << method;
    EXPECT_NE(r.result.converged_reason.find("CONVERGED"), std::string::npos)
        << method << ": " << r.result.converged_reason;
  }
}

// tol > 0 stops early, on the relative residual.
TEST_F(SmallRidge, PositiveToleranceStopsEarly) {
  for (const char* method : {"aid_cg", "aid_fp"}) {
    const hp::test::Run r = run(method, 2000, 1000, 1e-6);
    EXPECT_EQ(r.result.converged_reason, "CONVERGED_RTOL") << method;
    EXPECT_LT(r.result.linear_solver_iterations, 1000) << method;
    EXPECT_LT(rel_err(r.g, truth_.g), 1e-4) << method;
  }
}

// ---------------------------------------------------------------- failure modes

// A numeric step beyond 2/L (L = ‖∇²L‖, computed densely here) is refused.
TEST_F(SmallRidge, StepBeyondTwoOverLIsRefusedAsNonContractive) {
  Vector w0 = problem_->create_inner_vector();
  hp::InnerSettings inner;
  inner.step_auto = false;
  inner.step_size = 1.9 / truth_.L;
  EXPECT_NO_THROW(hp::configure_step_size(*problem_, inner, lambda_, w0));
  inner.step_size = 2.5 / truth_.L;
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::configure_step_size(*problem_, inner, lambda_, w0); });
  EXPECT_HAS(msg, "non-contractive");
  EXPECT_HAS(msg, "inner.step_size");
  // Heavy ball contracts up to 2(1 + β)/L.
  inner.solver = "heavy_ball";
  inner.momentum = 0.5;
  EXPECT_NO_THROW(hp::configure_step_size(*problem_, inner, lambda_, w0));
  inner.step_size = 3.2 / truth_.L;
  EXPECT_HAS(collective_user_error(PETSC_COMM_WORLD,
                                   [&] { hp::configure_step_size(*problem_, inner, lambda_, w0); }),
             "non-contractive");
}

// The same for logistic_l2, where L comes from the dense Hessian at w_0 = 0.
TEST(Failures, LogisticStepBeyondTwoOverLIsRefusedAsNonContractive) {
  hp::test::SmallSpec spec;
  spec.type = "logistic_l2";
  spec.classes = 3;
  spec.features = 15;
  auto problem = hp::test::make_small_problem(PETSC_COMM_WORLD, spec);
  hp::test::DenseReference ref(spec);
  Vector lambda = problem->create_outer_vector();
  hp::test::fill(*problem, lambda, [](PetscInt j) { return hp::test::lambda_formula(j, -3.0); });
  Vector w0 = problem->create_inner_vector();
  const std::vector<double> ev = hp::test::symmetric_eigenvalues(
      ref.hessian(gather_all(*problem, w0), gather_all(*problem, lambda)), ref.inner_size());
  hp::InnerSettings inner;
  inner.step_auto = false;
  inner.step_size = 1.9 / ev.back();
  EXPECT_NO_THROW(hp::configure_step_size(*problem, inner, lambda, w0));
  inner.step_size = 2.5 / ev.back();
  EXPECT_HAS(collective_user_error(PETSC_COMM_WORLD, [&] { hp::configure_step_size(*problem, inner, lambda, w0); }),
             "non-contractive");
}

// aid_fp at a linearisation where ∂_wΦ = I − ηH has an eigenvalue of 1 − 3 = −2.
TEST_F(SmallRidge, AidFpOnANonContractiveLinearisationThrows) {
  hp::test::gradient_step(*problem_).set_step_size(3.0 / truth_.L);
  const std::string msg = collective_user_error(PETSC_COMM_WORLD, [&] { run("aid_fp", 0, 60); });
  EXPECT_HAS(msg, "not a contraction");
  EXPECT_HAS(msg, "aid_cg");
}

// Warm-started aid_fp (req.adjoint = v_0) on a contraction must not be mistaken for a
// divergent iteration. Here v_0 = −v (the adjoint with the sign of ∇E flipped, as after a
// large outer step); the result must be v_k = J^k v_0 + Σ_{m<k} J^m b, computed densely.
TEST_F(SmallRidge, AidFpWarmStartOnAContractionIsNotReportedAsDivergent) {
  ASSERT_LT(hp::test::contraction_factor(truth_, eta_), 1.0);
  Vector wstar = problem_->create_inner_vector(), v0 = problem_->create_inner_vector();
  hp::test::fill(*problem_, wstar, truth_.w);
  const PetscInt d = ref_->d();
  std::vector<double> start(static_cast<size_t>(d));
  for (PetscInt j = 0; j < d; ++j) start[j] = -truth_.v[j] / eta_;
  hp::test::fill(*problem_, v0, start);
  std::vector<double> v = start;
  for (PetscInt k = 1; k <= 3; ++k) {
    const std::vector<double> hv = hp::test::matvec(truth_.H, v, d);  // v ← (I − ηH) v + ∇E
    for (PetscInt j = 0; j < d; ++j) v[j] = v[j] - eta_ * hv[j] + truth_.grad_e[j];
    const std::vector<double> expected = hp::test::ridge_vjp_outer(truth_, eta_, v, ref_->outer_size());
    hp::test::Run r;
    const std::string msg = collective_user_error(PETSC_COMM_WORLD, [&] {
      r = hp::test::run_method(*problem_, "aid_fp", lambda_, gd_, 0, k, 0.0, wstar, v0);
    });
    EXPECT_EQ(msg, "<none>") << "k = " << k;
    if (msg == "<none>") {
      EXPECT_LT(rel_err(r.g, expected), 1e-10) << "k = " << k;
    }
  }
}

// CG on a symmetric indefinite I − ∂_wΦᵀ: the error names the KSP reason and the remedy.
TEST(Failures, AidCgOnAnIndefiniteSystemNamesTheReason) {
  const PetscInt n = 8;
  std::vector<double> diag(n), target(n);
  for (PetscInt i = 0; i < n; ++i) {
    diag[i] = i % 2 ? 2.0 : 0.0;       // I − D = diag(1, −1, 1, −1, ...)
    target[i] = i % 2 ? -2.0 : -1.0;   // b = ∇E(0) = −target = (1, 2, 1, 2, ...)
  }
  DiagonalProblem problem(diag, target);
  Vector lambda = problem.create_outer_vector();
  hp::MomentumIteration gd("gradient_descent", 0.0);
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::test::run_method(problem, "aid_cg", lambda, gd, 0, 20); });
  EXPECT_HAS(msg, "DIVERGED_INDEFINITE");
  EXPECT_HAS(msg, "aid_gmres");
  EXPECT_HAS(msg, "aid_cg");
  // GMRES solves the same system: v = (I − D)⁻¹ b = (1, −2, 1, −2, ...).
  const hp::test::Run r = hp::test::run_method(problem, "aid_gmres", lambda, gd, 0, 20);
  std::vector<double> expected(n);
  for (PetscInt i = 0; i < n; ++i) expected[i] = i % 2 ? -2.0 : 1.0;
  EXPECT_LT(rel_err(r.g, expected), 1e-12);
}

// exact's Newton step on the same indefinite system: CG fails inside the SNES, and the
// error names both reasons and the remedy.
TEST(Failures, ExactOnAnIndefiniteSystemNamesTheReason) {
  const PetscInt n = 8;
  std::vector<double> diag(n), target(n, 0.0);
  for (PetscInt i = 0; i < n; ++i) diag[i] = i % 2 ? 2.0 : 0.0;  // F(w) = (I − D) w − λ
  DiagonalProblem problem(diag, target);
  Vector lambda = problem.create_outer_vector();
  HP_CALL(VecSet(lambda, 1.0));
  hp::MomentumIteration gd("gradient_descent", 0.0);
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::test::run_method(problem, "exact", lambda, gd, 0, 0); });
  EXPECT_HAS(msg, "hypergradient.method exact");
  EXPECT_HAS(msg, "DIVERGED_LINEAR_SOLVE");
  EXPECT_HAS(msg, "DIVERGED_INDEFINITE");
  EXPECT_HAS(msg, "inner.step_size");
}

TEST(Failures, UnknownNamesAreUserErrors) {
  std::string msg = collective_user_error(PETSC_COMM_WORLD, [] { hp::make_method("aid_nonsense"); });
  EXPECT_HAS(msg, "hypergradient.method");
  EXPECT_HAS(msg, "aid_nonsense");
  EXPECT_HAS(msg, "aid_cg");
  msg = collective_user_error(PETSC_COMM_WORLD, [] { hp::make_method("ITD"); });
  EXPECT_HAS(msg, "unknown method");
  hp::InnerSettings inner;
  inner.solver = "newton";
  msg = collective_user_error(PETSC_COMM_WORLD, [&] { hp::make_inner_solver(inner); });
  EXPECT_HAS(msg, "inner.solver");
  EXPECT_HAS(msg, "newton");
  // Every listed name is accepted.
  for (const std::string& name : hp::method_registry().names()) EXPECT_NO_THROW(hp::make_method(name)) << name;
  hp::test::SmallSpec spec;
  hp::Settings s = hp::test::small_settings(spec);
  s.problem.type = "lasso";
  msg = collective_user_error(PETSC_COMM_WORLD, [&] { hp::make_problem(PETSC_COMM_WORLD, s.problem, s.hyperparameters); });
  EXPECT_HAS(msg, "problem.type");
  EXPECT_HAS(msg, "lasso");
}

}  // namespace
