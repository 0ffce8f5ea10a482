#include <petscksp.h>

#include "hyperpetsc/methods/aid_method.hpp"
#include "hyperpetsc/methods/exact_method.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/methods/itd_method.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

bool is_ksp_type(const std::string& type) {
  // Ask PETSc's registry quietly: KSPSetType fails for unknown names.
  KSP ksp = nullptr;
  if (KSPCreate(PETSC_COMM_SELF, &ksp)) return false;
  PetscPushErrorHandler(PetscReturnErrorHandler, nullptr);
  const PetscErrorCode err = KSPSetType(ksp, type.c_str());
  PetscPopErrorHandler();
  KSPDestroy(&ksp);
  return err == 0;
}

}  // namespace

std::vector<std::string> method_names() {
  return {"itd", "truncated_itd", "aid_fp", "aid_neumann", "aid_cg", "aid_gmres", "aid_cgne",
          "aid_ksp", "exact"};
}

std::unique_ptr<HypergradientMethod> make_method(const std::string& name) {
  if (name == "itd") return std::make_unique<ItdMethod>(false);
  if (name == "truncated_itd") return std::make_unique<ItdMethod>(true);
  if (name == "exact") return std::make_unique<ExactMethod>();
  if (name == "aid_fp") return std::make_unique<AidMethod>(name, make_fixed_point_adjoint());
  if (name == "aid_neumann") return std::make_unique<AidMethod>(name, make_fixed_point_adjoint(), 1);
  if (name == "aid_cg") return std::make_unique<AidMethod>(name, make_krylov_adjoint(name, KSPCG));
  if (name == "aid_gmres") return std::make_unique<AidMethod>(name, make_krylov_adjoint(name, KSPGMRES));
  if (name == "aid_cgne") return std::make_unique<AidMethod>(name, make_krylov_adjoint(name, KSPCGNE));
  // aid_ksp: the type comes from -adjoint_ksp_type (GMRES if unset).
  if (name == "aid_ksp") return std::make_unique<AidMethod>(name, make_krylov_adjoint(name, KSPGMRES));
  if (name.rfind("aid_", 0) == 0 && is_ksp_type(name.substr(4)))
    return std::make_unique<AidMethod>(name, make_krylov_adjoint(name, name.substr(4)));
  std::string list;
  for (const auto& n : method_names()) list += (list.empty() ? "" : ", ") + n;
  throw UserError("hypergradient.method: unknown method '" + name + "'; choose one of " + list +
                  ", or aid_<PETSc KSP type> such as aid_bcgs, aid_minres, aid_tfqmr");
}

}  // namespace hp
