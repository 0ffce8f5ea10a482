// The `inner` section: how w_t is computed from w_0. Keys: src/inner/inner_settings.cpp.
#pragma once
#include <petscsys.h>

#include <functional>
#include <memory>
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

class InnerSolver;  // inner_solver.hpp

// Inner solvers by name (`inner.solver`).
struct InnerSolverEntry {
  std::string name;
  std::string help;
  bool uses_momentum = false;  // reads inner.momentum (β); otherwise β = 0
  // Follows the recursion w_{i+1} = Φ(w_i) + β(w_i − w_{i−1}) and can store its iterates,
  // so ITD can differentiate through it (methods that need this refuse the others).
  bool differentiable = true;
  std::function<std::unique_ptr<InnerSolver>(const InnerSettings&)> make;
};
Registry<InnerSolverEntry>& inner_solvers();

const KeyTable<InnerSettings>& inner_table();

}  // namespace hp
