// The paper's headline on a problem where it is visible: multinomial logistic regression
// with one hyperparameter per feature on sparse text-like data, badly conditioned
// (q ≥ 0.9). At equal t = k the error against `exact` ranks aid_cg < aid_fp < itd.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cstdio>

#include "hyperpetsc/engine/hypergradient_session.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"
#include "test_support.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/gradient_step_problem.hpp"

namespace {

hp::DatasetSpec text_split(const char* key, std::uint64_t stream) {
  hp::DatasetSpec d;
  d.key = key;
  d.format = "synthetic";
  d.synthetic.generator = "sparse_text";
  d.synthetic.rows = 400;
  d.synthetic.features = 1000;
  d.synthetic.nnz_per_row = 40;
  d.synthetic.classes = 5;
  d.synthetic.noise = 0.5;
  d.synthetic.seed = 1;
  d.synthetic.stream = stream;
  return d;
}


TEST(PaperRanking, AtEqualTAndKAidCgBeatsAidFpBeatsItdOnIllConditionedLogistic) {
  hp::Settings s = hp::settings_from_text(
      "problem: {type: logistic_l2, train: {format: synthetic}, val: {format: synthetic}}\n"
      "hyperparameters: {init: -6.0}\n", "(test)", ".", {});
  hp::LabelledDataOptions data;
  data.train = text_split("problem.train", 0);
  data.val = text_split("problem.val", 1);
  s.problem.options = data;
  hp::HypergradientSession ex(PETSC_COMM_WORLD, s);
  auto& gs = dynamic_cast<hp::GradientStepProblem&>(ex.problem());
  const double q_lower = 1.0 - ex.step_size() * gs.strong_convexity_bound(ex.lambda());
  ASSERT_GE(q_lower, 0.9) << "the setup must be badly conditioned";

  auto exact = hp::make_method("exact");
  const hp::HypergradientResult ref = ex.compute(*exact);
  for (PetscInt t : {30, 60}) {
    ex.settings().inner.iterations = t;
    ex.settings().hypergradient.iterations = t;
    double err[3];
    const char* names[3] = {"aid_cg", "aid_fp", "itd"};
    for (int m = 0; m < 3; ++m) {
      auto method = hp::make_method(names[m]);
      const hp::HypergradientResult r = ex.compute(*method);
      err[m] = hp::test::relative_difference(r.hypergradient, ref.hypergradient);
    }
    int rank = 0;
    MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
    if (rank == 0)
      std::printf("  q >= %.4f, t = k = %d: aid_cg %.3e  aid_fp %.3e  itd %.3e\n", q_lower,
                  static_cast<int>(t), err[0], err[1], err[2]);
    EXPECT_LT(err[0], err[1]) << "t = k = " << t;
    EXPECT_LT(err[1], err[2]) << "t = k = " << t;
  }
}

}  // namespace
