// Phase 2: PETSc objects from this rank's CSR block once d is known.
#include <petscmat.h>

#include <algorithm>
#include <stdexcept>
#include <string>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

Dataset assemble(MPI_Comm comm, const RawRows& rows, PetscInt d, PetscInt local_features,
                 const std::string& key) {
  const PetscInt m = rows.local_rows();
  const std::size_t nnz = rows.cols.size();
  const bool consistent =
      rows.row_ptr.size() == static_cast<std::size_t>(m) + 1 && rows.row_ptr.front() == 0 &&
      static_cast<std::size_t>(rows.row_ptr.back()) == nnz && rows.vals.size() == nnz;
  // Column range over all ranks, measured rather than trusted from rows.max_col; the
  // CSR consistency flag rides along so a malformed block fails on every rank alike.
  PetscInt local[3] = {-1, 0, consistent ? 0 : 1};  // max col, -min col, inconsistent
  if (nnz) {
    const auto [lo, hi] = std::minmax_element(rows.cols.begin(), rows.cols.end());
    local[0] = *hi;
    local[1] = -*lo;
  }
  PetscInt global[3];
  MPI_Allreduce(local, global, 3, MPIU_INT, MPI_MAX, comm);
  if (global[2] || global[1] > 0) {
    throw std::invalid_argument("hp::assemble: malformed RawRows for " + key + " (a bug)");
  }
  std::string err;
  if (global[0] >= d) {
    err = key + ": feature index " + std::to_string(global[0] + 1) + " in " + quote_user_path(rows.source) +
          " exceeds problem.n_features = " + std::to_string(d) +
          "; remove problem.n_features or raise it";
  } else if (d < 1) {
    err = key + ": " + quote_user_path(rows.source) +
          " has no features (every row is empty); set problem.n_features or check the file";
  }
  agree_or_throw(comm, err);

  PetscInt n_local = local_features, n_cols = d;
  HP_CALL(PetscSplitOwnership(comm, &n_local, &n_cols));

  // PETSc copies the CSR arrays; empty blocks still need valid pointers.
  const PetscInt no_index = 0;
  const PetscScalar no_value = 0;
  Dataset ds;
  HP_CALL(MatCreateMPIAIJWithArrays(comm, m, n_local, PETSC_DETERMINE, d, rows.row_ptr.data(),
                                    nnz ? rows.cols.data() : &no_index,
                                    nnz ? rows.vals.data() : &no_value, ds.X.out()));
  // The structure is final: inserting a new nonzero later is a bug, so make it an error.
  HP_CALL(MatSetOption(ds.X, MAT_NEW_NONZERO_LOCATION_ERR, PETSC_TRUE));

  HP_CALL(MatCreateVecs(ds.X, nullptr, ds.y.out()));  // row layout of X
  PetscScalar* y = nullptr;
  HP_CALL(VecGetArrayWrite(ds.y, &y));
  std::copy(rows.labels.begin(), rows.labels.end(), y);
  HP_CALL(VecRestoreArrayWrite(ds.y, &y));

  HP_CALL(MatGetSize(ds.X, &ds.n, nullptr));
  ds.d = d;
  ds.source = rows.source;
  return ds;
}

}  // namespace hp
