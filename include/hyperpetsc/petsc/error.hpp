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

// A run stopped by a signal (SIGTERM, SIGUSR1) after saving a checkpoint: the program
// exits 75 (EX_TEMPFAIL) so a job script can requeue it with --resume. Collective.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(const std::string& what, int signal) : std::runtime_error(what), signal_(signal) {}
  int signal() const { return signal_; }

 private:
  int signal_;
};
constexpr int kExitInterrupted = 75;

// A failure inside PETSc (a bug or resource exhaustion, not a user mistake). Carries
// PETSc's own message for the error (the first of its chain, see push_quiet_error_handler)
// when one was recorded.
class PetscFailure : public std::runtime_error {
 public:
  PetscFailure(PetscErrorCode code, const char* expr, const char* file, int line,
               std::string petsc_message = {});
  PetscErrorCode code() const { return code_; }
  // What PETSc said where the error arose (e.g. "Unable to find requested KSP type foo");
  // empty if nothing was recorded.
  const std::string& petsc_message() const { return petsc_message_; }

 private:
  PetscErrorCode code_;
  std::string petsc_message_;
};

// Replaces PETSc's printing error handler by one that prints nothing and records the
// first message of each error chain for the next PetscFailure. Call right after
// PetscInitialize (main and the test main): errors are reported by us, once, as a sentence.
void push_quiet_error_handler();

// The message recorded for the latest PETSc error that no PetscFailure has taken, for
// calls made outside HP_CALL (PetscInitialize, PetscFinalize); empties the record.
std::string take_petsc_error_message();

// Called by HP_CALL when a PETSc call failed, or succeeded while a callback's exception
// was pending: rethrows that exception if there is one (see callback_guard.hpp), else
// throws PetscFailure with PETSc's recorded message.
[[noreturn]] void throw_petsc_failure(PetscErrorCode code, const char* expr, const char* file,
                                      int line);

// Whether a PETSc callback parked an exception that no HP_CALL has rethrown yet.
bool callback_exception_pending() noexcept;

}  // namespace hp

// Call a PETSc function from C++ code; a nonzero code becomes hp::PetscFailure, or the
// original exception when one of our callbacks threw during the call.
#define HP_CALL(...)                                                                      \
  do {                                                                                    \
    PetscErrorCode hp_ierr_ = (__VA_ARGS__);                                              \
    if (hp_ierr_ || hp::callback_exception_pending())                                     \
      hp::throw_petsc_failure(hp_ierr_, #__VA_ARGS__, __FILE__, __LINE__);                \
  } while (0)

// PETSc 3.18 lacks PETSC_SUCCESS (added in 3.19).
#ifndef PETSC_SUCCESS
#define PETSC_SUCCESS 0
#endif
