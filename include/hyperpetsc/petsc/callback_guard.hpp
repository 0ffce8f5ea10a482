// C++ exceptions across PETSc callbacks (MATSHELL products, KSP convergence tests, SNES
// function and Jacobian, ...). PETSc is C: an exception must not unwind through it. A
// callback runs its body in guard_callback, which parks the exception in a process-wide
// pending slot (one per rank: ranks are single-threaded) and returns a PETSc error code;
// PETSc unwinds with that code to the HP_CALL that started it, which rethrows the
// original exception (same type, same message) and empties the slot. HP_CALL also
// rethrows when the call succeeded with an exception pending (PETSc ignored the code), so
// a parked exception is never dropped nor attached to a later, unrelated failure.
// (Destroy callbacks run from destructors and throw nothing; they return PETSc codes.)
#pragma once
#include <petscsys.h>

#include <exception>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

// Inside a catch block: parks std::current_exception() unless an earlier one is still
// pending (the first cause wins) and returns the code to hand back to PETSc
// (PetscFailure's own code, else PETSC_ERR_LIB).
PetscErrorCode park_current_exception() noexcept;

// Rethrows the pending exception, emptying the slot; returns if none is pending.
void rethrow_pending_exception();

// The body of every PETSc callback: `body()` runs; an exception becomes a PETSc code.
template <typename Body>
PetscErrorCode guard_callback(Body&& body) noexcept {
  try {
    body();
  } catch (...) {
    return park_current_exception();
  }
  return PETSC_SUCCESS;
}

}  // namespace hp
