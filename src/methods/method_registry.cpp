#include <petscksp.h>

#include "hyperpetsc/methods/aid_method.hpp"
#include "hyperpetsc/methods/exact_method.hpp"
#include "hyperpetsc/methods/fused_cg.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/methods/itd_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

constexpr const char* kAidPrefix = "aid_";

bool is_ksp_type(const std::string& type) {
  register_fused_cg();
  // Ask PETSc's registry quietly: KSPSetType fails for unknown names.
  KSP ksp = nullptr;
  if (KSPCreate(PETSC_COMM_SELF, &ksp)) return false;
  PetscPushErrorHandler(PetscReturnErrorHandler, nullptr);
  const PetscErrorCode err = KSPSetType(ksp, type.c_str());
  PetscPopErrorHandler();
  KSPDestroy(&ksp);
  return err == 0;
}

MethodEntry krylov(const char* name, const char* type, const char* help) {
  return {name, help, true, [name, type] { return std::make_unique<AidMethod>(name, make_krylov_adjoint(name, type)); }};
}

}  // namespace

Registry<MethodEntry>& method_registry() {
  static Registry<MethodEntry> r({
      {"itd", "reverse mode through all t inner steps", true, [] { return std::make_unique<ItdMethod>(false); },
       true},
      {"truncated_itd", "reverse mode through the last k inner steps", true,
       [] { return std::make_unique<ItdMethod>(true); }, true},
      {"aid_fp", "AID, k fixed-point iterations on the adjoint", true,
       [] { return std::make_unique<AidMethod>("aid_fp", make_fixed_point_adjoint()); }},
      {"aid_neumann", "AID, Neumann series with k + 1 terms (= aid_fp with k + 1)", true,
       [] { return std::make_unique<AidMethod>("aid_neumann", make_fixed_point_adjoint(), 1); }},
      krylov("aid_cg", kFusedCG, "AID, k CG iterations (symmetric ∂_wΦ; fused KSP cgfused, -adjoint_ksp_type cg for PETSc's)"),
      krylov("aid_gmres", KSPGMRES, "AID, k GMRES iterations"),
      krylov("aid_cgne", KSPCGNE, "AID, CG on the normal equations"),
      {"aid_ksp", "AID with the KSP chosen by -adjoint_ksp_type (GMRES if unset)", false,
       [] { return std::make_unique<AidMethod>("aid_ksp", make_krylov_adjoint("aid_ksp", KSPGMRES)); }},
      {"exact", "ground truth: Newton inner solve and adjoint to 1e-12 (ignores t, k)", false,
       [] { return std::make_unique<ExactMethod>(); }},
  });
  return r;
}

std::string unknown_method_message(const std::string& name) {
  if (method_registry().find(name)) return "";
  if (name.rfind(kAidPrefix, 0) == 0 && name.size() > 4 && name.size() < 64 && is_ksp_type(name.substr(4))) return "";
  return "unknown method " + quote_user_text(name) + "; choose one of " +
         choice_names(method_registry().choices(), ", ") +
         ", or aid_<PETSc KSP type> such as aid_bcgs, aid_minres, aid_tfqmr";
}

std::unique_ptr<HypergradientMethod> make_method(const std::string& name) {
  if (const MethodEntry* e = method_registry().find(name)) return e->make();
  const std::string why = unknown_method_message(name);
  if (!why.empty()) throw UserError("hypergradient.method: " + why);
  return std::make_unique<AidMethod>(name, make_krylov_adjoint(name, name.substr(4)));
}

}  // namespace hp
