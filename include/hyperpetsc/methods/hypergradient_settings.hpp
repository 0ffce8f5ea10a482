// The `hypergradient` section: which method and how many adjoint/backward iterations.
// Keys: src/methods/hypergradient_settings.cpp.
#pragma once
#include <petscsys.h>

#include <string>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

struct HypergradientSettings {
  std::string method;       // a name in method_registry(), or aid_<PETSc KSP type>
  PetscInt iterations = 0;  // k (a maximum when tol > 0)
  double tol = 0.0;         // relative residual tolerance; 0 = run exactly k iterations
  bool warm_start = true;   // outer steps: v_0 = the previous v_k (AID methods)
};

const KeyTable<HypergradientSettings>& hypergradient_table();

}  // namespace hp
