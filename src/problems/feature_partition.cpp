#include "hyperpetsc/problems/feature_partition.hpp"

#include <vector>

namespace hp {

namespace {
// A feature's cost relative to one nonzero: the elementwise passes over W stream every
// feature row while each nonzero costs two products of c FMAs with a random access.
// Measured on news20-shaped data (bench/): about 2. Tunable with -hp_feature_cost.
constexpr double kPerFeatureCost = 2.0;
}  // namespace

PetscInt balanced_local_features(MPI_Comm comm, const RawRows& train, PetscInt d) {
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  if (size == 1) return d;
  double per_feature = kPerFeatureCost;
  PetscBool set = PETSC_FALSE;
  PetscOptionsGetReal(nullptr, nullptr, "-hp_feature_cost", &per_feature, &set);
  std::vector<int> counts(static_cast<size_t>(d), 0);
  for (PetscInt col : train.cols)
    if (col >= 0 && col < d) ++counts[static_cast<size_t>(col)];
  MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(d), MPI_INT, MPI_SUM, comm);
  double total = 0;
  for (int c : counts) total += c + per_feature;
  // Rank r owns the features whose cumulative cost midpoint falls in [r, r+1)·total/size.
  PetscInt lo = -1, hi = -1;
  double acc = 0;
  for (PetscInt j = 0; j < d; ++j) {
    const double w = counts[static_cast<size_t>(j)] + per_feature;
    int owner = static_cast<int>((acc + 0.5 * w) * size / total);
    if (owner >= size) owner = size - 1;
    acc += w;
    if (owner == rank) {
      if (lo < 0) lo = j;
      hi = j + 1;
    }
  }
  return lo < 0 ? 0 : hi - lo;
}

}  // namespace hp
