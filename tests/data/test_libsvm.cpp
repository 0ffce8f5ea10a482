#include <gtest/gtest.h>
#include <petscsys.h>

#include <sstream>

#include "data_testing.hpp"
#include "hyperpetsc/data/dataset.hpp"
#include "test_support.hpp"

namespace {

using hp::test::collective_user_error;
using hp::test::file_spec;

// Comments, blank lines, qid, unsorted indices, an explicit zero, '+' label, CRLF and a
// missing final newline.
const char* const kSmall =
    "# leading comment line\n"
    "+1 3:0.5 1:2 qid:7   # unsorted, with qid\n"
    "-1 2:-1.5\n"
    "\n"
    "   \t \n"
    "2.5 5:1e-1 4:0 # explicit zero\r\n"
    "3 qid:1 1:1 2:2 3:3";

TEST(Libsvm, ParsesSmallFileExactly) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "small.svm", "libsvm", kSmall);
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);

  EXPECT_EQ(rows.global_rows, 4);
  EXPECT_EQ(rows.max_col, 4);  // "5:" sets d = 5 even though 4:0 is dropped
  EXPECT_EQ(rows.source, spec.path);
  EXPECT_EQ(rows.row_ptr.size(), rows.labels.size() + 1);
  for (PetscInt i = 0; i < rows.local_rows(); ++i)
    for (PetscInt e = rows.row_ptr[i] + 1; e < rows.row_ptr[i + 1]; ++e)
      EXPECT_LT(rows.cols[e - 1], rows.cols[e]) << "columns must be sorted per row";

  const std::vector<double> expected = {
      2, 0,    0.5, 0, 0,    // +1 3:0.5 1:2
      0, -1.5, 0,   0, 0,    // -1 2:-1.5
      0, 0,    0,   0, 0.1,  // 2.5 5:1e-1 4:0
      1, 2,    3,   0, 0,    // 3 1:1 2:2 3:3
  };
  EXPECT_EQ(hp::test::dense(PETSC_COMM_WORLD, rows, 5), expected);
  EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, rows), (std::vector<double>{1, -1, 2.5, 3}));

  // Zero values are not stored.
  PetscInt nnz = static_cast<PetscInt>(rows.cols.size()), total = 0;
  MPI_Allreduce(&nnz, &total, 1, MPIU_INT, MPI_SUM, PETSC_COMM_WORLD);
  EXPECT_EQ(total, 7);
}

TEST(Libsvm, TinyFileLeavesSomeRanksEmpty) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto two = file_spec(PETSC_COMM_WORLD, dir, "two.svm", "libsvm", "1 1:1\n0 2:1\n");
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, two);
  EXPECT_EQ(rows.global_rows, 2);
  EXPECT_EQ(rows.max_col, 1);
  EXPECT_EQ(hp::test::dense(PETSC_COMM_WORLD, rows, 2), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, rows), (std::vector<double>{1, 0}));

  // Fewer bytes than ranks: some byte ranges are empty.
  const auto three = file_spec(PETSC_COMM_WORLD, dir, "three.svm", "libsvm", "1\n2");
  const hp::RawRows labels_only = hp::read_rows(PETSC_COMM_WORLD, three);
  EXPECT_EQ(labels_only.global_rows, 2);
  EXPECT_EQ(labels_only.max_col, -1);
  EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, labels_only), (std::vector<double>{1, 2}));
}

// A file big enough to cross the reader's 1 MiB chunks, with one line longer than a chunk.
std::string big_libsvm() {
  std::ostringstream s;
  s.precision(17);
  for (int i = 0; i < 20000; ++i) {
    if (i % 97 == 0) s << "# comment " << i << "\n";
    if (i % 89 == 0) s << "\n";
    s << (i % 3) - 1;
    const int nnz = (i * 7919) % 23;
    for (int k = 0; k < nnz; ++k)
      s << ' ' << 1 + (i + 37 * k) % 1000 + 1000 * k << ':' << 0.25 * (k + 1) - i * 1e-5;
    if (i == 12345) {
      for (int k = 0; k < 150000; ++k) s << ' ' << 30000 + k << ":1";
    }
    s << "\n";
  }
  return s.str();
}

// Every sub-communicator size reads the same rows as a single rank does.
TEST(Libsvm, SameRowsForEveryRankCount) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "big.svm", "libsvm", big_libsvm());
  const hp::RawRows whole = hp::read_rows(PETSC_COMM_SELF, spec);
  EXPECT_EQ(whole.global_rows, 20000);
  EXPECT_EQ(whole.max_col, 30000 + 150000 - 2);

  int rank = 0, size = 1;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  MPI_Comm_size(PETSC_COMM_WORLD, &size);
  for (int k = 1; k <= size; ++k) {
    MPI_Comm sub = MPI_COMM_NULL;
    MPI_Comm_split(PETSC_COMM_WORLD, rank < k ? 0 : MPI_UNDEFINED, rank, &sub);
    if (sub == MPI_COMM_NULL) continue;
    const hp::RawRows part = hp::read_rows(sub, spec);
    EXPECT_EQ(part.global_rows, whole.global_rows);
    EXPECT_EQ(part.max_col, whole.max_col);
    EXPECT_GT(part.local_rows(), 0) << "ranks " << k;
    EXPECT_EQ(hp::test::row_mismatch(sub, part, whole), "") << k << " ranks";
    MPI_Comm_free(&sub);
  }
}

// Every prefix of a varied text: rank boundaries land before, on and after newlines,
// inside comments, blank lines and a final line without a newline.
TEST(Libsvm, EveryBoundaryPosition) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const std::string text = "1 1:1\n22 2:2 3:3\n\n# c\n-3 4:4\n4\n\n\n555 10:0.5 1:1\n6 2:1\n";
  for (std::size_t len = 1; len <= text.size(); ++len) {
    SCOPED_TRACE("prefix " + std::to_string(len));
    const auto spec = file_spec(PETSC_COMM_WORLD, dir, "p" + std::to_string(len) + ".svm", "libsvm",
                                text.substr(0, len));
    std::string self_error;
    hp::RawRows whole;
    try {
      whole = hp::read_rows(PETSC_COMM_SELF, spec);
    } catch (const hp::UserError& e) {
      self_error = e.what();
    }
    if (!self_error.empty()) {
      EXPECT_EQ(
          collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); }),
          self_error);
      continue;
    }
    const hp::RawRows part = hp::read_rows(PETSC_COMM_WORLD, spec);
    ASSERT_EQ(part.global_rows, whole.global_rows);
    ASSERT_EQ(part.max_col, whole.max_col);
    const PetscInt d = whole.max_col + 1;
    EXPECT_EQ(hp::test::dense(PETSC_COMM_WORLD, part, d),
              hp::test::dense(PETSC_COMM_SELF, whole, d));
    EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, part), whole.labels);
  }
}

// 60 good lines (with comments and blanks mixed in), then `bad` on line 61, then more.
std::string with_bad_line(const std::string& bad) {
  std::ostringstream s;
  for (int i = 1; i <= 60; ++i) {
    if (i % 10 == 0)
      s << "# comment\n";
    else if (i % 7 == 0)
      s << "\n";
    else
      s << (i % 2) << " 1:1 " << 2 + i % 5 << ":0.5\n";
  }
  s << bad << "\n";
  for (int i = 0; i < 40; ++i) s << "1 1:1 2:2\n";
  return s.str();
}

struct BadLine {
  const char* name;
  const char* line;
  const char* fragment;
};

TEST(Libsvm, MalformedLinesNameTheLine) {
  const BadLine cases[] = {
      {"zero", "1 0:1 2:3", "feature index 0 is not 1-based (indices start at 1)"},
      {"negative", "1 -4:1", "feature index -4 is not 1-based"},
      {"nonint", "1 a:1", "feature index 'a' in 'a:1' is not an integer"},
      {"fraction", "1 2.5:1", "feature index '2.5'"},
      {"huge", "1 99999999999:1", "exceeds the largest supported index"},
      {"duplicate", "1 3:1 1:1 3:2", "duplicate feature index 3"},
      {"value", "1 2:abc", "value 'abc' of feature 2 is not a finite number"},
      {"nan", "1 2:nan", "value 'nan' of feature 2"},
      {"empty value", "1 2:", "value '' of feature 2"},
      {"label", "yes 1:1", "label 'yes' is not a number"},
      {"pair", "1 5", "'5' is not an index:value pair"},
  };
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  int n = 0;
  for (const BadLine& c : cases) {
    SCOPED_TRACE(c.name);
    const auto spec = file_spec(PETSC_COMM_WORLD, dir, "bad" + std::to_string(n++) + ".svm",
                                "libsvm", with_bad_line(c.line));
    const std::string msg =
        collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
    EXPECT_MESSAGE_HAS(msg, "problem.train: '" + spec.path + "' line 61: ");
    EXPECT_MESSAGE_HAS(msg, c.fragment);
  }
}

TEST(Libsvm, FirstBadLineOfTheFileWins) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  std::ostringstream s;
  for (int i = 1; i <= 200; ++i) s << (i == 5 || i == 190 ? "1 0:1" : "1 1:1") << "\n";
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "two_bad.svm", "libsvm", s.str());
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
  EXPECT_MESSAGE_HAS(msg, " line 5: ");
}

TEST(Libsvm, MissingFile) {
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "libsvm";
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  spec.path = dir.path() + "/nope.svm";
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
  EXPECT_EQ(msg, "problem.train: '" + spec.path +
                     "' not found; check problem.train.path (relative paths "
                     "resolve against the config file's folder)");
}

TEST(Libsvm, DirectoryIsNotAFile) {
  hp::DatasetSpec spec;
  spec.key = "problem.val";
  spec.format = "libsvm";
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  spec.path = dir.path();
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
  EXPECT_MESSAGE_HAS(msg, "problem.val: '" + spec.path + "' is a folder, not a regular file");
}

TEST(Libsvm, EmptyFilesAreErrors) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  for (const char* text : {"", "# only a comment\n\n   \n# another\n"}) {
    const auto spec = file_spec(PETSC_COMM_WORLD, dir, "empty.svm", "libsvm", text);
    const std::string msg =
        collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
    EXPECT_MESSAGE_HAS(msg, "problem.train: '" + spec.path + "' contains no data rows");
  }
}

TEST(ReadRows, UnknownFormat) {
  hp::DatasetSpec spec;
  spec.key = "problem.test";
  spec.format = "parquet";
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
  EXPECT_EQ(msg, "problem.test.format: unknown format 'parquet'; use libsvm | csv | idx | synthetic");
}

}  // namespace
