// The `inner` section: how w_t is computed from w_0. Keys: src/inner/inner_settings.cpp.
#pragma once
#include <petscsys.h>

#include <string>

#include "hyperpetsc/config/key_table.hpp"
#include "hyperpetsc/config/registry.hpp"
#include "hyperpetsc/config/tolerance_schedule.hpp"

namespace hp {

struct InnerSettings {
  std::string solver;     // a name in inner_solvers()
  bool step_auto = true;  // step_size: auto -> 1/L_max
  double step_size = 0.0;
  PetscInt iterations = 0;  // t (a maximum when tol > 0)
  ToleranceSchedule tol;    // stop when ‖Φ(w_i) − w_i‖ <= tol·‖Φ(0) − 0‖
  double momentum = 0.0;    // solvers with uses_momentum
  bool warm_start = true;   // outer steps: w_0 = the previous w_t
};

// Inner solvers by name (`inner.solver`).
struct InnerSolverEntry {
  std::string name;
  std::string help;
  bool uses_momentum = false;  // reads inner.momentum (β); otherwise β = 0
};
Registry<InnerSolverEntry>& inner_solvers();

const KeyTable<InnerSettings>& inner_table();

}  // namespace hp
