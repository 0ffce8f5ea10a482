// Every product of ridge_l2 and logistic_l2 against central finite differences and
// against a dense reference of the same data computed in the test (fixtures/).
#include <gtest/gtest.h>
#include <petscvec.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"
#include "hyperpetsc/problems/gradient_step_problem.hpp"
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
  PetscInt n_train = 90;
  PetscInt features = 20;
  const char* layout = "";  // empty: -test_data_layout, else auto
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.label; }

const Case kCases[] = {
    {"ridge", "ridge_l2", 0, false},
    {"ridge_shared", "ridge_l2", 0, true},
    {"logistic", "logistic_l2", 3, false},
    {"logistic_shared", "logistic_l2", 3, true},
    {"logistic_wide", "logistic_l2", 3, false, 20, 30},  // d > n: W-by-features data layout
    // Block widths past the 4-wide AVX2 registers with a remainder, through the fused
    // kernels of the features layout (d·c ≤ 60 for the dense reference).
    {"logistic_c5_features", "logistic_l2", 5, false, 90, 12, "features"},
    {"logistic_c7_features", "logistic_l2", 7, false, 90, 8, "features"},
};

constexpr double kFdTol = 1e-6;
constexpr double kH = 1e-5;

class Products : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    spec_.type = GetParam().type;
    spec_.classes = GetParam().classes;
    spec_.shared = GetParam().shared;
    spec_.n_train = GetParam().n_train;
    spec_.n_val = 70;
    spec_.features = GetParam().features;
    spec_.layout = GetParam().layout;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    ref_ = std::make_unique<hp::test::DenseReference>(spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -1.0); });
    w_ = problem_->create_inner_vector();
    hp::test::fill(*problem_, w_, hp::test::w_formula);
    eta_ = hp::test::configure_auto_step(*problem_, lambda_);
  }

  // Random-looking directions in w space (rank independent).
  Vector direction(double a, double b) const {
    Vector v = problem_->create_inner_vector();
    hp::test::fill(*problem_, v, [=](PetscInt i) { return std::sin(a * static_cast<double>(i) + b); });
    return v;
  }
  double inner_dot(Vec a, Vec b) const {
    double s = 0;
    HP_CALL(VecDot(a, b, &s));
    return s;
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  std::unique_ptr<hp::test::DenseReference> ref_;
  Vector lambda_, w_;
  double eta_ = 0;
};

TEST_P(Products, SizesMatchTheData) {
  PetscInt n = 0;
  HP_CALL(VecGetSize(w_, &n));
  EXPECT_EQ(n, ref_->inner_size());
  if (spec_.classes > 0) {
    EXPECT_EQ(ref_->c(), spec_.classes) << "every class in the data";
  }
  HP_CALL(VecGetSize(lambda_, &n));
  EXPECT_EQ(n, ref_->outer_size());
  EXPECT_TRUE(problem_->jacobian_symmetric());
  EXPECT_EQ(problem_->name(), spec_.type);
}

TEST_P(Products, OuterObjectiveMatchesDenseReference) {
  const double e = problem_->outer_objective(w_, lambda_);
  const double expected = ref_->outer_objective(gather_all(*problem_, w_));
  EXPECT_NEAR(e, expected, 1e-12 * std::fabs(expected));
}

// ∇_wL against central differences of the training objective computed in the test.
TEST_P(Products, InnerGradientMatchesFiniteDifferencesOfTrainingLoss) {
  const std::vector<double> lambda = gather_all(*problem_, lambda_);
  Vector probe = problem_->create_inner_vector();
  HP_CALL(VecCopy(w_, probe));
  const std::vector<double> fd = hp::test::fd_coordinates(*problem_, 
      probe, [&] { return ref_->training_objective(gather_all(*problem_, probe), lambda); }, kH);
  Vector g = problem_->create_inner_vector();
  hp::test::gradient_step(*problem_).inner_gradient(w_, lambda_, g);
  EXPECT_LT(rel_err(gather_all(*problem_, g), fd), kFdTol);
}

// Φ(w) = w − η ∇L(w): (w − Φ(w))/η against the finite-difference gradient of L.
TEST_P(Products, ApplyMapIsAGradientStepOnTheTrainingLoss) {
  const std::vector<double> lambda = gather_all(*problem_, lambda_), w = gather_all(*problem_, w_);
  Vector probe = problem_->create_inner_vector();
  HP_CALL(VecCopy(w_, probe));
  const std::vector<double> fd = hp::test::fd_coordinates(*problem_, 
      probe, [&] { return ref_->training_objective(gather_all(*problem_, probe), lambda); }, kH);
  Vector phi = problem_->create_inner_vector();
  problem_->apply_map(w_, lambda_, phi);
  const std::vector<double> p = gather_all(*problem_, phi);
  std::vector<double> step(p.size());
  for (size_t i = 0; i < p.size(); ++i) step[i] = (w[i] - p[i]) / eta_;
  EXPECT_LT(rel_err(step, fd), kFdTol);
  EXPECT_DOUBLE_EQ(hp::test::gradient_step(*problem_).step_size(), eta_);
}

// (∂_wΦᵀ u)_i = ∂/∂w_i ⟨u, Φ(w)⟩, all coordinates.
TEST_P(Products, VjpInnerMatchesFiniteDifferences) {
  Vector u = direction(2.1, 0.3), out = problem_->create_inner_vector();
  problem_->linearize(w_, lambda_);
  problem_->map_vjp_inner(u, out);
  const std::vector<double> vjp = gather_all(*problem_, out);

  Vector probe = problem_->create_inner_vector(), phi = problem_->create_inner_vector();
  HP_CALL(VecCopy(w_, probe));
  const std::vector<double> fd = hp::test::fd_coordinates(*problem_, 
      probe,
      [&] {
        problem_->apply_map(probe, lambda_, phi);
        return inner_dot(u, phi);
      },
      kH);
  EXPECT_LT(rel_err(vjp, fd), kFdTol);
}

// ∂_wΦ v against (Φ(w + h v) − Φ(w − h v)) / 2h, as whole vectors, for two directions.
TEST_P(Products, JvpInnerMatchesFiniteDifferences) {
  for (auto [a, b] : {std::pair{0.9, 1.1}, std::pair{3.7, -0.4}}) {
    Vector v = direction(a, b), out = problem_->create_inner_vector();
    problem_->linearize(w_, lambda_);
    problem_->map_jvp_inner(v, out);
    Vector wp = problem_->create_inner_vector(), wm = problem_->create_inner_vector();
    Vector pp = problem_->create_inner_vector(), pm = problem_->create_inner_vector();
    HP_CALL(VecWAXPY(wp, kH, v, w_));
    HP_CALL(VecWAXPY(wm, -kH, v, w_));
    problem_->apply_map(wp, lambda_, pp);
    problem_->apply_map(wm, lambda_, pm);
    HP_CALL(VecAXPY(pp, -1.0, pm));
    HP_CALL(VecScale(pp, 1.0 / (2 * kH)));
    EXPECT_LT(rel_err(gather_all(*problem_, out), gather_all(*problem_, pp)), kFdTol) << "direction " << a;
  }
}

// (∂_λΦᵀ u)_j = ∂/∂λ_j ⟨u, Φ(w, λ)⟩.
TEST_P(Products, VjpOuterMatchesFiniteDifferences) {
  Vector u = direction(2.1, 0.3), out = problem_->create_outer_vector();
  problem_->linearize(w_, lambda_);
  problem_->map_vjp_outer(u, out);
  const std::vector<double> vjp = gather_all(*problem_, out);

  Vector probe = problem_->create_outer_vector(), phi = problem_->create_inner_vector();
  HP_CALL(VecCopy(lambda_, probe));
  const std::vector<double> fd = hp::test::fd_coordinates(*problem_, 
      probe,
      [&] {
        problem_->apply_map(w_, probe, phi);
        return inner_dot(u, phi);
      },
      kH);
  EXPECT_LT(rel_err(vjp, fd), kFdTol);
  // And against the closed form −η e^{λ_j} ⟨W_j, u_j⟩ summed as the layout says.
  const std::vector<double> w = gather_all(*problem_, w_), uu = gather_all(*problem_, u);
  const std::vector<double> p = ref_->penalty(gather_all(*problem_, lambda_));
  std::vector<double> expected(static_cast<size_t>(ref_->outer_size()), 0.0);
  for (PetscInt j = 0; j < ref_->d(); ++j)
    for (PetscInt k = 0; k < ref_->c(); ++k)
      expected[spec_.shared ? 0 : j] -= eta_ * p[j] * w[j * ref_->c() + k] * uu[j * ref_->c() + k];
  EXPECT_LT(rel_err(vjp, expected), 1e-12);
}

TEST_P(Products, OuterGradientInnerMatchesFiniteDifferences) {
  Vector g = problem_->create_inner_vector();
  problem_->outer_gradient_inner(w_, lambda_, g);
  Vector probe = problem_->create_inner_vector();
  HP_CALL(VecCopy(w_, probe));
  const std::vector<double> fd =
      hp::test::fd_coordinates(*problem_, probe, [&] { return problem_->outer_objective(probe, lambda_); }, kH);
  EXPECT_LT(rel_err(gather_all(*problem_, g), fd), kFdTol);
  EXPECT_LT(rel_err(gather_all(*problem_, g), ref_->outer_gradient(gather_all(*problem_, w_))), 1e-12);
}

// E does not depend on λ: ∇_λE = 0, and E(w, λ ± h e_j) does not move.
TEST_P(Products, OuterGradientOuterIsZero) {
  Vector g = problem_->create_outer_vector();
  HP_CALL(VecSet(g, 1.0));
  problem_->outer_gradient_outer(w_, lambda_, g);
  double norm = 1;
  HP_CALL(VecNorm(g, NORM_INFINITY, &norm));
  EXPECT_EQ(norm, 0.0);
  Vector probe = problem_->create_outer_vector();
  HP_CALL(VecCopy(lambda_, probe));
  const std::vector<double> fd =
      hp::test::fd_coordinates(*problem_, probe, [&] { return problem_->outer_objective(w_, probe); }, kH);
  EXPECT_EQ(hp::test::norm2(fd), 0.0);
}

// ⟨u, ∂Φ v⟩ = ⟨∂Φᵀ u, v⟩ (the products claim a symmetric Jacobian).
TEST_P(Products, JacobianProductsAreSymmetric) {
  Vector u = direction(2.1, 0.3), v = direction(0.9, 1.1);
  Vector jv = problem_->create_inner_vector(), jtu = problem_->create_inner_vector();
  problem_->linearize(w_, lambda_);
  problem_->map_jvp_inner(v, jv);
  problem_->map_vjp_inner(u, jtu);
  const double a = inner_dot(u, jv), b = inner_dot(jtu, v);
  EXPECT_NEAR(a, b, 1e-12 * (std::fabs(a) + 1e-3));
  // And the dense Jacobian I − η∇²L is what both products apply.
  const std::vector<double> H = ref_->hessian(gather_all(*problem_, w_), gather_all(*problem_, lambda_));
  const std::vector<double> vv = gather_all(*problem_, v), hv = hp::test::matvec(H, vv, ref_->inner_size());
  std::vector<double> expected(vv.size());
  for (size_t i = 0; i < vv.size(); ++i) expected[i] = vv[i] - eta_ * hv[i];
  EXPECT_LT(rel_err(gather_all(*problem_, jv), expected), 1e-12);
}

// The products stay at the linearisation point (w, λ) even when Φ is evaluated elsewhere
// in between (as a finite-difference check, a line search or a caller's own step would).
TEST_P(Products, JacobianProductsStayAtTheLinearizationPoint) {
  Vector u = direction(2.1, 0.3);
  Vector before_inner = problem_->create_inner_vector(), before_outer = problem_->create_outer_vector();
  problem_->linearize(w_, lambda_);
  problem_->map_vjp_inner(u, before_inner);
  problem_->map_vjp_outer(u, before_outer);

  Vector other = problem_->create_outer_vector(), w2 = problem_->create_inner_vector(),
         phi = problem_->create_inner_vector();
  hp::test::fill(*problem_, other, [](PetscInt j) { return hp::test::lambda_formula(j, 1.0); });
  HP_CALL(VecCopy(w_, w2));
  HP_CALL(VecScale(w2, 2.0));
  problem_->apply_map(w2, other, phi);  // evaluate Φ at another point

  Vector after_inner = problem_->create_inner_vector(), after_outer = problem_->create_outer_vector();
  problem_->map_vjp_inner(u, after_inner);
  problem_->map_vjp_outer(u, after_outer);
  EXPECT_LT(rel_err(gather_all(*problem_, after_inner), gather_all(*problem_, before_inner)), 1e-14);
  EXPECT_LT(rel_err(gather_all(*problem_, after_outer), gather_all(*problem_, before_outer)), 1e-14);
}

// A λ vector that is a *different* Vec from the previous one must be read, even when it
// reuses the memory of a destroyed one that went through the same number of changes (as
// fresh vectors from create_outer_vector + VecSet do). Twelve rounds: the allocator hands
// the freed block back at least once.
TEST_P(Products, ApplyMapReadsEveryNewLambdaVector) {
  const std::vector<double> w = gather_all(*problem_, w_);
  Vector phi = problem_->create_inner_vector();
  for (int round = 0; round < 12; ++round) {
    const double value = round % 2 ? 0.5 : -1.0;
    Vector lambda = problem_->create_outer_vector();
    HP_CALL(VecSet(lambda, value));
    problem_->apply_map(w_, lambda, phi);
    const std::vector<double> g =
        ref_->training_gradient(w, std::vector<double>(static_cast<size_t>(ref_->outer_size()), value));
    std::vector<double> want(w.size());
    for (size_t i = 0; i < w.size(); ++i) want[i] = w[i] - eta_ * g[i];
    EXPECT_LT(rel_err(gather_all(*problem_, phi), want), 1e-12)
        << "round " << round << ": Φ(w, λ) used the penalties e^λ of a destroyed λ vector";
  }  // lambda destroyed here
}

TEST_P(Products, StrongConvexityBoundIsTheSmallestPenalty) {
  const std::vector<double> p = ref_->penalty(gather_all(*problem_, lambda_));
  const double pmin = *std::min_element(p.begin(), p.end());
  EXPECT_NEAR(hp::test::gradient_step(*problem_).strong_convexity_bound(lambda_), pmin, 1e-14 * pmin);
  const std::vector<double> ev =
      hp::test::symmetric_eigenvalues(ref_->hessian(gather_all(*problem_, w_), gather_all(*problem_, lambda_)), ref_->inner_size());
  EXPECT_LE(pmin, ev.front() * (1 + 1e-12));
}

// smoothness_bound ≥ sup_w ‖∇²L‖ ≥ ‖∇²L(w)‖ (the largest eigenvalue of the dense Hessian
// computed here); for ridge with one λ the bound is attained.
TEST_P(Products, SmoothnessBoundDominatesTheHessianNorm) {
  auto& gs = hp::test::gradient_step(*problem_);
  const std::vector<double> ev =
      hp::test::symmetric_eigenvalues(ref_->hessian(gather_all(*problem_, w_), gather_all(*problem_, lambda_)), ref_->inner_size());
  const double lmax = ev.back();
  // What configure_step_size uses (Lanczos budgets 40 and 20).
  EXPECT_GE(gs.smoothness_bound(lambda_, 40), gs.hessian_norm_at(w_, lambda_, 20));
  const double bound = gs.smoothness_bound(lambda_, 1000);
  EXPECT_GE(bound, gs.hessian_norm_at(w_, lambda_, 1000) * (1 - 1e-12));
  EXPECT_GE(bound, lmax * (1 - 1e-10));
  // The bound's own formula: curvature · λmax(XᵀX/n) + max penalty.
  const std::vector<double> gram_ev = hp::test::symmetric_eigenvalues(ref_->gram(), ref_->d());
  const std::vector<double> p = ref_->penalty(gather_all(*problem_, lambda_));
  const double curvature = spec_.type == std::string("ridge_l2") ? 1.0 : 0.5;
  const double formula = curvature * gram_ev.back() + *std::max_element(p.begin(), p.end());
  EXPECT_NEAR(bound, formula, 1e-8 * formula);
  if (spec_.type == std::string("ridge_l2") && spec_.shared) {
    EXPECT_NEAR(bound, lmax, 1e-6 * lmax);
  }
}

// hessian_norm_at(w) is ‖∇²L(w)‖: the largest eigenvalue of the dense Hessian at w (the
// contraction check of a numeric inner.step_size relies on it). Lanczos approaches it from
// below and stops at a residual of 1e-6 of it.
TEST_P(Products, HessianNormAtIsTheLargestEigenvalue) {
  auto& gs = hp::test::gradient_step(*problem_);
  const std::vector<double> ev =
      hp::test::symmetric_eigenvalues(ref_->hessian(gather_all(*problem_, w_), gather_all(*problem_, lambda_)), ref_->inner_size());
  const double lmax = ev.back();
  const std::vector<double> p = ref_->penalty(gather_all(*problem_, lambda_));
  const double at_w = gs.hessian_norm_at(w_, lambda_, 1000);
  const bool ridge = spec_.type == std::string("ridge_l2");
  EXPECT_LE(at_w, lmax * (1 + 1e-12));
  EXPECT_GE(at_w, lmax * (1 - 1e-6))
      << "(the largest penalty e^λ_j alone is " << *std::max_element(p.begin(), p.end()) << ")";
  // With one λ the ridge Hessian is XᵀX/n + e^λ I everywhere: the bound is attained.
  if (ridge && spec_.shared) {
    EXPECT_NEAR(at_w, gs.smoothness_bound(lambda_, 1000), 1e-6 * lmax);
  }
}

INSTANTIATE_TEST_SUITE_P(FeatureL2, Products, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

// The test's own dense algebra (used as ground truth everywhere) on known answers.
TEST(DenseReference, LinearAlgebraOnKnownMatrices) {
  const std::vector<double> A = {4, 1, 0, 1, 3, 1, 0, 1, 2};
  const std::vector<double> ev = hp::test::symmetric_eigenvalues(A, 3);
  // Eigenvalues of this tridiagonal matrix: 3 and 3 ± √3.
  EXPECT_NEAR(ev[0], 3 - std::sqrt(3.0), 1e-13);
  EXPECT_NEAR(ev[1], 3.0, 1e-13);
  EXPECT_NEAR(ev[2], 3 + std::sqrt(3.0), 1e-13);
  const std::vector<double> x = {1, -2, 0.5};
  EXPECT_LT(rel_err(hp::test::cholesky_solve(A, hp::test::matvec(A, x, 3), 3), x), 1e-14);
}

TEST(DenseReference, GradientsAreDerivativesOfTheObjectives) {
  for (const char* type : {"ridge_l2", "logistic_l2"}) {
    hp::test::SmallSpec spec;
    spec.type = type;
    spec.classes = std::string(type) == "ridge_l2" ? 0 : 3;
    spec.features = 6;
    hp::test::DenseReference ref(spec);
    std::vector<double> w(static_cast<size_t>(ref.inner_size())), lambda(6);
    for (size_t i = 0; i < w.size(); ++i) w[i] = hp::test::w_formula(static_cast<PetscInt>(i));
    for (size_t j = 0; j < lambda.size(); ++j) lambda[j] = hp::test::lambda_formula(static_cast<PetscInt>(j), -1);
    std::vector<double> fd_l(w.size()), fd_e(w.size());
    for (size_t i = 0; i < w.size(); ++i) {
      auto wp = w, wm = w;
      wp[i] += kH;
      wm[i] -= kH;
      fd_l[i] = (ref.training_objective(wp, lambda) - ref.training_objective(wm, lambda)) / (2 * kH);
      fd_e[i] = (ref.outer_objective(wp) - ref.outer_objective(wm)) / (2 * kH);
    }
    EXPECT_LT(rel_err(ref.training_gradient(w, lambda), fd_l), 1e-7) << type;
    EXPECT_LT(rel_err(ref.outer_gradient(w), fd_e), 1e-7) << type;
  }
}

}  // namespace
