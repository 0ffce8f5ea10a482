// logistic_l2: multinomial logistic regression (softmax cross-entropy over the distinct
// labels of all splits), one L2 hyperparameter per feature (or shared).
#include <cmath>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/feature_l2_model.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"

namespace hp {

namespace {
constexpr std::size_t kMaxClasses = 10000;
}

ProblemEntry logistic_l2_problem() {
  return make_problem_entry<LabelledDataOptions>(
      "logistic_l2", "softmax cross-entropy over integer class labels, penalty ½ Σ_j exp(λ_j) ‖W_j‖²",
      labelled_data_table(),
      [](MPI_Comm comm, const LabelledDataOptions& data, const ProblemSettings& p, const HyperparameterSettings& h,
         const ProblemBuildOptions& how) -> std::unique_ptr<BilevelProblem> {
        LabelledSplits s = load_splits(comm, data, p, true);
        const auto c = static_cast<PetscInt>(s.classes.size());
        if (c < 2) {
          std::ostringstream os;
          os << "problem.train: logistic_l2 needs at least 2 distinct labels over train, val and test, found "
             << c << "; check the label column or use problem.type: ridge_l2 for regression";
          throw UserError(os.str());
        }
        for (double label : s.classes)
          if (label != std::floor(label)) {
            std::ostringstream os;
            os.precision(10);
            os << "problem.train: logistic_l2 expects integer class labels, found " << label
               << " (and " << c << " distinct labels in all); are these regression targets? use "
               << "problem.type: ridge_l2";
            throw UserError(os.str());
          }
        if (s.classes.size() > kMaxClasses)
          throw UserError("problem.train: " + std::to_string(c) + " distinct labels; logistic_l2 supports at most " +
                          std::to_string(kMaxClasses) + " classes (are these regression targets? use problem.type: ridge_l2)");
        if (how.refit) merge_validation_into_training(s);
        auto loss = [&](const std::vector<double>& labels, PetscInt n) {
          return make_softmax_cross_entropy(class_indices(labels, s.classes), c, n);
        };
        auto train_loss = loss(s.train_labels, s.train.n);
        auto val_loss = loss(s.val_labels, s.val.n);
        std::optional<FeatureL2Model::Split> test;
        if (s.test) {
          auto test_loss = loss(s.test_labels, s.test->n);
          test = FeatureL2Model::Split{std::move(*s.test), std::move(test_loss)};
        }
        return std::make_unique<FeatureL2Model>(
            "logistic_l2", FeatureL2Model::Split{std::move(s.train), std::move(train_loss)},
            FeatureL2Model::Split{std::move(s.val), std::move(val_loss)}, std::move(test), h.shared,
            std::move(s.partition), s.layout);
      });
}

}  // namespace hp
