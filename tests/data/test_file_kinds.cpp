// Data paths that are not regular files fail at once on every rank, never block: a FIFO
// or /dev/zero would hang a reader that opens first and asks later.
#include <gtest/gtest.h>
#include <petscsys.h>
#include <sys/stat.h>

#include <string>

#include "data_testing.hpp"
#include "hyperpetsc/data/dataset.hpp"
#include "test_support.hpp"

namespace {

using hp::test::collective_user_error;

std::string read_error(const std::string& path, const std::string& format) {
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = format;
  spec.path = path;
  return collective_user_error(PETSC_COMM_WORLD, [&] { hp::read_rows(PETSC_COMM_WORLD, spec); });
}

class FileKinds : public ::testing::TestWithParam<const char*> {};

TEST_P(FileKinds, FifoIsRejectedWithoutOpening) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const std::string fifo = dir.path() + "/pipe.svm";
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  MPI_Barrier(PETSC_COMM_WORLD);
  EXPECT_EQ(read_error(fifo, GetParam()),
            "problem.train: '" + fifo +
                "' is a FIFO (named pipe), not a regular file; check problem.train.path "
                "(relative paths resolve against the config file's folder)");
}

TEST_P(FileKinds, CharacterDeviceIsRejected) {
  EXPECT_MESSAGE_HAS(read_error("/dev/zero", GetParam()),
                     "problem.train: '/dev/zero' is a character device, not a regular file");
}

TEST_P(FileKinds, FolderIsRejected) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  EXPECT_MESSAGE_HAS(read_error(dir.path(), GetParam()),
                     "problem.train: '" + dir.path() + "' is a folder, not a regular file");
}

TEST_P(FileKinds, MissingFileAndMissingFolder) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  EXPECT_MESSAGE_HAS(read_error(dir.path() + "/none.svm", GetParam()), "none.svm' not found");
  hp::test::write_file(PETSC_COMM_WORLD, dir.path() + "/plain", "1 1:1\n");
  EXPECT_MESSAGE_HAS(read_error(dir.path() + "/plain/x.svm", GetParam()),
                     "x.svm' not found (a part of it is not a folder)");
}

TEST_P(FileKinds, SymlinkToARegularFileIsRead) {
  const hp::test::TempDir dir(PETSC_COMM_WORLD);
  const std::string target = dir.path() + "/real", link = dir.path() + "/link";
  hp::test::write_file(PETSC_COMM_WORLD, target, "1,2\n3,4\n");
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank == 0) ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  MPI_Barrier(PETSC_COMM_WORLD);
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "csv";
  spec.path = link;
  EXPECT_EQ(hp::read_rows(PETSC_COMM_WORLD, spec).global_rows, 2);
}

INSTANTIATE_TEST_SUITE_P(Formats, FileKinds, ::testing::Values("libsvm", "csv"));

}  // namespace
