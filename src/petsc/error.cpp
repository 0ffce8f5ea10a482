#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {
std::string describe(PetscErrorCode code, const char* expr, const char* file, int line) {
  const char* text = nullptr;
  PetscErrorMessage(code, &text, nullptr);
  return std::string("PETSc error ") + std::to_string(code) + " (" + (text ? text : "unknown") +
         ") in " + expr + " at " + file + ":" + std::to_string(line);
}
}  // namespace

PetscFailure::PetscFailure(PetscErrorCode code, const char* expr, const char* file, int line)
    : std::runtime_error(describe(code, expr, file, line)), code_(code) {}

void throw_petsc_failure(PetscErrorCode code, const char* expr, const char* file, int line) {
  throw PetscFailure(code, expr, file, line);
}

}  // namespace hp
