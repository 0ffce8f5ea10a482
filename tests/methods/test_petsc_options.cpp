// PETSc options reach the solver objects they are meant for, by prefix: -adjoint_ (the
// AID Krylov solve), -exact_ (exact's Newton solve) and -exact_adjoint_ (exact's adjoint).
#include <gtest/gtest.h>
#include <petscsys.h>

#include <string>
#include <vector>

#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;
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

class PetscOptionPrefixes : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.type = "logistic_l2";
    spec_.classes = 3;
    spec_.features = 12;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -2.0); });
    hp::test::configure_auto_step(*problem_, lambda_);
  }
  hp::test::Run run(const std::string& method, PetscInt k) {
    return hp::test::run_method(*problem_, method, lambda_, gd_, 30, k);
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  Vector lambda_;
  hp::MomentumIteration gd_{"gradient_descent", 0.0};
};

// After 3 iterations CG and GMRES are visibly different; aid_ksp is GMRES unless
// -adjoint_ksp_type says otherwise.
TEST_F(PetscOptionPrefixes, AidKspTakesItsTypeFromAdjointKspType) {
  const std::vector<double> cg = run("aid_cg", 3).g, gmres = run("aid_gmres", 3).g;
  ASSERT_GT(rel_err(cg, gmres), 1e-6);
  EXPECT_LT(rel_err(run("aid_ksp", 3).g, gmres), 1e-14);
  ScopedOption type("-adjoint_ksp_type", "cg");
  EXPECT_LT(rel_err(run("aid_ksp", 3).g, cg), 1e-14);
  EXPECT_LT(rel_err(run("aid_gmres", 3).g, cg), 1e-14);  // the option overrides every aid_ KSP
}

TEST_F(PetscOptionPrefixes, ExactAdjointKspReadsExactAdjointOptions) {
  const std::string ok = hp::test::collective_user_error(PETSC_COMM_WORLD, [&] { run("exact", 0); });
  EXPECT_EQ(ok, "<none>");
  {
    ScopedOption other("-adjoint_ksp_max_it", "2");  // AID's prefix: not exact's business
    EXPECT_EQ(hp::test::collective_user_error(PETSC_COMM_WORLD, [&] { run("exact", 0); }), "<none>");
  }
  ScopedOption max_it("-exact_adjoint_ksp_max_it", "2");
  const std::string msg = hp::test::collective_user_error(PETSC_COMM_WORLD, [&] { run("exact", 0); });
  EXPECT_HAS(msg, "adjoint solve did not reach");
}

// One Newton step cannot reach 1e-12 on this logistic problem: the SNES says so.
TEST_F(PetscOptionPrefixes, ExactNewtonSolveReadsExactOptions) {
  ScopedOption max_it("-exact_snes_max_it", "1");
  const std::string msg = hp::test::collective_user_error(PETSC_COMM_WORLD, [&] { run("exact", 0); });
  EXPECT_HAS(msg, "hypergradient.method exact");
  EXPECT_HAS(msg, "DIVERGED_MAX_IT after 1 Newton steps");
  EXPECT_HAS(msg, "hyperparameters.init");
}

}  // namespace
