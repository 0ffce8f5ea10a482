#include <gtest/gtest.h>
#include <petscmat.h>

#include "data_testing.hpp"
#include "hyperpetsc/data/dataset.hpp"
#include "test_support.hpp"

namespace {

using hp::test::collective_user_error;
using hp::test::file_spec;

const char* const kFile =
    "1 1:2 3:0.5\n"
    "-1 2:-1.5\n"
    "# comment\n"
    "2 5:0.25\n";

TEST(Assemble, BuildsXAndYWithTheRowLayout) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "a.svm", "libsvm", kFile);
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  const hp::Dataset ds =
      hp::assemble(PETSC_COMM_WORLD, rows, rows.max_col + 1, PETSC_DECIDE, spec.key);

  EXPECT_EQ(ds.n, 3);
  EXPECT_EQ(ds.d, 5);
  EXPECT_EQ(ds.source, spec.path);
  PetscInt m = 0, n = 0, ym = 0, M = 0, N = 0;
  HP_CALL(MatGetLocalSize(ds.X, &m, &n));
  HP_CALL(MatGetSize(ds.X, &M, &N));
  HP_CALL(VecGetLocalSize(ds.y, &ym));
  EXPECT_EQ(m, rows.local_rows());
  EXPECT_EQ(ym, rows.local_rows());
  EXPECT_EQ(M, 3);
  EXPECT_EQ(N, 5);
  PetscInt n_expected = PETSC_DECIDE, d = 5;
  HP_CALL(PetscSplitOwnership(PETSC_COMM_WORLD, &n_expected, &d));
  EXPECT_EQ(n, n_expected);

  MatType type = nullptr;
  HP_CALL(MatGetType(ds.X, &type));
  EXPECT_STREQ(type, MATMPIAIJ);
  EXPECT_EQ(hp::test::dense(ds.X), (std::vector<double>{2, 0, 0.5, 0, 0,   //
                                                        0, -1.5, 0, 0, 0,  //
                                                        0, 0, 0, 0, 0.25}));
  EXPECT_EQ(hp::test::gather_all(ds.y), (std::vector<double>{1, -1, 2}));
}

TEST(Assemble, ExplicitColumnLayoutAndWiderD) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "a.svm", "libsvm", kFile);
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  // All 8 columns on the last rank.
  int rank = 0, size = 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  const hp::Dataset ds =
      hp::assemble(PETSC_COMM_WORLD, rows, 8, rank == size - 1 ? 8 : 0, spec.key);
  PetscInt lo = 0, hi = 0;
  HP_CALL(MatGetOwnershipRangeColumn(ds.X, &lo, &hi));
  EXPECT_EQ(hi - lo, rank == size - 1 ? 8 : 0);
  const auto x = hp::test::dense(ds.X);
  ASSERT_EQ(x.size(), 24u);
  EXPECT_EQ(x[0], 2);
  EXPECT_EQ(x[2], 0.5);
  EXPECT_EQ(x[9], -1.5);
  EXPECT_EQ(x[20], 0.25);
  // X's structure is final.
  const PetscInt row = 0, col = 7;
  const PetscScalar one = 1;
  PetscInt rlo = 0, rhi = 0;
  HP_CALL(MatGetOwnershipRange(ds.X, &rlo, &rhi));
  if (rlo == 0 && rhi > 0) {
    HP_CALL(PetscPushErrorHandler(PetscReturnErrorHandler, nullptr));
    EXPECT_NE(MatSetValues(ds.X, 1, &row, 1, &col, &one, INSERT_VALUES), 0);
    HP_CALL(PetscPopErrorHandler());
  }
}

TEST(Assemble, RanksWithoutRows) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "two.svm", "libsvm", "1 1:1\n0 2:1\n");
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  const hp::Dataset ds = hp::assemble(PETSC_COMM_WORLD, rows, 2, PETSC_DECIDE, spec.key);
  EXPECT_EQ(hp::test::dense(ds.X), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(hp::test::gather_all(ds.y), (std::vector<double>{1, 0}));
}

TEST(Assemble, NFeaturesTooSmall) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "a.svm", "libsvm", kFile);
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  const std::string msg = collective_user_error(
      PETSC_COMM_WORLD, [&] { hp::assemble(PETSC_COMM_WORLD, rows, 3, PETSC_DECIDE, spec.key); });
  EXPECT_EQ(msg, "problem.train: feature index 5 in '" + spec.path +
                     "' exceeds problem.n_features = 3; remove problem.n_features or raise it");
}

TEST(Assemble, SyntheticHasDEqualFeatures) {
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "synthetic";
  spec.synthetic.generator = "sparse_text";
  spec.synthetic.rows = 50;
  spec.synthetic.features = 1000;
  spec.synthetic.nnz_per_row = 3;
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  const hp::Dataset ds =
      hp::assemble(PETSC_COMM_WORLD, rows, rows.max_col + 1, PETSC_DECIDE, spec.key);
  EXPECT_EQ(ds.n, 50);
  EXPECT_EQ(ds.d, 1000);
  MatInfo info;
  HP_CALL(MatGetInfo(ds.X, MAT_GLOBAL_SUM, &info));
  EXPECT_EQ(info.nz_used, 150);
}

TEST(DistinctLabels, UnionOverSetsAndRanks) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto a =
      file_spec(PETSC_COMM_WORLD, dir, "a.svm", "libsvm", "1 1:1\n-1 1:1\n2.5 1:1\n1 2:1\n3 1:1\n");
  const auto b = file_spec(PETSC_COMM_WORLD, dir, "b.svm", "libsvm", "3 1:1\n7 1:1\n-1 1:1\n");
  const hp::RawRows ra = hp::read_rows(PETSC_COMM_WORLD, a),
                    rb = hp::read_rows(PETSC_COMM_WORLD, b);
  EXPECT_EQ(hp::distinct_labels(PETSC_COMM_WORLD, {&ra, &rb}),
            (std::vector<double>{-1, 1, 2.5, 3, 7}));
  EXPECT_EQ(hp::distinct_labels(PETSC_COMM_WORLD, {&rb}), (std::vector<double>{-1, 3, 7}));
  EXPECT_EQ(hp::distinct_labels(PETSC_COMM_WORLD, {}), std::vector<double>{});
}

}  // namespace
