// The `outer` section: the outer optimiser and when to stop. Keys: src/outer/outer_settings.cpp.
#pragma once
#include <petscsys.h>

#include <string>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

struct OuterSettings {
  std::string optimizer;   // a name in outer_optimizers()
  double learning_rate = 0;
  double momentum = 0;     // sgd
  double beta1 = 0, beta2 = 0, epsilon = 0;  // adam
  PetscInt iterations = 0; // outer steps (a maximum)
  double max_seconds = 0;  // 0: no limit
  PetscInt patience = 0;   // steps without a better validation loss; 0: no limit
  double tol = 0;          // stop when ‖ĝ‖ <= tol; 0: never
};

const KeyTable<OuterSettings>& outer_table();

}  // namespace hp
