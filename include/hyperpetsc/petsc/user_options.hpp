// PETSc options the user gives (the config's petsc_options, the command line, options
// files) are user input: PETSc rejecting one — an unknown type, a value that is not a
// number, a preconditioner a matrix-free operator cannot have, a missing options file, a
// -log_view report that cannot be written — is a user error (exit 2, one sentence on every
// rank), not an internal failure.
#pragma once
#include <mpi.h>
#include <petscsys.h>

#include <string>
#include <vector>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

// Whether a PETSc error raised while options are read or applied means they are wrong
// (unknown type, wrong or out-of-range value, unsupported combination, missing factor
// package, unreadable file, bad user input).
bool is_bad_option_code(PetscErrorCode code);

// The sentence for such a failure: which options (`options`, e.g. "PETSc options -adjoint_*
// (the adjoint solve of hypergradient.method aid_cg)"), what PETSc said, what to do.
std::string bad_option_message(const std::string& options, const PetscFailure& failure);

// Runs `apply` (one of a solver's XXXSetFromOptions or XXXSetUp, or an options insertion)
// on every rank of `comm`. A PetscFailure with a bad-option code on any rank becomes
// hp::UserError on every rank (PETSc opens files on rank 0 only, so one rank may fail
// alone: give each PETSc call its own apply_user_options, so that the other ranks do not
// go on into the next call's collectives); other exceptions pass through unchanged.
template <typename Apply>
void apply_user_options(MPI_Comm comm, const std::string& options, Apply&& apply) {
  std::string error;
  try {
    apply();
  } catch (const PetscFailure& failure) {
    if (!is_bad_option_code(failure.code())) throw;
    error = bad_option_message(options, failure);
  }
  agree_or_throw(comm, error);
}

// Before PetscInitialize, which would fail on rank 0 alone (with a traceback) while the
// other ranks wait: what is wrong with the files named by -options_file or
// -options_file_yaml in `petsc_args` (missing, not a regular file, unreadable), or "".
std::string options_file_problem(const std::vector<std::string>& petsc_args);

// After every option is inserted, if -log_view is set: checks on rank 0 that its report
// file can be written (PetscFinalize, after the results, would fail on rank 0 alone) and
// starts logging if the option came after PetscInitialize (from petsc_options).
// Collective; throws hp::UserError on every rank.
void prepare_log_view(MPI_Comm comm);

}  // namespace hp
