#include <gtest/gtest.h>
#include <petscsys.h>

#include <sstream>

#include "data_testing.hpp"
#include "hyperpetsc/data/dataset.hpp"
#include "test_support.hpp"

namespace {

using hp::test::collective_user_error;
using hp::test::file_spec;

TEST(Csv, HeaderAndLastLabelColumn) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  auto spec = file_spec(PETSC_COMM_WORLD, dir, "h.csv", "csv",
                        "a,b,c,y\n"
                        "1, 0 ,0,5\n"
                        "0,0,0,6\r\n"
                        "\n"
                        "2.5,-3,0,+7\n");
  spec.header = true;
  spec.label_column = -1;
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  EXPECT_EQ(rows.global_rows, 3);
  EXPECT_EQ(rows.max_col, 2);  // three feature columns, the last all zero
  EXPECT_EQ(hp::test::dense(PETSC_COMM_WORLD, rows, 3),
            (std::vector<double>{1, 0, 0, 0, 0, 0, 2.5, -3, 0}));
  EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, rows), (std::vector<double>{5, 6, 7}));
}

TEST(Csv, FirstColumnLabelWithoutHeader) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  auto spec = file_spec(PETSC_COMM_WORLD, dir, "n.csv", "csv", "1,2,3\n0,4,0\n");
  const hp::RawRows rows = hp::read_rows(PETSC_COMM_WORLD, spec);
  EXPECT_EQ(rows.max_col, 1);
  EXPECT_EQ(hp::test::dense(PETSC_COMM_WORLD, rows, 2), (std::vector<double>{2, 3, 4, 0}));
  EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, rows), (std::vector<double>{1, 0}));

  spec.label_column = 1;  // the middle column
  const hp::RawRows mid = hp::read_rows(PETSC_COMM_WORLD, spec);
  EXPECT_EQ(hp::test::dense(PETSC_COMM_WORLD, mid, 2), (std::vector<double>{1, 3, 0, 0}));
  EXPECT_EQ(hp::test::all_labels(PETSC_COMM_WORLD, mid), (std::vector<double>{2, 4}));
}

// A header, 80 good rows (blank lines mixed in), `bad` on line 82, then more rows.
std::string with_bad_row(const std::string& bad) {
  std::ostringstream s;
  s << "x1,x2,label\n";
  for (int i = 2; i <= 81; ++i)
    s << (i % 9 == 0 ? std::string() : std::to_string(i) + ",0.5,1") << "\n";
  s << bad << "\n";
  for (int i = 0; i < 50; ++i) s << "1,2,3\n";
  return s.str();
}

TEST(Csv, MalformedRowsNameLineAndColumn) {
  struct Case {
    const char* row;
    const char* fragment;
  };
  const Case cases[] = {
      {"1,2", "has 2 fields, expected 3"},
      {"1,2,3,4", "has 4 fields, expected 3"},
      {"1,x,3", "column 2 ('x') is not a finite number"},
      {"1,,3", "column 2 is empty"},
      {"1,2,inf", "column 3 ('inf') is not a finite number"},
  };
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  int n = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.row);
    auto spec = file_spec(PETSC_COMM_WORLD, dir, "bad" + std::to_string(n++) + ".csv", "csv",
                          with_bad_row(c.row));
    spec.header = true;
    const std::string msg =
        collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
    EXPECT_MESSAGE_HAS(msg, "problem.train: '" + spec.path + "' line 82: ");
    EXPECT_MESSAGE_HAS(msg, c.fragment);
  }
}

// The width of the file's first data row rules, wherever later rows land.
TEST(Csv, WidthComesFromTheFirstDataRow) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  std::ostringstream s;
  s << "1,2\n";
  for (int i = 0; i < 100; ++i) s << "1,2,3\n";
  const auto spec = file_spec(PETSC_COMM_WORLD, dir, "w.csv", "csv", s.str());
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
  EXPECT_MESSAGE_HAS(msg, " line 2: has 3 fields, expected 2");
}

TEST(Csv, BadLabelColumnAndTooFewColumns) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  auto spec = file_spec(PETSC_COMM_WORLD, dir, "l.csv", "csv", "1,2,3\n4,5,6\n");
  spec.label_column = -4;
  std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
  EXPECT_MESSAGE_HAS(msg, "problem.train.label_column = -4 is out of range for 3 fields");

  const auto one = file_spec(PETSC_COMM_WORLD, dir, "one.csv", "csv", "1\n2\n");
  msg = collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, one); });
  EXPECT_MESSAGE_HAS(msg,
                     " line 1: has 1 field; need a label column and at least one feature column");
}

TEST(Csv, HeaderOnlyIsEmpty) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  auto spec = file_spec(PETSC_COMM_WORLD, dir, "ho.csv", "csv", "a,b,c\n\n");
  spec.header = true;
  const std::string msg =
      collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
  EXPECT_MESSAGE_HAS(msg, "contains no data rows");
}

}  // namespace
