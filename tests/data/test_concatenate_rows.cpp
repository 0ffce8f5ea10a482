// concatenate_rows: the rows of one distributed data set after another's (refit on
// train ∪ validation), with labels, every stored entry and the column layout kept, for
// any rank count (rows move between ranks) and ranks holding no rows.
#include <gtest/gtest.h>
#include <petscmat.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "data_testing.hpp"
#include "hyperpetsc/data/dataset.hpp"
#include "test_support.hpp"

namespace {

using hp::test::file_spec;

// Five rows ending in a long line (LIBSVM splits by bytes: from 2 ranks on, some rank
// holds no row), with an empty row.
const char* const kFirst =
    "1 1:2 3:0.5\n"
    "-1 2:-1.5\n"
    "2\n"
    "3 5:0.25\n"
    "4 1:0.1 2:0.2 3:0.3 4:0.4 5:0.5 6:0.6\n";
const char* const kSecond =
    "7 6:3\n"
    "8 1:-2 6:1\n"
    "9 3:4\n";

struct Pair {
  hp::Dataset first, second;
};

// Both files assembled with d = 6 and this rank's share of the columns `local_cols`.
Pair load(const std::string& dir, PetscInt local_cols) {
  const auto a = file_spec(PETSC_COMM_WORLD, dir, "a.svm", "libsvm", kFirst);
  const auto b = file_spec(PETSC_COMM_WORLD, dir, "b.svm", "libsvm", kSecond);
  const hp::RawRows ra = hp::read_rows(PETSC_COMM_WORLD, a), rb = hp::read_rows(PETSC_COMM_WORLD, b);
  return {hp::assemble(PETSC_COMM_WORLD, ra, 6, local_cols, a.key),
          hp::assemble(PETSC_COMM_WORLD, rb, 6, local_cols, b.key)};
}

double stored_entries(Mat X) {
  MatInfo info;
  HP_CALL(MatGetInfo(X, MAT_GLOBAL_SUM, &info));
  return info.nz_used;
}

void expect_stacked(const Pair& p, const hp::Dataset& c) {
  EXPECT_EQ(c.n, p.first.n + p.second.n);
  EXPECT_EQ(c.d, 6);
  std::vector<double> expected = hp::test::dense(p.first.X);
  const std::vector<double> lower = hp::test::dense(p.second.X);
  expected.insert(expected.end(), lower.begin(), lower.end());
  EXPECT_EQ(hp::test::dense(c.X), expected);
  std::vector<double> labels = hp::test::gather_all(p.first.y);
  const std::vector<double> more = hp::test::gather_all(p.second.y);
  labels.insert(labels.end(), more.begin(), more.end());
  EXPECT_EQ(hp::test::gather_all(c.y), labels);
  EXPECT_EQ(stored_entries(c.X), stored_entries(p.first.X) + stored_entries(p.second.X));

  // Each rank keeps as many rows as it had; the columns stay where they were.
  PetscInt m1 = 0, m2 = 0, m = 0, my = 0, lo = 0, hi = 0, lo1 = 0, hi1 = 0;
  HP_CALL(MatGetLocalSize(p.first.X, &m1, nullptr));
  HP_CALL(MatGetLocalSize(p.second.X, &m2, nullptr));
  HP_CALL(MatGetLocalSize(c.X, &m, nullptr));
  HP_CALL(VecGetLocalSize(c.y, &my));
  EXPECT_EQ(m, m1 + m2);
  EXPECT_EQ(my, m);
  HP_CALL(MatGetOwnershipRangeColumn(c.X, &lo, &hi));
  HP_CALL(MatGetOwnershipRangeColumn(p.first.X, &lo1, &hi1));
  EXPECT_EQ(lo, lo1);
  EXPECT_EQ(hi, hi1);
  MatType type = nullptr;
  HP_CALL(MatGetType(c.X, &type));
  EXPECT_STREQ(type, MATMPIAIJ);
}

TEST(ConcatenateRows, StacksRowsAndLabelsInOrder) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const Pair p = load(dir, PETSC_DECIDE);
  expect_stacked(p, hp::concatenate_rows(p.first, p.second));
  // And the other way round: the order is the arguments'.
  const hp::Dataset swapped = hp::concatenate_rows(p.second, p.first);
  std::vector<double> labels = hp::test::gather_all(p.second.y);
  const std::vector<double> more = hp::test::gather_all(p.first.y);
  labels.insert(labels.end(), more.begin(), more.end());
  EXPECT_EQ(hp::test::gather_all(swapped.y), labels);
}

TEST(ConcatenateRows, KeepsAnUnevenColumnLayout) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  int rank = 0, size = 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  // All six columns on the last rank: every row's entries are off-diagonal elsewhere.
  const Pair p = load(dir, rank == size - 1 ? 6 : 0);
  const hp::Dataset c = hp::concatenate_rows(p.first, p.second);
  expect_stacked(p, c);
  // The structure is final, like assemble()'s.
  PetscInt rlo = 0, rhi = 0;
  HP_CALL(MatGetOwnershipRange(c.X, &rlo, &rhi));
  if (rlo == 0 && rhi > 0) {
    const PetscInt row = 0, col = 5;
    const PetscScalar one = 1;
    HP_CALL(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr));
    EXPECT_NE(MatSetValues(c.X, 1, &row, 1, &col, &one, INSERT_VALUES), 0);
    HP_CALL(PetscPopErrorHandler());
  }
}

TEST(ConcatenateRows, RefusesDifferentWidthsOnEveryRank) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const Pair p = load(dir, PETSC_DECIDE);
  const auto b = file_spec(PETSC_COMM_WORLD, dir, "c.svm", "libsvm", kSecond);
  const hp::Dataset wider = hp::assemble(PETSC_COMM_WORLD, hp::read_rows(PETSC_COMM_WORLD, b), 7, PETSC_DECIDE, b.key);
  EXPECT_THROW(hp::concatenate_rows(p.first, wider), std::invalid_argument);
}

}  // namespace
