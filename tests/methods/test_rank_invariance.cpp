// The same hypergradient on any number of ranks: each case is computed on PETSC_COMM_WORLD
// and, as the sequential reference, on PETSC_COMM_SELF by every rank (synthetic data are
// rank-independent). Registered with 1, 2, 3 and 4 ranks.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <string>
#include <vector>

#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

struct Case {
  const char* label;
  const char* type;
  PetscInt classes;
  bool shared;
  PetscInt n_train, features;
  const char* method;
  PetscInt t, k;
  const char* solver;
  bool sparse = false;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.label; }

const Case kCases[] = {
    {"ridge_aid_cg", "ridge_l2", 0, false, 80, 20, "aid_cg", 100, 30, "gradient_descent"},
    {"logistic_itd", "logistic_l2", 3, false, 80, 20, "itd", 60, 0, "gradient_descent"},
    {"logistic_aid_fp", "logistic_l2", 3, false, 80, 20, "aid_fp", 100, 50, "gradient_descent"},
    {"logistic_shared_aid_gmres", "logistic_l2", 3, true, 80, 20, "aid_gmres", 50, 20, "heavy_ball"},
    {"ridge_exact", "ridge_l2", 0, false, 80, 20, "exact", 0, 0, "gradient_descent"},
    {"logistic_exact", "logistic_l2", 4, false, 80, 12, "exact", 0, 0, "gradient_descent"},
    // More features than training rows.
    {"logistic_wide_aid_cg", "logistic_l2", 3, false, 20, 30, "aid_cg", 80, 40, "gradient_descent"},
    // Text-like data: features dealt to ranks by frequency, a real permutation.
    {"sparse_logistic_aid_cg", "logistic_l2", 4, false, 90, 70, "aid_cg", 80, 40, "gradient_descent", true},
    {"sparse_logistic_itd", "logistic_l2", 3, false, 90, 70, "itd", 50, 0, "heavy_ball", true},
    {"sparse_ridge_aid_fp", "ridge_l2", 0, false, 90, 70, "aid_fp", 80, 60, "gradient_descent", true},
};

struct Outcome {
  std::vector<double> g;
  double objective = 0;
};

Outcome compute(MPI_Comm comm, const Case& c) {
  hp::test::SmallSpec spec;
  spec.type = c.type;
  spec.classes = c.classes;
  spec.shared = c.shared;
  spec.n_train = c.n_train;
  spec.features = c.features;
  if (c.sparse) spec.generator = "sparse_text";
  auto problem = hp::test::make_small_problem(comm, spec);
  hp::Vector lambda = problem->create_outer_vector();
  hp::test::fill(*problem, lambda, [](PetscInt j) { return hp::test::lambda_formula(j, -2.0); });
  const double momentum = std::string(c.solver) == "heavy_ball" ? 0.5 : 0.0;
  hp::test::configure_auto_step(*problem, lambda, c.solver, momentum);
  const hp::MomentumIteration inner(c.solver, momentum);
  hp::test::Run r = hp::test::run_method(*problem, c.method, lambda, inner, c.t, c.k);
  return {r.g, r.result.outer_objective};
}

class RankInvariance : public ::testing::TestWithParam<Case> {};

TEST_P(RankInvariance, SameHypergradientAsOneRank) {
  const Outcome world = compute(PETSC_COMM_WORLD, GetParam());
  const Outcome self = compute(PETSC_COMM_SELF, GetParam());
  ASSERT_EQ(world.g.size(), self.g.size());
  EXPECT_GT(hp::test::norm2(self.g), 0.0);
  EXPECT_LT(hp::test::rel_err(world.g, self.g), 1e-10);
  EXPECT_NEAR(world.objective, self.objective, 1e-12 * std::fabs(self.objective));
}

INSTANTIATE_TEST_SUITE_P(Methods, RankInvariance, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.label); });

}  // namespace
