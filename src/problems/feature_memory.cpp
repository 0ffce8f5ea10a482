#include "hyperpetsc/problems/feature_memory.hpp"

#include <algorithm>
#include <string>

#include "hyperpetsc/data/dataset_settings.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

double feature_arrays_bytes_per_rank(double d, double c, int ranks) {
  constexpr double kWeightVectors = 8, kFeatureVectors = 6;
  const double partition = ranks > 1 ? 16.0 * d : 0.0;
  return partition + (kWeightVectors * c + kFeatureVectors) * 8.0 * d / ranks;
}

void check_declared_feature_memory(MPI_Comm comm, const LabelledDataOptions& problem) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  std::string what, remedy;
  double bytes = 0;
  auto consider = [&](PetscInt d, PetscInt outputs, const std::string& key) {
    const double b = feature_arrays_bytes_per_rank(static_cast<double>(d),
                                                   static_cast<double>(std::max<PetscInt>(outputs, 1)), ranks);
    if (b <= bytes) return;
    bytes = b;
    what = key + " = " + std::to_string(d);
    remedy = "lower " + key;
  };
  if (problem.n_features > 0) consider(problem.n_features, 1, "problem.n_features");
  for (const DatasetSpec* s : {&problem.train, &problem.val, problem.test ? &*problem.test : nullptr}) {
    const DataFormatEntry* format = s ? data_formats().find(s->format) : nullptr;
    if (format && !format->from_file) consider(s->synthetic.features, s->synthetic.classes, s->key + ".features");
  }
  if (bytes > 0) check_memory(comm, bytes, what, remedy);
}

void check_feature_memory(MPI_Comm comm, const LabelledDataOptions& problem,
                          const std::vector<const RawRows*>& splits, PetscInt d, PetscInt outputs) {
  int ranks = 1;
  MPI_Comm_size(comm, &ranks);
  const double bytes = feature_arrays_bytes_per_rank(static_cast<double>(d),
                                                     static_cast<double>(std::max<PetscInt>(outputs, 1)), ranks);
  std::string what = "problem.n_features = " + std::to_string(d);
  std::string remedy = "lower problem.n_features";
  if (problem.n_features <= 0) {
    const DatasetSpec* specs[] = {&problem.train, &problem.val, problem.test ? &*problem.test : nullptr};
    for (size_t i = 0; i < splits.size() && i < 3; ++i)
      if (specs[i] && splits[i]->max_col + 1 == d) {
        what = specs[i]->key + ": feature index " + std::to_string(d) + " in " +
               quote_user_text(splits[i]->source) + " (d = " + std::to_string(d) + " features)";
        remedy = "check the feature indices in that file";
        break;
      }
  }
  check_memory(comm, bytes, what, remedy);
}

}  // namespace hp
