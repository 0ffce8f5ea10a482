#include "hyperpetsc/petsc/scoped_options.hpp"

#include <cctype>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

// Copies every option of `from` into `to` with its exact value (a value may hold spaces,
// which PetscOptionsGetAll's text would split). Names come from that text: its tokens
// that start with '-' and a letter; a token that is no option's name is skipped.
// (PetscOptionsFindPair marks them used in `from`: -options_left cannot tell then.)
void copy_options(PetscOptions from, PetscOptions to) {
  char* all = nullptr;
  HP_CALL(PetscOptionsGetAll(from, &all));
  const std::string text = all ? all : "";
  HP_CALL(PetscFree(all));
  std::istringstream tokens(text);
  for (std::string token; tokens >> token;) {
    if (token.size() < 2 || token[0] != '-' || !std::isalpha(static_cast<unsigned char>(token[1]))) continue;
    const char* value = nullptr;
    PetscBool set = PETSC_FALSE;
    HP_CALL(PetscOptionsFindPair(from, nullptr, token.c_str(), &value, &set));
    if (set) HP_CALL(PetscOptionsSetValue(to, token.c_str(), value));
  }
}

}  // namespace

ScopedPetscOptions::ScopedPetscOptions(const std::string& options_text) {
  PetscOptions fresh = nullptr;
  HP_CALL(PetscOptionsCreate(&fresh));
  try {
    copy_options(nullptr, fresh);  // nullptr: the current default database
    HP_CALL(PetscOptionsInsertString(fresh, options_text.c_str()));
    HP_CALL(PetscOptionsPush(fresh));
  } catch (...) {
    (void)PetscOptionsDestroy(&fresh);
    throw;
  }
  options_ = fresh;
}

ScopedPetscOptions::~ScopedPetscOptions() {
  // Nothing to report from a destructor: a failure here would be a PETSc bug.
  (void)PetscOptionsPop();
  (void)PetscOptionsDestroy(&options_);
}

}  // namespace hp
