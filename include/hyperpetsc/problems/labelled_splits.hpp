// Problems trained on labelled rows (ridge_l2, logistic_l2): their keys of `problem`
// (train, val, test, n_features) and the loader that reads the splits together: the
// feature count is the largest index in any file (or n_features), and class labels are
// the distinct labels of all splits.
#pragma once
#include <mpi.h>

#include <optional>
#include <vector>

#include "hyperpetsc/config/key_table.hpp"
#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/problems/data_placement.hpp"
#include "hyperpetsc/problems/feature_partition.hpp"
#include "hyperpetsc/problems/problem_settings.hpp"

namespace hp {

struct LabelledDataOptions {
  DatasetSpec train, val;
  std::optional<DatasetSpec> test;
  PetscInt n_features = 0;  // 0: the largest feature index in any file, plus one
};
const KeyTable<LabelledDataOptions>& labelled_data_table();

struct LabelledSplits {
  Dataset train, val;
  std::optional<Dataset> test;
  PetscInt features = 0;
  FeaturePartition partition;   // X's columns are features in this distributed order
  DataLayout layout = DataLayout::automatic;  // problem.layout, for the problem to apply
  std::vector<double> classes;  // sorted distinct labels over all splits
  std::vector<double> train_labels, val_labels, test_labels;  // this rank's rows
};

// `need_classes`: gather the distinct labels (classification only; regression targets
// would be copied to every rank). problem.feature_distribution decides the partition;
// problem.layout is checked and returned in `layout`.
LabelledSplits load_splits(MPI_Comm comm, const LabelledDataOptions& data, const ProblemSettings& problem,
                           bool need_classes);

// Refit (training on train ∪ validation): train becomes train's rows followed by val's
// (concatenate_rows, same feature partition) and train_labels its labels on this rank;
// val and test stay as they are. Collective.
void merge_validation_into_training(LabelledSplits& s);

// Class index of each label (binary search in `classes`).
std::vector<PetscInt> class_indices(const std::vector<double>& labels,
                                    const std::vector<double>& classes);

}  // namespace hp
