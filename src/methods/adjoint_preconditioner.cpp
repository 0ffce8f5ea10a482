// What the matrix-free adjoint operator can be preconditioned with, for messages.
#include <petscksp.h>

#include <array>
#include <cstring>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

std::string describe_adjoint_preconditioner(KSP ksp, const std::string& prefix, const std::string& options,
                                            bool has_diagonal) {
  PC pc = nullptr;
  HP_CALL(KSPGetPC(ksp, &pc));
  PCType type = nullptr;
  HP_CALL(PCGetType(pc, &type));
  if (!type || std::strcmp(type, PCNONE) == 0) return options;
  const std::string option = "-" + prefix + "pc_type " + type;
  const std::string offers = has_diagonal ? "products and its diagonal" : "products only";
  // PCJacobi asks for the diagonal lazily, inside the solve: refused here instead.
  if (!has_diagonal && std::strcmp(type, PCJACOBI) == 0)
    throw UserError(options + ": " + option + " needs the diagonal of I − ∂_wΦᵀ, which this problem does not " +
                    "provide (its operator is matrix-free, products only); use -" + prefix + "pc_type none");
  // What PETSc would reject only inside the solve, as an internal error, or not at all.
  struct Unusable {
    const char* type;
    const char* needs;
  };
  constexpr std::array<Unusable, 7> kUnusable = {{
      {PCSOR, "needs the rows of the matrix"},        // fails inside the solve
      {PCEISENSTAT, "needs the rows of the matrix"},  // crashes
      {PCKACZMARZ, "needs the rows of the matrix"},   // crashes
      {PCPBJACOBI, "needs the matrix's diagonal blocks"},
      {PCVPBJACOBI, "needs the matrix's diagonal blocks"},
      {PCDEFLATION, "needs an assembled matrix"},
      // Without update vectors from outside it returns zero: a silently zero hypergradient.
      {PCLMVM, "needs quasi-Newton updates the adjoint solve does not supply"},
  }};
  for (const Unusable& u : kUnusable)
    if (std::strcmp(type, u.type) == 0)
      throw UserError(options + ": " + option + " " + u.needs + ", but the operator I − ∂_wΦᵀ is matrix-free (" +
                      offers + "); use -" + prefix + "pc_type " + (has_diagonal ? "jacobi or none" : "none"));
  return options + " with " + option + " on the matrix-free operator I − ∂_wΦᵀ (" + offers + ")";
}

}  // namespace hp
