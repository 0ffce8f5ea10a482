// Two row-distributed data sets stacked into one (refit: training on train ∪ validation).
//
// Rank r keeps as many rows as it held of the two inputs together, but in the global
// order of the result (all of `first`, then all of `second`) its block is contiguous, so
// rows move: each rank sends its rows to their new owners through PETSc's assembly
// stash, after an exact preallocation computed the same way (the owner of a row and that
// owner's column range decide its diagonal and off-diagonal counts).
#include <petscmat.h>

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

// The part of one input a rank holds and where its rows go in the result.
struct Block {
  Mat X;
  Vec y;
  PetscInt first_row = 0;   // global index of this rank's first row in the input
  PetscInt rows = 0;        // this rank's rows
  PetscInt destination = 0;  // global index of the input's row 0 in the result
};

// Rows whose global index in the result is `row`: owned by the rank r with
// starts[r] <= row < starts[r + 1].
int owner(const std::vector<PetscInt>& starts, PetscInt row) {
  return static_cast<int>(std::upper_bound(starts.begin(), starts.end(), row) - starts.begin()) - 1;
}

void check_compatible(MPI_Comm comm, const Dataset& a, const Dataset& b) {
  int same_comm = MPI_UNEQUAL;
  MPI_Comm_compare(comm, PetscObjectComm(reinterpret_cast<PetscObject>(b.X.get())), &same_comm);
  PetscBool a_aij = PETSC_FALSE, b_aij = PETSC_FALSE;
  HP_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(a.X.get()), MATMPIAIJ, &a_aij));
  HP_CALL(PetscObjectTypeCompare(reinterpret_cast<PetscObject>(b.X.get()), MATMPIAIJ, &b_aij));
  PetscInt a_cols = 0, b_cols = 0;
  HP_CALL(MatGetLocalSize(a.X, nullptr, &a_cols));
  HP_CALL(MatGetLocalSize(b.X, nullptr, &b_cols));
  int bad = (same_comm == MPI_IDENT || same_comm == MPI_CONGRUENT) && a_aij && b_aij && a.d == b.d &&
                    a_cols == b_cols
                ? 0
                : 1;
  // Agreed, so no rank goes on into the collectives below while another throws.
  MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, comm);
  if (bad)
    throw std::invalid_argument(
        "hp::concatenate_rows: data sets on different communicators, of different widths or "
        "column layouts, or not MPIAIJ (a bug)");
}

}  // namespace

Dataset concatenate_rows(const Dataset& first, const Dataset& second) {
  const MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(first.X.get()));
  check_compatible(comm, first, second);
  Block blocks[2] = {{first.X, first.y}, {second.X, second.y}};
  for (Block& b : blocks) {
    PetscInt hi = 0;
    HP_CALL(MatGetOwnershipRange(b.X, &b.first_row, &hi));
    b.rows = hi - b.first_row;
  }
  blocks[1].destination = first.n;
  const PetscInt local_rows = blocks[0].rows + blocks[1].rows;
  const PetscInt d = first.d;
  PetscInt local_cols = 0;
  HP_CALL(MatGetLocalSize(first.X, nullptr, &local_cols));

  // The result's row ranges (starts[r] .. starts[r + 1]) and column ranges per rank.
  const int size = comm_size(comm);
  std::vector<PetscInt> starts(static_cast<size_t>(size) + 1, 0);
  MPI_Allgather(&local_rows, 1, MPIU_INT, starts.data() + 1, 1, MPIU_INT, comm);
  for (int r = 0; r < size; ++r) starts[r + 1] += starts[r];
  const PetscInt* col_starts = nullptr;
  HP_CALL(MatGetOwnershipRangesColumn(first.X, &col_starts));

  // Each row's diagonal-block and off-diagonal-block counts, computed where the row is
  // and sent to its new owner (as Vec entries: PETSc moves them).
  Vector diag_count, offd_count;
  HP_CALL(VecCreateMPI(comm, local_rows, first.n + second.n, diag_count.out()));
  HP_CALL(VecDuplicate(diag_count, offd_count.out()));
  std::vector<PetscInt> destination;
  std::vector<PetscScalar> diag, offd;
  destination.reserve(static_cast<size_t>(local_rows));
  diag.reserve(static_cast<size_t>(local_rows));
  offd.reserve(static_cast<size_t>(local_rows));
  for (const Block& b : blocks)
    for (PetscInt i = 0; i < b.rows; ++i) {
      const PetscInt to = b.destination + b.first_row + i;
      const int p = owner(starts, to);
      PetscInt ncols = 0;
      const PetscInt* cols = nullptr;
      HP_CALL(MatGetRow(b.X, b.first_row + i, &ncols, &cols, nullptr));
      const auto in_diag = std::count_if(cols, cols + ncols, [&](PetscInt j) {
        return j >= col_starts[p] && j < col_starts[p + 1];
      });
      destination.push_back(to);
      diag.push_back(static_cast<PetscScalar>(in_diag));
      offd.push_back(static_cast<PetscScalar>(ncols - in_diag));
      HP_CALL(MatRestoreRow(b.X, b.first_row + i, &ncols, &cols, nullptr));  // zeroes ncols
    }
  const auto sent = static_cast<PetscInt>(destination.size());
  HP_CALL(VecSetValues(diag_count, sent, destination.data(), diag.data(), INSERT_VALUES));
  HP_CALL(VecSetValues(offd_count, sent, destination.data(), offd.data(), INSERT_VALUES));
  for (Vec v : {diag_count.get(), offd_count.get()}) {
    HP_CALL(VecAssemblyBegin(v));
    HP_CALL(VecAssemblyEnd(v));
  }
  std::vector<PetscInt> d_nnz(static_cast<size_t>(local_rows)), o_nnz(static_cast<size_t>(local_rows));
  {
    const PetscScalar* pd = nullptr;
    const PetscScalar* po = nullptr;
    HP_CALL(VecGetArrayRead(diag_count, &pd));
    HP_CALL(VecGetArrayRead(offd_count, &po));
    for (PetscInt i = 0; i < local_rows; ++i) {
      d_nnz[i] = static_cast<PetscInt>(pd[i]);
      o_nnz[i] = static_cast<PetscInt>(po[i]);
    }
    HP_CALL(VecRestoreArrayRead(offd_count, &po));
    HP_CALL(VecRestoreArrayRead(diag_count, &pd));
  }

  Dataset out;
  HP_CALL(MatCreate(comm, out.X.out()));
  HP_CALL(MatSetSizes(out.X, local_rows, local_cols, PETSC_DETERMINE, d));
  HP_CALL(MatSetType(out.X, MATMPIAIJ));
  HP_CALL(MatMPIAIJSetPreallocation(out.X, 0, d_nnz.data(), 0, o_nnz.data()));
  HP_CALL(MatSetOption(out.X, MAT_NEW_NONZERO_ALLOCATION_ERR, PETSC_TRUE));  // exact counts
  for (const Block& b : blocks)
    for (PetscInt i = 0; i < b.rows; ++i) {
      const PetscInt to = b.destination + b.first_row + i;
      PetscInt ncols = 0;
      const PetscInt* cols = nullptr;
      const PetscScalar* vals = nullptr;
      HP_CALL(MatGetRow(b.X, b.first_row + i, &ncols, &cols, &vals));
      HP_CALL(MatSetValues(out.X, 1, &to, ncols, cols, vals, INSERT_VALUES));
      HP_CALL(MatRestoreRow(b.X, b.first_row + i, &ncols, &cols, &vals));
    }
  HP_CALL(MatAssemblyBegin(out.X, MAT_FINAL_ASSEMBLY));
  HP_CALL(MatAssemblyEnd(out.X, MAT_FINAL_ASSEMBLY));
  HP_CALL(MatSetOption(out.X, MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));  // like assemble()

  HP_CALL(MatCreateVecs(out.X, nullptr, out.y.out()));
  size_t at = 0;
  for (const Block& b : blocks) {
    const PetscScalar* y = nullptr;
    HP_CALL(VecGetArrayRead(b.y, &y));
    HP_CALL(VecSetValues(out.y, b.rows, destination.data() + at, y, INSERT_VALUES));
    HP_CALL(VecRestoreArrayRead(b.y, &y));
    at += static_cast<size_t>(b.rows);
  }
  HP_CALL(VecAssemblyBegin(out.y));
  HP_CALL(VecAssemblyEnd(out.y));

  out.n = first.n + second.n;
  out.d = d;
  out.source = first.source + " + " + second.source;
  return out;
}

}  // namespace hp
