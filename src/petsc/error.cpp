#include "hyperpetsc/petsc/error.hpp"

#include <utility>

#include "hyperpetsc/petsc/callback_guard.hpp"

namespace hp {

namespace {

// The first message of the current PETSc error chain (recorded by the quiet handler when
// an error arises, PETSC_ERROR_INITIAL; the PETSC_ERROR_REPEAT calls that propagate it
// are ignored), taken by the next PetscFailure.
struct RecordedError {
  PetscErrorCode code = 0;
  std::string message;
};
RecordedError recorded;

PetscErrorCode record_first_message(MPI_Comm, int, const char*, const char*, PetscErrorCode code,
                                    PetscErrorType type, const char* message, void*) {
  if (type == PETSC_ERROR_INITIAL) {
    try {
      recorded.code = code;
      recorded.message = message ? message : "";
      while (!recorded.message.empty() &&
             (recorded.message.back() == '\n' || recorded.message.back() == ' '))
        recorded.message.pop_back();
    } catch (...) {  // out of memory while recording: report without the message
      recorded = {};
    }
  }
  return code;
}

// The message recorded for this failure; a message recorded for another code (an error
// PETSc handled itself) is not this failure's and is dropped.
std::string take_recorded_message(PetscErrorCode code) {
  RecordedError r = std::exchange(recorded, RecordedError{});
  return r.code == code ? std::move(r.message) : std::string();
}

std::string describe(PetscErrorCode code, const char* expr, const char* file, int line,
                     const std::string& petsc_message) {
  const char* text = nullptr;
  PetscErrorMessage(code, &text, nullptr);
  std::string s = "PETSc error " + std::to_string(code) + " (" + (text ? text : "unknown") + ")";
  if (!petsc_message.empty()) s += ": " + petsc_message;
  return s + "; in " + expr + " at " + file + ":" + std::to_string(line);
}

}  // namespace

PetscFailure::PetscFailure(PetscErrorCode code, const char* expr, const char* file, int line,
                           std::string petsc_message)
    : std::runtime_error(describe(code, expr, file, line, petsc_message)),
      code_(code),
      petsc_message_(std::move(petsc_message)) {}

void push_quiet_error_handler() {
  // Only fails when out of memory; PETSc's own handler then stays in place.
  (void)PetscPushErrorHandler(record_first_message, nullptr);
}

std::string take_petsc_error_message() { return std::exchange(recorded, RecordedError{}).message; }

void throw_petsc_failure(PetscErrorCode code, const char* expr, const char* file, int line) {
  std::string message = take_recorded_message(code);
  rethrow_pending_exception();  // a callback's exception is the real cause
  throw PetscFailure(code, expr, file, line, std::move(message));
}

}  // namespace hp
