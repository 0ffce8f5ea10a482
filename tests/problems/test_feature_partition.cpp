// FeaturePartition: how features are dealt to ranks (balanced and contiguous), and the
// renumbering between the natural (file) order and the distributed order.
#include <gtest/gtest.h>
#include <petscsys.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/feature_partition.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"
#include "small_problems.hpp"

namespace {

constexpr PetscInt kFeatures = 500;

hp::RawRows text_rows(MPI_Comm comm, std::uint64_t stream = 0) {
  hp::DatasetSpec s;
  s.key = "problem.train";
  s.format = "synthetic";
  s.synthetic.generator = "sparse_text";
  s.synthetic.rows = 200;
  s.synthetic.features = kFeatures;
  s.synthetic.nnz_per_row = 10;
  s.synthetic.classes = 3;
  s.synthetic.stream = stream;
  return hp::read_rows(comm, s);
}

std::vector<int> column_counts(const hp::RawRows& rows, PetscInt d) {
  std::vector<int> c(static_cast<size_t>(d), 0);
  for (PetscInt j : rows.cols) ++c[static_cast<size_t>(j)];
  return c;
}

int world_size() {
  int p = 1;
  MPI_Comm_size(PETSC_COMM_WORLD, &p);
  return p;
}

}  // namespace

TEST(FeaturePartition, BalancedDealsEqualFeatureCountsAndNearlyEqualNonzeros) {
  const MPI_Comm comm = PETSC_COMM_WORLD;
  const int p = world_size();
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  const hp::RawRows rows = text_rows(comm);
  const hp::FeaturePartition part = hp::partition_features(comm, rows, kFeatures);
  if (p == 1) {
    EXPECT_EQ(part.local, kFeatures);
    EXPECT_FALSE(part.position) << "one rank: the natural order";
    return;
  }
  ASSERT_TRUE(part.position);
  const std::vector<PetscInt>& pos = *part.position;
  ASSERT_EQ(static_cast<PetscInt>(pos.size()), kFeatures);

  // A permutation, the same on every rank.
  std::vector<PetscInt> sorted = pos;
  std::sort(sorted.begin(), sorted.end());
  for (PetscInt j = 0; j < kFeatures; ++j) ASSERT_EQ(sorted[j], j);
  std::vector<PetscInt> root = pos;
  MPI_Bcast(root.data(), kFeatures, MPIU_INT, 0, comm);
  EXPECT_EQ(root, pos);

  // Every rank owns ⌊d/p⌋ or ⌈d/p⌉ features: the vector passes are balanced.
  std::vector<PetscInt> local(static_cast<size_t>(p));
  MPI_Allgather(&part.local, 1, MPIU_INT, local.data(), 1, MPIU_INT, comm);
  EXPECT_EQ(std::accumulate(local.begin(), local.end(), PetscInt{0}), kFeatures);
  for (PetscInt l : local) {
    EXPECT_GE(l, kFeatures / p);
    EXPECT_LE(l, (kFeatures + p - 1) / p);
  }

  // Nonzeros: each rank within one feature's count of an equal share (the data are
  // power-law, so the contiguous natural split would be far off).
  std::vector<int> counts = column_counts(rows, kFeatures);
  MPI_Allreduce(MPI_IN_PLACE, counts.data(), kFeatures, MPI_INT, MPI_SUM, comm);
  std::vector<PetscInt> first(static_cast<size_t>(p) + 1, 0);
  for (int r = 0; r < p; ++r) first[r + 1] = first[r] + local[r];
  std::vector<double> nnz(static_cast<size_t>(p), 0.0);
  PetscInt total = 0;
  for (PetscInt j = 0; j < kFeatures; ++j) {
    const int owner = static_cast<int>(std::upper_bound(first.begin(), first.end(), pos[j]) - first.begin()) - 1;
    nnz[owner] += counts[j];
    total += counts[j];
  }
  const int max_count = *std::max_element(counts.begin(), counts.end());
  ASSERT_GT(max_count, 5 * total / kFeatures) << "the test data should be power-law";
  for (int r = 0; r < p; ++r)
    EXPECT_LE(std::abs(nnz[r] - static_cast<double>(total) / p), max_count) << "rank " << r;

  // Within a rank, features keep their natural order.
  for (PetscInt j = 1; j < kFeatures; ++j)
    for (PetscInt i = j - 1; i >= 0; --i) {
      const auto owner = [&](PetscInt f) { return std::upper_bound(first.begin(), first.end(), pos[f]) - first.begin(); };
      if (owner(i) == owner(j)) {
        EXPECT_LT(pos[i], pos[j]);
        break;
      }
    }
}

TEST(FeaturePartition, ContiguousKeepsTheNaturalOrder) {
  const hp::RawRows rows = text_rows(PETSC_COMM_WORLD);
  const hp::FeaturePartition part = hp::partition_features(PETSC_COMM_WORLD, rows, kFeatures,
                                                           hp::FeatureDistribution::contiguous);
  EXPECT_FALSE(part.position);
  PetscInt sum = part.local;
  MPI_Allreduce(MPI_IN_PLACE, &sum, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  EXPECT_EQ(sum, kFeatures);
}

TEST(FeaturePartition, NamesRoundTrip) {
  for (auto d : {hp::FeatureDistribution::balanced, hp::FeatureDistribution::contiguous})
    EXPECT_EQ(hp::feature_distribution_from_name(hp::name_of(d)), d);
  for (auto l : {hp::DataLayout::automatic, hp::DataLayout::rows, hp::DataLayout::features,
                 hp::DataLayout::dense})
    EXPECT_EQ(hp::data_layout_from_name(hp::name_of(l)), l);
}

// Unknown names are user errors naming the key, raised by load_splits before any file is
// read (the data files here do not exist).
TEST(FeaturePartition, UnknownDistributionOrLayoutIsAUserError) {
  hp::ProblemSettings problem;
  hp::LabelledDataOptions data;
  data.train.key = "problem.train";
  data.train.format = "libsvm";
  data.train.path = "/nonexistent/train.svm";
  data.val = data.train;
  problem.layout = "auto";
  problem.feature_distribution = "cyclic";
  std::string msg = hp::test::collective_user_error(
      PETSC_COMM_WORLD, [&] { hp::load_splits(PETSC_COMM_WORLD, data, problem, false); });
  EXPECT_HAS(msg, "problem.feature_distribution: unknown feature distribution 'cyclic'");
  EXPECT_HAS(msg, "balanced | contiguous");
  problem.feature_distribution = "balanced";
  problem.layout = "columns";
  msg = hp::test::collective_user_error(
      PETSC_COMM_WORLD, [&] { hp::load_splits(PETSC_COMM_WORLD, data, problem, false); });
  EXPECT_HAS(msg, "problem.layout: unknown data layout 'columns'");
  EXPECT_HAS(msg, "auto | rows | features | dense");
}

// Renumbered and assembled, column position[j] of X is natural column j of the file, for
// the training split that decided the partition and for another split alike.
TEST(FeaturePartition, RenumberedMatrixIsTheNaturalMatrixWithPermutedColumns) {
  const MPI_Comm comm = PETSC_COMM_WORLD;
  const hp::RawRows train = text_rows(comm);
  const hp::FeaturePartition part = hp::partition_features(comm, train, kFeatures);
  for (std::uint64_t stream : {0, 1}) {
    hp::RawRows rows = text_rows(comm, stream);
    const hp::Dataset natural = hp::assemble(comm, rows, kFeatures, PETSC_DECIDE, "problem.train");
    hp::renumber_features(rows, part);
    for (PetscInt i = 0; i < rows.local_rows(); ++i)
      EXPECT_TRUE(std::is_sorted(rows.cols.begin() + rows.row_ptr[i], rows.cols.begin() + rows.row_ptr[i + 1]));
    const hp::Dataset renumbered = hp::assemble(comm, rows, kFeatures, part.local, "problem.train");
    PetscInt lo = 0, hi = 0;
    HP_CALL(MatGetOwnershipRangeColumn(renumbered.X, &lo, &hi));
    EXPECT_EQ(hi - lo, part.local);
    PetscInt n = 0;
    HP_CALL(MatGetSize(natural.X, &n, nullptr));
    // Compare column by column through MatGetValues on owned rows.
    PetscInt rlo = 0, rhi = 0;
    HP_CALL(MatGetOwnershipRange(natural.X, &rlo, &rhi));
    for (PetscInt i = rlo; i < rhi; ++i)
      for (PetscInt j = 0; j < kFeatures; ++j) {
        const PetscInt pj = part.position ? (*part.position)[j] : j;
        PetscScalar a = 0, b = 0;
        HP_CALL(MatGetValues(natural.X, 1, &i, 1, &j, &a));
        HP_CALL(MatGetValues(renumbered.X, 1, &i, 1, &pj, &b));
        ASSERT_EQ(a, b) << "row " << i << ", natural column " << j;
      }
  }
}

TEST(FeaturePartition, NaturalOrderRoundTrip) {
  const MPI_Comm comm = PETSC_COMM_WORLD;
  const hp::RawRows train = text_rows(comm);
  const hp::FeaturePartition part = hp::partition_features(comm, train, kFeatures);
  const PetscInt block = 3;
  std::vector<double> distributed(static_cast<size_t>(kFeatures * block));
  for (size_t i = 0; i < distributed.size(); ++i) distributed[i] = 0.5 + static_cast<double>(i);
  const std::vector<double> natural = hp::to_natural_order(distributed, block, part);
  // Entry k of natural feature j is entry k of distributed feature position[j].
  for (PetscInt j = 0; j < kFeatures; ++j) {
    const PetscInt pj = part.position ? (*part.position)[j] : j;
    for (PetscInt k = 0; k < block; ++k) ASSERT_EQ(natural[j * block + k], distributed[pj * block + k]);
  }
  // Back: any window [first, first + count) of the distributed order.
  const PetscInt first = 37, count = 101;
  std::vector<double> window(static_cast<size_t>(count * block), -1.0);
  hp::from_natural_order(natural, block, part, first, window.data(), count);
  for (PetscInt i = 0; i < count * block; ++i) ASSERT_EQ(window[i], distributed[first * block + i]);
  EXPECT_TRUE(hp::to_natural_order({}, block, part).empty());
}
