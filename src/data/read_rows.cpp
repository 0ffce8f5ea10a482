#include <petscsys.h>

#include <cstdint>
#include <limits>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/data/dataset_settings.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "readers.hpp"

namespace hp {

RawRows read_rows(MPI_Comm comm, const DatasetSpec& spec) {
  if (const DataFormatEntry* e = data_formats().find(spec.format)) return e->read(comm, spec);
  const std::string msg = spec.key + ".format: unknown format " + quote_user_text(spec.format) + "; use " +
                          choice_names(data_formats().choices());
  agree_or_throw(comm, msg);
  throw UserError(msg);  // unreachable: agree_or_throw threw on every rank
}

namespace data_detail {

std::string close_row(RawRows& rows, double label) {
  if (rows.cols.size() > static_cast<std::size_t>(PETSC_MAX_INT)) {
    return "more than " + std::to_string(PETSC_MAX_INT) +
           " nonzeros on one MPI rank; run with more ranks";
  }
  rows.row_ptr.push_back(static_cast<PetscInt>(rows.cols.size()));
  rows.labels.push_back(label);
  return {};
}

void finish_rows(MPI_Comm comm, const DatasetSpec& spec, PetscInt local_max_col, RawRows& rows) {
  // Sum in 64 bits so an overflow of PetscInt is reported rather than wrapped.
  const std::int64_t local_n = rows.local_rows();
  std::int64_t n = 0;
  MPI_Allreduce(&local_n, &n, 1, MPI_INT64_T, MPI_SUM, comm);
  MPI_Allreduce(&local_max_col, &rows.max_col, 1, MPIU_INT, MPI_MAX, comm);
  rows.source = spec.path;

  std::string err;
  if (n == 0) {
    err = spec.key + ": " + quote_user_path(spec.path) +
          " contains no data rows (it is empty or holds only blank, comment or header lines); "
          "check " +
          spec.key + ".path";
  } else if (n > PETSC_MAX_INT) {
    err = spec.key + ": " + quote_user_path(spec.path) + " has " + std::to_string(n) +
          " rows, more than this PETSc build's 32-bit indices allow (" +
          std::to_string(PETSC_MAX_INT) + ")";
  }
  agree_or_throw(comm, err);
  rows.global_rows = static_cast<PetscInt>(n);
}

}  // namespace data_detail
}  // namespace hp
