#include "hyperpetsc/problems/labelled_splits.hpp"

#include <algorithm>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/problems/feature_memory.hpp"
#include "hyperpetsc/problems/feature_partition.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/data/dataset_settings.hpp"

namespace hp {

namespace {

KeyEntry<LabelledDataOptions> split_entry(const char* name, bool required, const char* help) {
  auto e = key_entry<LabelledDataOptions>(name, "section", "", help);
  e.required = required;
  const bool test = !required;
  e.read = [name, test](LabelledDataOptions& o, const ConfigNode& n, const std::string& key, const ParseContext& ctx) {
    DatasetSpec d = parse_dataset(n, key, ctx);
    if (test)
      o.test = std::move(d);
    else
      (std::string(name) == "train" ? o.train : o.val) = std::move(d);
  };
  e.write = [name, test](const LabelledDataOptions& o) {
    if (test) return o.test ? write_dataset(*o.test) : ConfigNode{};
    return write_dataset(std::string(name) == "train" ? o.train : o.val);
  };
  return e;
}

KeyEntry<LabelledDataOptions> n_features_entry() {
  auto e = key_entry<LabelledDataOptions>("n_features", "integer", "", "d; default: the largest feature index in any file");
  e.range_text = ">= 1";
  e.invalid_examples = {"0", "-5", "2147483648", "many"};
  e.set_default = [](LabelledDataOptions& o) { o.n_features = 0; };
  e.read = [](LabelledDataOptions& o, const ConfigNode& n, const std::string& key, const ParseContext&) {
    o.n_features = static_cast<PetscInt>(parse_integer(n, key, 1, 2147483647LL));
  };
  e.write = [](const LabelledDataOptions& o) {
    return o.n_features > 0 ? ConfigNode::make_scalar(std::to_string(o.n_features)) : ConfigNode{};
  };
  return e;
}

}  // namespace

const KeyTable<LabelledDataOptions>& labelled_data_table() {
  static const KeyTable<LabelledDataOptions> t =
      KeyTable<LabelledDataOptions>("problem", "labelled rows: train, val, optional test")
          .custom(split_entry("train", true, "give {path: FILE, format: libsvm|csv}, {format: idx, path: IMAGES, labels: LABELS} or {format: synthetic, ...}"))
          .custom(split_entry("val", true, "give {path: FILE, format: libsvm|csv}, {format: idx, path: IMAGES, labels: LABELS} or {format: synthetic, ...}"))
          .custom(split_entry("test", false, "optional, same form as train"))
          .custom(n_features_entry());
  return t;
}

LabelledSplits load_splits(MPI_Comm comm, const LabelledDataOptions& problem, const ProblemSettings& placement,
                           bool need_classes) {
  // Names first: a typo fails before any file is read.
  const DataLayout layout = data_layout_from_name(placement.layout);
  const FeatureDistribution distribution = feature_distribution_from_name(placement.feature_distribution);
  check_declared_feature_memory(comm, problem);
  RawRows train = read_rows(comm, problem.train);
  RawRows val = read_rows(comm, problem.val);
  std::optional<RawRows> test;
  if (problem.test) test = read_rows(comm, *problem.test);

  LabelledSplits s;
  s.layout = layout;
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
  s.partition = partition_features(comm, train, s.features, distribution);
  for (RawRows* r : {&train, &val, test ? &*test : nullptr})
    if (r) renumber_features(*r, s.partition);
  s.train = assemble(comm, train, s.features, s.partition.local, problem.train.key);
  s.val = assemble(comm, val, s.features, s.partition.local, problem.val.key);
  if (test) s.test = assemble(comm, *test, s.features, s.partition.local, problem.test->key);
  return s;
}

void merge_validation_into_training(LabelledSplits& s) {
  s.train = concatenate_rows(s.train, s.val);
  // Rows moved between ranks: this rank's labels are now those of the merged y.
  PetscInt m = 0;
  const PetscScalar* y = nullptr;
  HP_CALL(VecGetLocalSize(s.train.y, &m));
  HP_CALL(VecGetArrayRead(s.train.y, &y));
  s.train_labels.assign(y, y + m);
  HP_CALL(VecRestoreArrayRead(s.train.y, &y));
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
