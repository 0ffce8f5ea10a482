// Private to src/data: the per-format phase-1 readers behind hp::read_rows.
#pragma once
#include <mpi.h>

#include <string>

#include "hyperpetsc/data/dataset.hpp"

namespace hp::data_detail {

RawRows read_libsvm(MPI_Comm comm, const DatasetSpec& spec);
RawRows read_csv(MPI_Comm comm, const DatasetSpec& spec);
RawRows read_idx(MPI_Comm comm, const DatasetSpec& spec);
RawRows generate_synthetic(MPI_Comm comm, const DatasetSpec& spec);

// Ends the row whose entries were just appended to rows.cols/vals. Returns what is wrong
// (empty if nothing): 32-bit PetscInt row pointers cap the nonzeros one rank can hold.
std::string close_row(RawRows& rows, double label);

// Collective epilogue of the file readers: sets global_rows, max_col (from this rank's
// largest column) and source; throws UserError on every rank if the file has no rows.
void finish_rows(MPI_Comm comm, const DatasetSpec& spec, PetscInt local_max_col, RawRows& rows);

}  // namespace hp::data_detail
