// Helpers for the data-layer tests.
#pragma once
#include <gtest/gtest.h>
#include <mpi.h>
#include <petscmat.h>

#include <functional>
#include <string>
#include <vector>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp::test {

// A shared_temp_dir() that rank 0 deletes (after a barrier) when the test ends.
class TempDir {
 public:
  explicit TempDir(MPI_Comm comm);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  operator const std::string&() const { return path_; }  // NOLINT: reads like a path

 private:
  MPI_Comm comm_;
  std::string path_;
};

// A DatasetSpec for a file in `dir` holding `text` (written by rank 0).
DatasetSpec file_spec(MPI_Comm comm, const std::string& dir, const std::string& name,
                      const std::string& format, const std::string& text);

// The n x d matrix as a dense row-major array on every rank.
std::vector<double> dense(Mat X);

// The same from phase-1 rows (d columns), plus the labels in global order.
std::vector<double> dense(MPI_Comm comm, const RawRows& rows, PetscInt d);
std::vector<double> all_labels(MPI_Comm comm, const RawRows& rows);

// First global row of this rank's block.
PetscInt first_row(MPI_Comm comm, const RawRows& rows);

// Compares this rank's block of `part` (distributed over comm) with the same global rows
// of `whole` (every row, read by one rank); returns the first difference, "" if none.
// Collective only for the row offset, so a mismatch never strands other ranks.
std::string row_mismatch(MPI_Comm comm, const RawRows& part, const RawRows& whole);

// Runs f, expects every rank to throw hp::UserError with one identical one-line message,
// and returns it ("" if nothing was thrown).
std::string collective_user_error(MPI_Comm comm, const std::function<void()>& f);

}  // namespace hp::test

// Message contains every one of the given fragments.
#define EXPECT_MESSAGE_HAS(msg, fragment) \
  EXPECT_NE((msg).find(fragment), std::string::npos) << "message: " << (msg)
