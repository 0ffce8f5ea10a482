// One trial's PETSc options, and no other's: while a ScopedPetscOptions lives, PETSc's
// default options database is a fresh one holding a copy of the previous database's
// options with `options_text` inserted on top (so it wins); at scope end the previous
// database is back, untouched, and the trial's options are gone.
//
// Scopes nest like any RAII object (PetscOptionsPush/Pop). Local (not collective), but
// `options_text` must not hold -options_file or -options_file_yaml inside a rank group:
// PETSc reads those files collectively on PETSC_COMM_WORLD.
#pragma once
#include <petscsys.h>

#include <string>

namespace hp {

class ScopedPetscOptions {
 public:
  // Throws hp::PetscFailure if PETSc rejects `options_text` (wrap it in
  // apply_user_options for one user error on every rank); nothing is pushed then.
  explicit ScopedPetscOptions(const std::string& options_text);
  ~ScopedPetscOptions();
  ScopedPetscOptions(const ScopedPetscOptions&) = delete;
  ScopedPetscOptions& operator=(const ScopedPetscOptions&) = delete;

 private:
  PetscOptions options_ = nullptr;
};

}  // namespace hp
