// BilevelProblem::evaluate of ridge_l2 and logistic_l2 against a serial dense computation
// in the test (fixtures/), for every data layout and feature distribution; the products
// an evaluation saves; and the refit problem (trained on train ∪ validation).
// Registered with 1, 2 and 4 ranks; the layout and distribution are set here.
#include <gtest/gtest.h>
#include <petsclog.h>
#include <petscvec.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"
#include "hyperpetsc/problems/data_loss.hpp"
#include "hyperpetsc/problems/feature_l2_model.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"
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
  const char* generator;
  PetscInt n_train, n_test, features;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.label; }

const Case kCases[] = {
    {"ridge", "ridge_l2", 0, "gaussian", 50, 30, 12},
    {"logistic", "logistic_l2", 3, "gaussian", 50, 30, 12},
    // Power-law columns (balanced is a real permutation), d > n, no test split.
    {"logistic_text", "logistic_l2", 4, "sparse_text", 25, 0, 40},
};

using Param = std::tuple<Case, const char*, const char*>;  // case, layout, distribution

constexpr double kTol = 1e-12;

class Evaluation : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    const auto& [c, layout, distribution] = GetParam();
    spec_.type = c.type;
    spec_.classes = c.classes;
    spec_.generator = c.generator;
    spec_.n_train = c.n_train;
    spec_.n_val = 35;
    spec_.n_test = c.n_test;
    spec_.features = c.features;
    spec_.layout = layout;
    spec_.feature_distribution = distribution;
    problem_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    ref_ = std::make_unique<hp::test::DenseReference>(spec_);
    lambda_ = problem_->create_outer_vector();
    hp::test::fill(*problem_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -1.0); });
    w_ = problem_->create_inner_vector();
    hp::test::fill(*problem_, w_, hp::test::w_formula);
  }

  bool classifies() const { return spec_.classes > 0; }

  // Every metric of `e` against the dense reference at W (natural order).
  void expect_reference(const hp::Evaluation& e, const std::vector<double>& W) const {
    const std::pair<const std::optional<hp::SplitMetrics>*, const hp::test::DenseSplit*> splits[] = {
        {&e.train, &ref_->train()}, {&e.val, &ref_->val()}, {&e.test, &ref_->test()}};
    for (const auto& [m, s] : splits) {
      if (s->n == 0) {
        EXPECT_FALSE(m->has_value()) << "a split the problem does not have";
        continue;
      }
      ASSERT_TRUE(m->has_value());
      const double loss = ref_->data_loss(*s, W);
      EXPECT_NEAR((*m)->loss, loss, kTol * std::fabs(loss));
      if (!classifies()) {
        EXPECT_FALSE((*m)->accuracy.has_value()) << "regression has no accuracy";
        continue;
      }
      ASSERT_TRUE((*m)->accuracy.has_value());
      EXPECT_DOUBLE_EQ(*(*m)->accuracy, ref_->accuracy(*s, W));
    }
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> problem_;
  std::unique_ptr<hp::test::DenseReference> ref_;
  Vector lambda_, w_;
};

TEST_P(Evaluation, MatchesTheDenseReference) {
  const hp::Evaluation e = problem_->evaluate(w_, lambda_);
  expect_reference(e, gather_all(*problem_, w_));
  // The validation loss is E.
  const double objective = problem_->outer_objective(w_, lambda_);
  EXPECT_NEAR(e.val->loss, objective, 1e-14 * std::fabs(objective));
  if (classifies()) {  // a point where accuracy says something
    EXPECT_GT(*e.train->accuracy, 0.0);
    EXPECT_LT(*e.train->accuracy, 1.0);
  }
}

// What an evaluation reuses depends on the layout (the features layout's fused step also
// leaves X·Φ(w)), not on which rank owns which feature: balanced only.
class EvaluationReuse : public Evaluation {};

// Nothing cached is reported for a point that moved, and an evaluation leaves what the
// gradient steps reuse intact.
TEST_P(EvaluationReuse, FollowsThePointAndLeavesTheStepsAlone) {
  (void)problem_->outer_objective(w_, lambda_);
  (void)problem_->evaluate(w_, lambda_);
  HP_CALL(VecScale(w_, 0.5));
  expect_reference(problem_->evaluate(w_, lambda_), gather_all(*problem_, w_));

  hp::test::configure_auto_step(*problem_, lambda_);
  Vector w1 = problem_->create_inner_vector(), w2 = problem_->create_inner_vector();
  problem_->apply_map(w_, lambda_, w1);  // fused layouts also leave X·w1
  expect_reference(problem_->evaluate(w1, lambda_), gather_all(*problem_, w1));
  problem_->apply_map(w1, lambda_, w2);
  // Hessian products overwrite the training scores: the next evaluation is still w2's.
  Vector hv = problem_->create_inner_vector();
  problem_->linearize(w2, lambda_);
  problem_->map_vjp_inner(w1, hv);
  expect_reference(problem_->evaluate(w2, lambda_), gather_all(*problem_, w2));

  // The same two steps on a problem that never evaluates.
  auto plain = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
  hp::test::configure_auto_step(*plain, lambda_);
  Vector v1 = plain->create_inner_vector(), v2 = plain->create_inner_vector();
  plain->apply_map(w_, lambda_, v1);
  plain->apply_map(v1, lambda_, v2);
  EXPECT_LE(rel_err(gather_all(*problem_, w2), gather_all(*plain, v2)), 1e-14);
}

double scores_products() {
  PetscEventPerfInfo info;
  HP_CALL(PetscLogEventGetPerfInfo(PETSC_DETERMINE, hp::log_events().scores, &info));
  return info.count;
}

// At most one product X·W per split, none for E's split right after E, none at all for a
// second evaluation at the same point.
TEST_P(EvaluationReuse, ProductsPerEvaluation) {
  HP_CALL(PetscLogDefaultBegin());
  const double splits = spec_.n_test > 0 ? 3 : 2;
  double before = scores_products();
  (void)problem_->evaluate(w_, lambda_);
  EXPECT_EQ(scores_products() - before, splits);

  HP_CALL(VecScale(w_, 2.0));
  (void)problem_->outer_objective(w_, lambda_);
  before = scores_products();
  (void)problem_->evaluate(w_, lambda_);
  EXPECT_EQ(scores_products() - before, splits - 1) << "X_val W is E's";

  before = scores_products();
  const hp::Evaluation again = problem_->evaluate(w_, lambda_);
  EXPECT_EQ(scores_products() - before, 0);
  expect_reference(again, gather_all(*problem_, w_));
}

// ---------------------------------------------------------------- refit

TEST_P(Evaluation, RefitTrainsOnTrainAndValidation) {
  const hp::Settings s = hp::test::small_settings(spec_);
  ASSERT_TRUE(hp::problem_can_refit(s.problem));
  auto refit = hp::make_problem(PETSC_COMM_WORLD, s.problem, s.hyperparameters, hp::ProblemBuildOptions{true});
  auto* model = dynamic_cast<hp::FeatureL2Model*>(refit.get());
  ASSERT_NE(model, nullptr);
  const PetscInt nt = spec_.n_train, nv = spec_.n_val;
  EXPECT_EQ(model->train_rows(), nt + nv);
  EXPECT_EQ(model->val_rows(), nv);
  EXPECT_EQ(model->test_rows(), spec_.n_test);
  EXPECT_EQ(model->features(), spec_.features);
  EXPECT_EQ(refit->name(), spec_.type);

  const std::vector<double> W = gather_all(*problem_, w_), lambda = gather_all(*problem_, lambda_);
  Vector rw = refit->create_inner_vector(), rl = refit->create_outer_vector();
  hp::test::fill(*refit, rw, W);
  hp::test::fill(*refit, rl, lambda);
  const hp::Evaluation r = refit->evaluate(rw, rl), e = problem_->evaluate(w_, lambda_);
  // Training rows are train's and val's: their losses weighted by their rows.
  const double n = static_cast<double>(nt + nv);
  const double loss = (nt * e.train->loss + nv * e.val->loss) / n;
  EXPECT_NEAR(r.train->loss, loss, kTol * std::fabs(loss));
  if (classifies()) {
    EXPECT_NEAR(*r.train->accuracy, (nt * *e.train->accuracy + nv * *e.val->accuracy) / n, 1e-15);
  }
  EXPECT_NEAR(r.val->loss, e.val->loss, kTol * std::fabs(e.val->loss));
  ASSERT_EQ(r.test.has_value(), e.test.has_value());
  if (r.test) {
    EXPECT_NEAR(r.test->loss, e.test->loss, kTol * std::fabs(e.test->loss));
  }

  // Labels travel with their rows: ∇_W of the merged data loss is the row-weighted
  // combination of train's and val's (the dense reference's), plus the penalty.
  Vector g = refit->create_inner_vector();
  hp::test::gradient_step(*refit).inner_gradient(rw, rl, g);
  const std::vector<double> train_g = ref_->training_gradient(W, lambda), val_g = ref_->outer_gradient(W);
  const std::vector<double> pen = ref_->penalty(lambda);
  std::vector<double> expected(W.size());
  const PetscInt c = ref_->c();
  for (size_t i = 0; i < W.size(); ++i) {
    const double p = pen[i / static_cast<size_t>(c)] * W[i];
    expected[i] = (nt * (train_g[i] - p) + nv * val_g[i]) / n + p;
  }
  EXPECT_LT(rel_err(gather_all(*refit, g), expected), 1e-12);
}

std::string name(const ::testing::TestParamInfo<Param>& info) {
  return std::string(std::get<0>(info.param).label) + "_" + std::get<1>(info.param) + "_" +
         std::get<2>(info.param);
}

INSTANTIATE_TEST_SUITE_P(Layouts, Evaluation,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values("rows", "features", "dense"),
                                            ::testing::Values("balanced", "contiguous")),
                         name);
INSTANTIATE_TEST_SUITE_P(Layouts, EvaluationReuse,
                         ::testing::Combine(::testing::ValuesIn(kCases),
                                            ::testing::Values("rows", "features", "dense"),
                                            ::testing::Values("balanced")),
                         name);

// ---------------------------------------------------------------- losses

TEST(CorrectCount, FirstLargestScoreWinsTies) {
  // Rows: a tie of classes 0 and 1 (→ 0), a clear 2, a tie of all three (→ 0), a clear 1.
  const std::vector<double> z = {1, 1, 0, 0, 0, 5, 2, 2, 2, -1, 3, 0};
  auto loss = hp::make_softmax_cross_entropy({0, 2, 1, 1}, 3, 4);
  EXPECT_EQ(loss->correct_count(z.data()), 3.0);  // the third row's tie goes to 0, not its 1
  auto others = hp::make_softmax_cross_entropy({1, 2, 0, 1}, 3, 4);
  EXPECT_EQ(others->correct_count(z.data()), 3.0);  // the first row's tie goes to 0, not its 1
}

TEST(CorrectCount, RegressionHasNone) {
  const std::vector<double> z = {1, 2};
  EXPECT_FALSE(hp::make_squared_loss({1, 2}, 2)->correct_count(z.data()).has_value());
}

}  // namespace
