#include "data_testing.hpp"

#include <filesystem>
#include <functional>

#include "test_support.hpp"

namespace hp::test {

TempDir::TempDir(MPI_Comm comm) : comm_(comm), path_(shared_temp_dir(comm)) {}

TempDir::~TempDir() {
  MPI_Barrier(comm_);  // nobody is still reading the files
  int rank = 0;
  MPI_Comm_rank(comm_, &rank);
  std::error_code ignored;
  if (rank == 0) std::filesystem::remove_all(path_, ignored);
}

DatasetSpec file_spec(MPI_Comm comm, const std::string& dir, const std::string& name,
                      const std::string& format, const std::string& text) {
  DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = format;
  spec.path = dir + "/" + name;
  write_file(comm, spec.path, text);
  return spec;
}

std::vector<double> dense(Mat X) {
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(X));
  PetscInt n = 0, d = 0, lo = 0, hi = 0;
  HP_CALL(MatGetSize(X, &n, &d));
  HP_CALL(MatGetOwnershipRange(X, &lo, &hi));
  std::vector<double> mine(static_cast<size_t>(n * d), 0.0), all(mine.size());
  for (PetscInt r = lo; r < hi; ++r) {
    PetscInt nc = 0;
    const PetscInt* cols = nullptr;
    const PetscScalar* vals = nullptr;
    HP_CALL(MatGetRow(X, r, &nc, &cols, &vals));
    for (PetscInt e = 0; e < nc; ++e) mine[static_cast<size_t>(r * d + cols[e])] = vals[e];
    HP_CALL(MatRestoreRow(X, r, &nc, &cols, &vals));
  }
  MPI_Allreduce(mine.data(), all.data(), static_cast<int>(all.size()), MPI_DOUBLE, MPI_SUM, comm);
  return all;
}

PetscInt first_row(MPI_Comm comm, const RawRows& rows) {
  PetscInt local = rows.local_rows(), first = 0;
  MPI_Exscan(&local, &first, 1, MPIU_INT, MPI_SUM, comm);
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  return rank == 0 ? 0 : first;
}

std::vector<double> dense(MPI_Comm comm, const RawRows& rows, PetscInt d) {
  const PetscInt first = first_row(comm, rows), n = rows.global_rows;
  std::vector<double> mine(static_cast<size_t>(n * d), 0.0), all(mine.size());
  for (PetscInt i = 0; i < rows.local_rows(); ++i)
    for (PetscInt e = rows.row_ptr[i]; e < rows.row_ptr[i + 1]; ++e)
      mine[static_cast<size_t>((first + i) * d + rows.cols[e])] = rows.vals[e];
  MPI_Allreduce(mine.data(), all.data(), static_cast<int>(all.size()), MPI_DOUBLE, MPI_SUM, comm);
  return all;
}

std::vector<double> all_labels(MPI_Comm comm, const RawRows& rows) {
  const PetscInt first = first_row(comm, rows);
  std::vector<double> mine(static_cast<size_t>(rows.global_rows), 0.0), all(mine.size());
  for (PetscInt i = 0; i < rows.local_rows(); ++i) mine[first + i] = rows.labels[i];
  MPI_Allreduce(mine.data(), all.data(), static_cast<int>(all.size()), MPI_DOUBLE, MPI_SUM, comm);
  return all;
}

std::string row_mismatch(MPI_Comm comm, const RawRows& part, const RawRows& whole) {
  const PetscInt first = first_row(comm, part);
  if (first + part.local_rows() > whole.local_rows()) return "more rows than the whole";
  for (PetscInt i = 0; i < part.local_rows(); ++i) {
    const PetscInt g = first + i, len = part.row_ptr[i + 1] - part.row_ptr[i];
    const std::string at = "global row " + std::to_string(g) + ": ";
    if (part.labels[i] != whole.labels[g]) return at + "label";
    if (len != whole.row_ptr[g + 1] - whole.row_ptr[g]) return at + "length";
    for (PetscInt e = 0; e < len; ++e) {
      if (part.cols[part.row_ptr[i] + e] != whole.cols[whole.row_ptr[g] + e]) return at + "column";
      if (part.vals[part.row_ptr[i] + e] != whole.vals[whole.row_ptr[g] + e]) return at + "value";
    }
  }
  return {};
}

std::string collective_user_error(MPI_Comm comm, const std::function<void()>& f) {
  std::string msg;
  int threw = 0;
  try {
    f();
  } catch (const hp::UserError& e) {
    threw = 1;
    msg = e.what();
  }
  int all_threw = 0;
  MPI_Allreduce(&threw, &all_threw, 1, MPI_INT, MPI_MIN, comm);
  EXPECT_EQ(all_threw, 1) << "not every rank threw hp::UserError";

  int len = static_cast<int>(msg.size());
  MPI_Bcast(&len, 1, MPI_INT, 0, comm);
  std::string root = msg;
  root.resize(static_cast<size_t>(len));
  MPI_Bcast(root.data(), len, MPI_CHAR, 0, comm);
  EXPECT_EQ(msg, root) << "ranks disagree on the message";
  EXPECT_EQ(msg.find('\n'), std::string::npos) << "message spans lines: " << msg;
  return msg;
}

}  // namespace hp::test
