// The Jacobi-preconditioned adjoint: the diagonal the adjoint operator provides
// (MATOP_GET_DIAGONAL, from BilevelProblem::adjoint_diagonal) equals e_iᵀ A e_i by products
// and the dense reference's η·diag(∇²L); a jacobi-preconditioned aid_cg reaches the
// unpreconditioned hypergradient; and preconditioners the matrix-free operator cannot
// have are refused as user errors naming -adjoint_pc_type. Every layout, ridge and
// logistic; registered with 1, 2 and 4 ranks (the layout is set here).
#include <gtest/gtest.h>
#include <petscmat.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "forwarding_problem.hpp"
#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Matrix;
using hp::Vector;
using hp::test::gather_all;
using hp::test::rel_err;

// Sets a global PETSc option for the lifetime of the object.
class ScopedOption {
 public:
  ScopedOption(const char* name, const char* value) : name_(name) {
    HP_CALL(PetscOptionsSetValue(nullptr, name, value));
  }
  ~ScopedOption() { (void)PetscOptionsClearValue(nullptr, name_); }
  ScopedOption(const ScopedOption&) = delete;
  ScopedOption& operator=(const ScopedOption&) = delete;

 private:
  const char* name_;
};

// The same problem without a diagonal: PETSc must then refuse jacobi.
class WithoutDiagonal final : public hp::test::ForwardingProblem {
 public:
  using ForwardingProblem::ForwardingProblem;
  bool has_adjoint_diagonal() const override { return false; }
};

struct Case {
  const char* label;
  const char* type;
  PetscInt classes;
  const char* generator;
  PetscInt features;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.label; }

const Case kCases[] = {
    {"ridge", "ridge_l2", 0, "gaussian", 12},
    {"logistic", "logistic_l2", 3, "gaussian", 8},
    // Power-law columns with empty ones: rows of X∘X with few or no entries.
    {"logistic_text", "logistic_l2", 4, "sparse_text", 10},
};

using Param = std::tuple<Case, const char*>;  // case, layout

// λ_j spread over [−6, 2] (a fixed function of the natural index j).
double wide_lambda(PetscInt j) { return -6.0 + 8.0 * std::fmod(0.618034 * static_cast<double>(j + 1), 1.0); }

class PreconditionedAdjoint : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    const auto& [c, layout] = GetParam();
    spec_.type = c.type;
    spec_.classes = c.classes;
    spec_.generator = c.generator;
    spec_.n_train = 40;
    spec_.n_val = 30;
    spec_.features = c.features;
    spec_.layout = layout;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, wide_lambda);
    eta_ = hp::test::configure_auto_step(*problem_, lambda_);
    w_ = problem_->create_inner_vector();
    hp::test::fill(*problem_, w_, hp::test::w_formula);
  }

  hp::test::Run run(const std::string& method, PetscInt k, double tol) {
    return hp::test::run_method(*problem_, method, lambda_, gd_, 30, k, tol);
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  Vector lambda_, w_;
  double eta_ = 0;
  hp::MomentumIteration gd_{"gradient_descent", 0.0};
};

TEST_P(PreconditionedAdjoint, DiagonalIsUnitVectorProducts) {
  ASSERT_TRUE(problem_->has_adjoint_diagonal());
  problem_->linearize(w_, lambda_);
  Matrix A(hp::create_adjoint_operator(*problem_, w_));
  Vector diag = problem_->create_inner_vector(), e = problem_->create_inner_vector(),
         ae = problem_->create_inner_vector();
  HP_CALL(MatGetDiagonal(A, diag));  // through the shell's MATOP_GET_DIAGONAL
  const std::vector<double> got = gather_all(*problem_, diag);
  const PetscInt n = static_cast<PetscInt>(got.size());
  std::vector<double> by_products(got.size());
  for (PetscInt i = 0; i < n; ++i) {
    hp::test::fill(*problem_, e, [i](PetscInt k) { return k == i ? 1.0 : 0.0; });
    HP_CALL(MatMult(A, e, ae));
    by_products[i] = gather_all(*problem_, ae)[i];
  }
  EXPECT_LT(rel_err(got, by_products), 1e-12);
  // And the independent dense reference: diag(η ∇²L(W, λ)).
  const hp::test::DenseReference ref(spec_);
  const std::vector<double> H = ref.hessian(gather_all(*problem_, w_), gather_all(*problem_, lambda_));
  std::vector<double> expected(got.size());
  for (PetscInt i = 0; i < n; ++i) expected[i] = eta_ * H[i * n + i];
  EXPECT_LT(rel_err(got, expected), 1e-12);
  for (double x : got) EXPECT_GT(x, 0.0);
}

// The same linear system, so the same hypergradient; and on this wide λ spread the
// diagonal pays: fewer iterations to the same unpreconditioned residual.
TEST_P(PreconditionedAdjoint, JacobiSolveGivesTheSameHypergradient) {
  const hp::test::Run plain = run("aid_cg", 2000, 1e-10);
  ScopedOption pc("-adjoint_pc_type", "jacobi");
  ScopedOption norm("-adjoint_ksp_norm_type", "unpreconditioned");
  const hp::test::Run jacobi = run("aid_cg", 2000, 1e-10);
  EXPECT_EQ(jacobi.result.converged_reason, "CONVERGED_RTOL");
  EXPECT_LT(rel_err(jacobi.g, plain.g), 1e-8);
  EXPECT_LT(jacobi.result.linear_solver_iterations, plain.result.linear_solver_iterations);
}

TEST_P(PreconditionedAdjoint, JacobiWithoutADiagonalIsAUserError) {
  WithoutDiagonal bare(*problem_);
  ScopedOption pc("-adjoint_pc_type", "jacobi");
  const std::string msg = hp::test::collective_user_error(
      PETSC_COMM_WORLD, [&] { hp::test::run_method(bare, "aid_cg", lambda_, gd_, 5, 5); });
  EXPECT_HAS(msg, "hypergradient.method aid_cg");
  EXPECT_HAS(msg, "-adjoint_pc_type jacobi needs the diagonal");
  EXPECT_HAS(msg, "use -adjoint_pc_type none");
}

INSTANTIATE_TEST_SUITE_P(, PreconditionedAdjoint,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values("rows", "features", "dense")),
                         [](const ::testing::TestParamInfo<Param>& info) {
                           return std::string(std::get<0>(info.param).label) + "_" + std::get<1>(info.param);
                         });

// Preconditioners that need an assembled matrix: refused at set-up, naming the option.
class AdjointPreconditionerRefusals : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.type = "logistic_l2";
    spec_.classes = 3;
    spec_.features = 8;
    spec_.n_train = 40;
    spec_.n_val = 30;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, wide_lambda);
    hp::test::configure_auto_step(*problem_, lambda_);
  }
  std::string refusal(const char* pc_type) {
    ScopedOption pc("-adjoint_pc_type", pc_type);
    return hp::test::collective_user_error(
        PETSC_COMM_WORLD, [&] { hp::test::run_method(*problem_, "aid_cg", lambda_, gd_, 5, 5); });
  }
  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  Vector lambda_;
  hp::MomentumIteration gd_{"gradient_descent", 0.0};
};

TEST_F(AdjointPreconditionerRefusals, FactorisationNeedsAMatrix) {
  const std::string msg = refusal("ilu");
  EXPECT_HAS(msg, "with -adjoint_pc_type ilu on the matrix-free operator");
  EXPECT_HAS(msg, "(products and its diagonal)");
  EXPECT_HAS(msg, "were rejected by PETSc");
}

// PETSc would fail only inside the solve (sor) or with an internal error (vpbjacobi,
// deflation), crash (eisenstat, kaczmarz) or return a zero hypergradient (lmvm).
TEST_F(AdjointPreconditionerRefusals, UnusablePreconditionersAreRefusedBeforeTheSolve) {
  for (const char* type : {"sor", "eisenstat", "kaczmarz", "pbjacobi", "vpbjacobi", "deflation", "lmvm"}) {
    const std::string msg = refusal(type);
    EXPECT_HAS(msg, std::string("-adjoint_pc_type ") + type + " needs ");
    EXPECT_HAS(msg, "but the operator I − ∂_wΦᵀ is matrix-free (products and its diagonal)");
    EXPECT_HAS(msg, "use -adjoint_pc_type jacobi or none");
  }
}

// Preconditioners built from products and the diagonal work, e.g. a fixed number of
// Jacobi-preconditioned Chebyshev steps inside PCKSP (a linear preconditioner, so CG stays valid).
TEST_F(AdjointPreconditionerRefusals, ChebyshevInsidePcKspWorks) {
  const hp::test::Run plain = hp::test::run_method(*problem_, "aid_cg", lambda_, gd_, 30, 2000, 1e-10);
  ScopedOption pc("-adjoint_pc_type", "ksp");
  ScopedOption inner("-adjoint_ksp_ksp_type", "chebyshev");
  ScopedOption steps("-adjoint_ksp_ksp_max_it", "3");
  ScopedOption inner_pc("-adjoint_ksp_pc_type", "jacobi");
  ScopedOption norm("-adjoint_ksp_ksp_norm_type", "none");
  const hp::test::Run cheb = hp::test::run_method(*problem_, "aid_cg", lambda_, gd_, 30, 2000, 1e-10);
  EXPECT_EQ(cheb.result.converged_reason, "CONVERGED_RTOL");
  EXPECT_LT(rel_err(cheb.g, plain.g), 1e-8);
}

// On one rank PCSVD converts the operator to a dense matrix, which PETSc's fallback for a
// shell would do column by column (dim(w) products); on more it first gathers submatrices.
TEST_F(AdjointPreconditionerRefusals, AssemblingTheOperatorIsRefused) {
  const std::string msg = refusal("svd");
  EXPECT_HAS(msg, "with -adjoint_pc_type svd");
  EXPECT_HAS(msg, "were rejected by PETSc");
  if (hp::comm_size(PETSC_COMM_WORLD) == 1) {
    EXPECT_HAS(msg, "is matrix-free: converting it to");
  }
}

}  // namespace
