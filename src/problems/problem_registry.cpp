#include "hyperpetsc/problems/problem_registry.hpp"

#include <cmath>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/feature_l2_model.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"

namespace hp {

namespace {

std::unique_ptr<BilevelProblem> make_ridge_l2(MPI_Comm, LabelledSplits s, const Settings& cfg) {
  auto train_loss = make_squared_loss(s.train_labels, s.train.n);
  auto val_loss = make_squared_loss(s.val_labels, s.val.n);
  return std::make_unique<FeatureL2Model>("ridge_l2", std::move(s.train), std::move(s.val),
                                          std::move(train_loss), std::move(val_loss),
                                          cfg.hyperparameters.shared, std::move(s.partition), s.layout);
}

std::unique_ptr<BilevelProblem> make_logistic_l2(MPI_Comm, LabelledSplits s, const Settings& cfg) {
  const auto c = static_cast<PetscInt>(s.classes.size());
  if (c < 2) {
    std::ostringstream os;
    os << "problem.train: logistic_l2 needs at least 2 distinct labels over train, val and "
          "test, found "
       << c << "; check the label column or use problem.type: ridge_l2 for regression";
    throw UserError(os.str());
  }
  if (c > 10000)
    throw UserError("problem.train: " + std::to_string(c) +
                    " distinct labels; logistic_l2 expects class labels (are these regression "
                    "targets? use problem.type: ridge_l2)");
  auto train_loss = make_softmax_cross_entropy(class_indices(s.train_labels, s.classes), c, s.train.n);
  auto val_loss = make_softmax_cross_entropy(class_indices(s.val_labels, s.classes), c, s.val.n);
  return std::make_unique<FeatureL2Model>("logistic_l2", std::move(s.train), std::move(s.val),
                                          std::move(train_loss), std::move(val_loss),
                                          cfg.hyperparameters.shared, std::move(s.partition), s.layout);
}

struct Entry {
  const char* name;
  bool classification;
  std::unique_ptr<BilevelProblem> (*make)(MPI_Comm, LabelledSplits, const Settings&);
};

const Entry kProblems[] = {
    {"ridge_l2", false, make_ridge_l2},
    {"logistic_l2", true, make_logistic_l2},
};

}  // namespace

std::vector<std::string> problem_names() {
  std::vector<std::string> names;
  for (const auto& e : kProblems) names.emplace_back(e.name);
  return names;
}

std::unique_ptr<BilevelProblem> make_problem(MPI_Comm comm, const Settings& settings) {
  for (const auto& e : kProblems)
    if (settings.problem.type == e.name)
      return e.make(comm, load_splits(comm, settings.problem, e.classification), settings);
  std::string list;
  for (const auto& n : problem_names()) list += (list.empty() ? "" : " | ") + n;
  throw UserError(settings.config_path + ": problem.type: unknown problem '" +
                  settings.problem.type + "'; choose " + list);
}

}  // namespace hp
