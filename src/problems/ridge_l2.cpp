// ridge_l2: squared loss, one output, one L2 hyperparameter per feature (or shared).
#include "hyperpetsc/problems/feature_l2_model.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"

namespace hp {

ProblemEntry ridge_l2_problem() {
  return make_problem_entry<LabelledDataOptions>(
      "ridge_l2", "least squares, penalty ½ Σ_j exp(λ_j) w_j² (regression targets)", labelled_data_table(),
      [](MPI_Comm comm, const LabelledDataOptions& data, const ProblemSettings& p, const HyperparameterSettings& h,
         const ProblemBuildOptions& how) -> std::unique_ptr<BilevelProblem> {
        LabelledSplits s = load_splits(comm, data, p, false);
        if (how.refit) merge_validation_into_training(s);
        auto train_loss = make_squared_loss(s.train_labels, s.train.n);
        auto val_loss = make_squared_loss(s.val_labels, s.val.n);
        std::optional<FeatureL2Model::Split> test;
        if (s.test) {
          auto test_loss = make_squared_loss(s.test_labels, s.test->n);
          test = FeatureL2Model::Split{std::move(*s.test), std::move(test_loss)};
        }
        return std::make_unique<FeatureL2Model>(
            "ridge_l2", FeatureL2Model::Split{std::move(s.train), std::move(train_loss)},
            FeatureL2Model::Split{std::move(s.val), std::move(val_loss)}, std::move(test), h.shared,
            std::move(s.partition), s.layout);
      });
}

}  // namespace hp
