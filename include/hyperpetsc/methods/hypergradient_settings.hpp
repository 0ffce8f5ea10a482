// The `hypergradient` section: which method and how many adjoint/backward iterations.
// Keys: src/methods/hypergradient_settings.cpp.
#pragma once
#include <petscsys.h>

#include <string>

#include "hyperpetsc/config/key_table.hpp"
#include "hyperpetsc/config/tolerance_schedule.hpp"

namespace hp {

struct HypergradientSettings {
  std::string method;       // a name in method_registry(), or aid_<PETSc KSP type>
  PetscInt iterations = 0;  // k (a maximum when tol > 0)
  ToleranceSchedule tol;    // relative residual tolerance per outer step; 0 = exactly k iterations
  bool warm_start = true;   // outer steps: v_0 = the previous v_k (AID methods)
  PetscInt checkpoints = 0; // ITD methods: states stored (binomial schedule); 0 = every iterate
};

const KeyTable<HypergradientSettings>& hypergradient_table();

}  // namespace hp
