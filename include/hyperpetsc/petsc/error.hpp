// Error bridging: PETSc error codes become C++ exceptions, and user mistakes are a
// distinct exception type so the CLI can exit with status 2 on every rank.
#pragma once
#include <petscsys.h>

#include <stdexcept>
#include <string>

namespace hp {

// A mistake the user can fix (bad key, bad file, non-contractive map, diverging solve).
// Always thrown collectively: every rank throws the same message.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A failure inside PETSc (a bug or resource exhaustion, not a user mistake).
class PetscFailure : public std::runtime_error {
 public:
  PetscFailure(PetscErrorCode code, const char* expr, const char* file, int line);
  PetscErrorCode code() const { return code_; }

 private:
  PetscErrorCode code_;
};

[[noreturn]] void throw_petsc_failure(PetscErrorCode code, const char* expr, const char* file,
                                      int line);

}  // namespace hp

// Call a PETSc function from C++ code; a nonzero code becomes hp::PetscFailure.
#define HP_CALL(...)                                                     \
  do {                                                                   \
    PetscErrorCode hp_ierr_ = (__VA_ARGS__);                             \
    if (hp_ierr_) hp::throw_petsc_failure(hp_ierr_, #__VA_ARGS__, __FILE__, __LINE__); \
  } while (0)

// PETSc 3.18 lacks PETSC_SUCCESS (added in 3.19).
#ifndef PETSC_SUCCESS
#define PETSC_SUCCESS 0
#endif
