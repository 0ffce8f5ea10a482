// SessionOptions::refit: the session's problem is trained on train ∪ validation, and the
// refit flow of an outer loop (final λ → inner solve → test metrics) runs through it.
#include <gtest/gtest.h>

#include <cmath>

#include "hyperpetsc/engine/hypergradient_session.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/feature_l2_model.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

hp::Settings settings_with_test() {
  hp::test::SmallSpec spec;
  spec.type = "logistic_l2";
  spec.classes = 3;
  spec.n_train = 60;
  spec.n_val = 40;
  spec.n_test = 30;
  spec.features = 15;
  hp::Settings s = hp::test::small_settings(spec);
  s.hyperparameters.init = -2.0;
  s.inner.iterations = 30;
  s.hypergradient.iterations = 30;
  return s;
}

const hp::FeatureL2Model& model(hp::HypergradientSession& s) {
  return dynamic_cast<const hp::FeatureL2Model&>(s.problem());
}

TEST(SessionRefit, TrainsOnTrainAndValidationAndReportsTest) {
  const hp::Settings s = settings_with_test();
  hp::HypergradientSession session(PETSC_COMM_WORLD, s);
  EXPECT_EQ(model(session).train_rows(), 60);
  auto cg = hp::make_method("aid_cg");
  session.compute(*cg);
  const hp::Evaluation tuned = session.problem().evaluate(session.w(), session.lambda());
  ASSERT_TRUE(tuned.test && tuned.test->accuracy);

  // The final λ into a refit session (natural order: both sides may distribute it).
  hp::HypergradientSession refit(PETSC_COMM_WORLD, s, hp::SessionOptions{true});
  EXPECT_EQ(model(refit).train_rows(), 100);
  EXPECT_EQ(model(refit).val_rows(), 40);
  EXPECT_EQ(model(refit).test_rows(), 30);
  refit.problem().scatter_outer(session.problem().gather_outer(session.lambda(), hp::GatherTo::all_ranks),
                                refit.lambda());
  refit.refresh_step_size();
  refit.inner().run(refit.problem(), refit.lambda(), refit.w(), s.inner.iterations, nullptr);
  const hp::Evaluation e = refit.problem().evaluate(refit.w(), refit.lambda());
  ASSERT_TRUE(e.test && e.test->accuracy && e.train);
  EXPECT_TRUE(std::isfinite(e.test->loss));
  EXPECT_GT(*e.test->accuracy, 0.0);
  // Another training set gives another w: the test loss moves.
  EXPECT_NE(e.test->loss, tuned.test->loss);
}

}  // namespace
