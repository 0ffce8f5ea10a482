// KSP "cgfused" against PETSc's KSPCG on the same systems: the same iterates, residual
// histories, iteration counts and failure reasons to rounding. On the AID operator of every
// data layout (whose fused product, adjoint_cg_product, is checked against its parts
// first) and on a plain PETSc matrix (the generic path), with and without a
// preconditioner, for each norm type.
#include <gtest/gtest.h>
#include <petscksp.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/methods/fused_cg.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"
#include "small_problems.hpp"

namespace {

using hp::Krylov;
using hp::Matrix;
using hp::Vector;

struct Case {
  const char* label;
  const char* type;
  PetscInt classes;
  const char* layout;
  PetscInt features = 20;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.label; }

const Case kCases[] = {
    {"ridge_rows", "ridge_l2", 0, "rows"},
    {"ridge_features", "ridge_l2", 0, "features"},
    {"ridge_dense", "ridge_l2", 0, "dense"},
    {"logistic3_rows", "logistic_l2", 3, "rows"},
    {"logistic3_features", "logistic_l2", 3, "features"},
    {"logistic3_dense", "logistic_l2", 3, "dense"},
    {"logistic5_features", "logistic_l2", 5, "features", 12},  // past the 4-wide registers
};

struct SolveRecord {
  std::vector<double> x;
  std::vector<PetscReal> history;
  PetscInt iterations = 0;
  KSPConvergedReason reason = KSP_CONVERGED_ITERATING;
};

// k iterations (tol 0) of `type` on A x = b from x0, preconditioner `pc`, norm `norm`.
SolveRecord solve(Mat A, Vec b, Vec x0, const char* type, const char* pc, KSPNormType norm, PetscInt k,
                  const std::function<std::vector<double>(Vec)>& gather) {
  Krylov ksp;
  HP_CALL(KSPCreate(PetscObjectComm(reinterpret_cast<PetscObject>(A)), ksp.out()));
  HP_CALL(KSPSetOperators(ksp, A, A));
  HP_CALL(KSPSetType(ksp, type));
  PC p = nullptr;
  HP_CALL(KSPGetPC(ksp, &p));
  HP_CALL(PCSetType(p, pc));
  HP_CALL(KSPSetNormType(ksp, norm));
  HP_CALL(KSPSetTolerances(ksp, 0.0, 0.0, 1e10, k));
  std::vector<PetscReal> hist(static_cast<size_t>(k) + 1, -1.0);
  HP_CALL(KSPSetResidualHistory(ksp, hist.data(), static_cast<PetscInt>(hist.size()), PETSC_TRUE));
  Vector x;
  HP_CALL(VecDuplicate(x0, x.out()));
  HP_CALL(VecCopy(x0, x));
  PetscReal x0norm = 0;
  HP_CALL(VecNorm(x0, NORM_2, &x0norm));
  HP_CALL(KSPSetInitialGuessNonzero(ksp, x0norm > 0 ? PETSC_TRUE : PETSC_FALSE));
  HP_CALL(KSPSolve(ksp, b, x));
  SolveRecord r;
  HP_CALL(KSPGetIterationNumber(ksp, &r.iterations));
  HP_CALL(KSPGetConvergedReason(ksp, &r.reason));
  const PetscReal* h = nullptr;
  PetscInt nh = 0;
  HP_CALL(KSPGetResidualHistory(ksp, &h, &nh));
  r.history.assign(h, h + nh);
  r.x = gather(x);
  return r;
}

void expect_same_solve(const SolveRecord& stock, const SolveRecord& fused, double tol) {
  EXPECT_EQ(stock.iterations, fused.iterations);
  EXPECT_EQ(stock.reason, fused.reason) << KSPConvergedReasons[stock.reason] << " vs " << KSPConvergedReasons[fused.reason];
  EXPECT_LE(hp::test::rel_err(fused.x, stock.x), tol);
  ASSERT_EQ(stock.history.size(), fused.history.size());
  for (size_t i = 0; i < stock.history.size(); ++i)
    EXPECT_NEAR(fused.history[i], stock.history[i], tol * stock.history[0]) << "iteration " << i;
}

class FusedCgOnAdjoint : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    hp::register_fused_cg();
    spec_.type = GetParam().type;
    spec_.classes = GetParam().classes;
    spec_.layout = GetParam().layout;
    spec_.features = GetParam().features;
    spec_.n_train = 90;
    spec_.n_val = 70;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    lambda_ = problem_->create_outer_vector();
    // A spread of penalties (λ from −4 to 2): a system CG needs many iterations for.
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return -4.0 + 6.0 * std::fmod(0.37 * static_cast<double>(j), 1.0); });
    w_ = problem_->create_inner_vector();
    hp::test::fill(*problem_, w_, hp::test::w_formula);
    hp::test::configure_auto_step(*problem_, lambda_);
    problem_->linearize(w_, lambda_);
    b_ = direction(0.7, 0.3);
  }
  Vector direction(double a, double c) const {
    Vector v = problem_->create_inner_vector();
    hp::test::fill(*problem_, v, [=](PetscInt i) { return std::sin(a * static_cast<double>(i) + c); });
    return v;
  }
  std::vector<double> gather(Vec v) const { return hp::test::gather_all(*problem_, v); }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  Vector lambda_, w_, b_;
};

TEST_P(FusedCgOnAdjoint, AdjointApplyIsIdentityMinusTheVjp) {
  Vector x = direction(1.3, 0.1), y = problem_->create_inner_vector(), ref = problem_->create_inner_vector();
  problem_->adjoint_apply(x, y);
  problem_->map_vjp_inner(x, ref);
  HP_CALL(VecAYPX(ref, -1.0, x));
  EXPECT_LE(hp::test::rel_err(gather(y), gather(ref)), 1e-12);
}

TEST_P(FusedCgOnAdjoint, CgProductIsUpdateThenProductThenDot) {
  Vector z = direction(0.9, 0.2), p = direction(1.7, 0.4), q = problem_->create_inner_vector();
  for (double beta : {0.0, 0.45}) {
    Vector expect_p = problem_->create_inner_vector(), expect_q = problem_->create_inner_vector();
    HP_CALL(VecCopy(z, expect_p));
    if (beta != 0.0) HP_CALL(VecAXPY(expect_p, beta, p));
    problem_->adjoint_apply(expect_p, expect_q);
    double expect_dot = 0;
    HP_CALL(VecDot(expect_p, expect_q, &expect_dot));
    // With beta = 0 p's old content must not matter, not even a NaN.
    if (beta == 0.0) HP_CALL(VecSet(p, std::numeric_limits<double>::quiet_NaN()));
    double dot = problem_->adjoint_cg_product(z, beta, p, q);
    MPI_Allreduce(MPI_IN_PLACE, &dot, 1, MPI_DOUBLE, MPI_SUM, PETSC_COMM_WORLD);
    EXPECT_LE(hp::test::rel_err(gather(p), gather(expect_p)), 1e-14) << "beta " << beta;
    EXPECT_LE(hp::test::rel_err(gather(q), gather(expect_q)), 1e-12) << "beta " << beta;
    EXPECT_NEAR(dot, expect_dot, 1e-12 * std::fabs(expect_dot)) << "beta " << beta;
    HP_CALL(VecCopy(direction(1.7, 0.4), p));
  }
}

TEST_P(FusedCgOnAdjoint, SameIteratesAsPetscCg) {
  Matrix A(hp::create_adjoint_operator(*problem_, w_));
  Vector zero = problem_->create_inner_vector(), warm = direction(0.2, 0.9);
  HP_CALL(VecScale(warm, 0.1));
  auto g = [this](Vec v) { return gather(v); };
  for (Vec x0 : {static_cast<Vec>(zero), static_cast<Vec>(warm)}) {
    for (KSPNormType norm : {KSP_NORM_UNPRECONDITIONED, KSP_NORM_NATURAL}) {
      const SolveRecord stock = solve(A, b_, x0, KSPCG, PCNONE, norm, 12, g);
      const SolveRecord fused = solve(A, b_, x0, hp::kFusedCG, PCNONE, norm, 12, g);
      expect_same_solve(stock, fused, 1e-10);
      EXPECT_EQ(fused.iterations, 12);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(FeatureL2, FusedCgOnAdjoint, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

// The generic path (no product hook) on an assembled SPD matrix: a 1-D Laplacian plus a
// varying diagonal, distributed over the ranks.
class FusedCgOnMatrix : public ::testing::Test {
 protected:
  void SetUp() override {
    hp::register_fused_cg();
    HP_CALL(MatCreateAIJ(PETSC_COMM_WORLD, PETSC_DECIDE, PETSC_DECIDE, kN, kN, 3, nullptr, 2, nullptr, A_.out()));
    PetscInt lo = 0, hi = 0;
    HP_CALL(MatGetOwnershipRange(A_, &lo, &hi));
    for (PetscInt i = lo; i < hi; ++i) {
      const double diag = 2.0 + (diagonal_sign_ * (1.0 + 50.0 * std::fmod(0.61 * static_cast<double>(i), 1.0)));
      HP_CALL(MatSetValue(A_, i, i, diag, INSERT_VALUES));
      if (i > 0) HP_CALL(MatSetValue(A_, i, i - 1, -1.0, INSERT_VALUES));
      if (i + 1 < kN) HP_CALL(MatSetValue(A_, i, i + 1, -1.0, INSERT_VALUES));
    }
    HP_CALL(MatAssemblyBegin(A_, MAT_FINAL_ASSEMBLY));
    HP_CALL(MatAssemblyEnd(A_, MAT_FINAL_ASSEMBLY));
    HP_CALL(MatCreateVecs(A_, x0_.out(), b_.out()));
    HP_CALL(VecSet(x0_, 0.0));
    for (PetscInt i = lo; i < hi; ++i) HP_CALL(VecSetValue(b_, i, std::cos(0.3 * static_cast<double>(i)), INSERT_VALUES));
    HP_CALL(VecAssemblyBegin(b_));
    HP_CALL(VecAssemblyEnd(b_));
  }
  static std::vector<double> gather(Vec v) {
    Vec all = nullptr;
    VecScatter s = nullptr;
    HP_CALL(VecScatterCreateToAll(v, &s, &all));
    HP_CALL(VecScatterBegin(s, v, all, INSERT_VALUES, SCATTER_FORWARD));
    HP_CALL(VecScatterEnd(s, v, all, INSERT_VALUES, SCATTER_FORWARD));
    const PetscScalar* a = nullptr;
    PetscInt n = 0;
    HP_CALL(VecGetLocalSize(all, &n));
    HP_CALL(VecGetArrayRead(all, &a));
    std::vector<double> out(a, a + n);
    HP_CALL(VecRestoreArrayRead(all, &a));
    HP_CALL(VecScatterDestroy(&s));
    HP_CALL(VecDestroy(&all));
    return out;
  }
  static constexpr PetscInt kN = 101;
  double diagonal_sign_ = 1.0;
  Matrix A_;
  Vector x0_, b_;
};

TEST_F(FusedCgOnMatrix, SameIteratesAsPetscCgForEveryNormAndPreconditioner) {
  for (const char* pc : {PCNONE, PCJACOBI}) {
    for (KSPNormType norm : {KSP_NORM_UNPRECONDITIONED, KSP_NORM_PRECONDITIONED, KSP_NORM_NATURAL}) {
      const SolveRecord stock = solve(A_, b_, x0_, KSPCG, pc, norm, 25, gather);
      const SolveRecord fused = solve(A_, b_, x0_, hp::kFusedCG, pc, norm, 25, gather);
      SCOPED_TRACE(std::string(pc) + " norm " + KSPNormTypes[norm]);
      expect_same_solve(stock, fused, 1e-10);
    }
  }
}

TEST_F(FusedCgOnMatrix, ConvergesWhereCgDoes) {
  // With a tolerance: both stop at the same iteration with CONVERGED_RTOL.
  for (const char* type : {KSPCG, hp::kFusedCG}) {
    Krylov ksp;
    HP_CALL(KSPCreate(PETSC_COMM_WORLD, ksp.out()));
    HP_CALL(KSPSetOperators(ksp, A_, A_));
    HP_CALL(KSPSetType(ksp, type));
    PC pc = nullptr;
    HP_CALL(KSPGetPC(ksp, &pc));
    HP_CALL(PCSetType(pc, PCNONE));
    HP_CALL(KSPSetTolerances(ksp, 1e-8, 0.0, 1e10, 1000));
    Vector x;
    HP_CALL(VecDuplicate(b_, x.out()));
    HP_CALL(KSPSolve(ksp, b_, x));
    KSPConvergedReason reason;
    HP_CALL(KSPGetConvergedReason(ksp, &reason));
    EXPECT_EQ(reason, KSP_CONVERGED_RTOL) << type;
    Vector r;
    HP_CALL(VecDuplicate(b_, r.out()));
    HP_CALL(MatMult(A_, x, r));
    HP_CALL(VecAYPX(r, -1.0, b_));
    PetscReal rn = 0, bn = 0;
    HP_CALL(VecNorm(r, NORM_2, &rn));
    HP_CALL(VecNorm(b_, NORM_2, &bn));
    EXPECT_LE(rn, 1.01e-8 * bn) << type;
  }
}

TEST_F(FusedCgOnMatrix, IndefiniteMatrixIsReportedLikeCg) {
  diagonal_sign_ = -1.0;
  SetUp();
  const SolveRecord stock = solve(A_, b_, x0_, KSPCG, PCNONE, KSP_NORM_UNPRECONDITIONED, 25, gather);
  const SolveRecord fused = solve(A_, b_, x0_, hp::kFusedCG, PCNONE, KSP_NORM_UNPRECONDITIONED, 25, gather);
  EXPECT_EQ(fused.reason, KSP_DIVERGED_INDEFINITE_MAT);
  EXPECT_EQ(stock.reason, fused.reason);
  EXPECT_EQ(stock.iterations, fused.iterations);
}

}  // namespace
