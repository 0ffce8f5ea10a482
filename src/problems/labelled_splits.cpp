#include "hyperpetsc/problems/labelled_splits.hpp"

#include <algorithm>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/problems/feature_memory.hpp"
#include "hyperpetsc/problems/feature_partition.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

LabelledSplits load_splits(MPI_Comm comm, const ProblemSettings& problem, bool need_classes) {
  check_declared_feature_memory(comm, problem);
  RawRows train = read_rows(comm, problem.train);
  RawRows val = read_rows(comm, problem.val);
  std::optional<RawRows> test;
  if (problem.test) test = read_rows(comm, *problem.test);

  LabelledSplits s;
  PetscInt max_col = std::max(train.max_col, val.max_col);
  if (test) max_col = std::max(max_col, test->max_col);
  s.features = problem.n_features > 0 ? problem.n_features : max_col + 1;
  if (s.features < 1)
    throw UserError("problem.train: no feature indices in any file; the data has no features");

  std::vector<const RawRows*> all{&train, &val};
  if (test) all.push_back(&*test);
  if (need_classes) s.classes = distinct_labels(comm, all);
  check_feature_memory(comm, problem, all, s.features, static_cast<PetscInt>(s.classes.size()));
  s.train_labels = train.labels;
  s.val_labels = val.labels;
  if (test) s.test_labels = test->labels;

  // Only the training data decide the balance; a column index beyond n_features is
  // reported by assemble (left alone here).
  s.partition = partition_features(comm, train, s.features);
  for (RawRows* r : {&train, &val, test ? &*test : nullptr})
    if (r) renumber_features(*r, s.partition);
  s.train = assemble(comm, train, s.features, s.partition.local, problem.train.key);
  s.val = assemble(comm, val, s.features, s.partition.local, problem.val.key);
  if (test) s.test = assemble(comm, *test, s.features, s.partition.local, problem.test->key);
  return s;
}

std::vector<PetscInt> class_indices(const std::vector<double>& labels,
                                    const std::vector<double>& classes) {
  std::vector<PetscInt> out(labels.size());
  for (size_t i = 0; i < labels.size(); ++i)
    out[i] = static_cast<PetscInt>(std::lower_bound(classes.begin(), classes.end(), labels[i]) -
                                   classes.begin());
  return out;
}

}  // namespace hp
