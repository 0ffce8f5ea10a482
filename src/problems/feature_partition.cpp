#include "hyperpetsc/problems/feature_partition.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace hp {

namespace {

// Contiguous split: a feature's cost relative to one nonzero. The elementwise passes over
// W stream every feature row while each nonzero costs two products of c FMAs with a random
// access; measured on news20-shaped data (bench/): about 2.
constexpr double kPerFeatureCost = 2.0;

std::vector<int> training_counts(MPI_Comm comm, const RawRows& train, PetscInt d) {
  std::vector<int> counts(static_cast<size_t>(d), 0);
  for (PetscInt col : train.cols)
    if (col >= 0 && col < d) ++counts[static_cast<size_t>(col)];
  MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(d), MPI_INT, MPI_SUM, comm);
  return counts;
}

PetscInt contiguous_local(const std::vector<int>& counts, int size, int rank) {
  const auto d = static_cast<PetscInt>(counts.size());
  double total = 0;
  for (int c : counts) total += c + kPerFeatureCost;
  // Rank r owns the features whose cumulative cost midpoint falls in [r, r+1)·total/size.
  PetscInt lo = -1, hi = -1;
  double acc = 0;
  for (PetscInt j = 0; j < d; ++j) {
    const double w = counts[static_cast<size_t>(j)] + kPerFeatureCost;
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

FeaturePartition snake_partition(const std::vector<int>& counts, int size, int rank) {
  const auto d = static_cast<PetscInt>(counts.size());
  std::vector<PetscInt> by_count(static_cast<size_t>(d));
  std::iota(by_count.begin(), by_count.end(), PetscInt{0});
  std::stable_sort(by_count.begin(), by_count.end(),
                   [&](PetscInt a, PetscInt b) { return counts[a] > counts[b]; });
  std::vector<int> owner(static_cast<size_t>(d));
  for (PetscInt i = 0; i < d; ++i) {
    const auto round = i / size, slot = static_cast<int>(i % size);
    owner[by_count[i]] = round % 2 == 0 ? slot : size - 1 - slot;
  }
  std::vector<PetscInt> owned(static_cast<size_t>(size), 0);
  for (int o : owner) ++owned[o];
  std::vector<PetscInt> next(static_cast<size_t>(size), 0);  // running index per rank
  for (int r = 1; r < size; ++r) next[r] = next[r - 1] + owned[r - 1];
  auto position = std::make_shared<std::vector<PetscInt>>(static_cast<size_t>(d));
  for (PetscInt j = 0; j < d; ++j) (*position)[j] = next[owner[j]]++;
  FeaturePartition p;
  p.local = owned[rank];
  p.position = std::move(position);
  return p;
}

}  // namespace

FeaturePartition partition_features(MPI_Comm comm, const RawRows& train, PetscInt d,
                                    FeatureDistribution how) {
  int size = 1, rank = 0;
  MPI_Comm_size(comm, &size);
  MPI_Comm_rank(comm, &rank);
  FeaturePartition p;
  p.local = d;
  if (size == 1) return p;
  const std::vector<int> counts = training_counts(comm, train, d);
  if (how == FeatureDistribution::contiguous) {
    p.local = contiguous_local(counts, size, rank);
    return p;
  }
  return snake_partition(counts, size, rank);
}

void renumber_features(RawRows& rows, const FeaturePartition& partition) {
  if (!partition.position) return;
  const std::vector<PetscInt>& pos = *partition.position;
  const auto d = static_cast<PetscInt>(pos.size());
  std::vector<std::pair<PetscInt, PetscScalar>> row;
  for (PetscInt i = 0; i < rows.local_rows(); ++i) {
    const PetscInt b = rows.row_ptr[i], e = rows.row_ptr[i + 1];
    row.clear();
    for (PetscInt k = b; k < e; ++k) {
      const PetscInt c = rows.cols[k];
      row.emplace_back(c >= 0 && c < d ? pos[c] : c, rows.vals[k]);
    }
    std::sort(row.begin(), row.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    for (PetscInt k = b; k < e; ++k) {
      rows.cols[k] = row[k - b].first;
      rows.vals[k] = row[k - b].second;
    }
  }
}

std::vector<double> to_natural_order(const std::vector<double>& distributed, PetscInt block,
                                     const FeaturePartition& partition) {
  if (!partition.position || distributed.empty()) return distributed;
  const std::vector<PetscInt>& pos = *partition.position;
  std::vector<double> out(distributed.size());
  for (size_t j = 0; j < pos.size(); ++j)
    std::memcpy(&out[j * block], &distributed[static_cast<size_t>(pos[j] * block)],
                sizeof(double) * static_cast<size_t>(block));
  return out;
}

void from_natural_order(const std::vector<double>& natural, PetscInt block,
                        const FeaturePartition& partition, PetscInt first, PetscScalar* out,
                        PetscInt out_features) {
  const auto d = static_cast<PetscInt>(natural.size()) / block;
  for (PetscInt j = 0; j < d; ++j) {
    const PetscInt p = partition.position ? (*partition.position)[j] : j;
    if (p < first || p >= first + out_features) continue;
    std::memcpy(out + (p - first) * block, &natural[static_cast<size_t>(j * block)],
                sizeof(double) * static_cast<size_t>(block));
  }
}

}  // namespace hp
