// The `run` section: where `hyperpetsc run` writes its outputs. Keys: src/service/run_settings.cpp.
#pragma once
#include <petscsys.h>

#include <string>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

struct RunSettings {
  std::string dir;  // "" = runs/<config file's stem>; relative to the working folder
  PetscInt checkpoint_every = 5;  // outer steps between checkpoints; 0: only on a signal
  bool refit = false;             // re-train on train ∪ val with the final λ, report test metrics
};

const KeyTable<RunSettings>& run_table();

// The run store's path when neither `store:` nor --store gives one (relative to the
// working folder).
constexpr const char* kDefaultStorePath = "runs/runs.db";

// The output folder of a run of `config_path` (run.dir, or runs/<stem>).
std::string run_folder(const RunSettings& run, const std::string& config_path);

}  // namespace hp
