#include "hyperpetsc/petsc/callback_guard.hpp"

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {
std::exception_ptr pending;  // ranks are single-threaded: one slot per process
}  // namespace

bool callback_exception_pending() noexcept { return static_cast<bool>(pending); }

PetscErrorCode park_current_exception() noexcept {
  std::exception_ptr current = std::current_exception();
  PetscErrorCode code = PETSC_ERR_LIB;
  try {
    std::rethrow_exception(current);
  } catch (const PetscFailure& e) {
    if (e.code()) code = e.code();
  } catch (...) {
  }
  if (!pending) pending = std::move(current);
  return code;
}

void rethrow_pending_exception() {
  if (!pending) return;
  std::exception_ptr e = std::move(pending);
  pending = nullptr;
  std::rethrow_exception(e);
}

}  // namespace hp
