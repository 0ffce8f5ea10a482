// What `hyperpetsc run` does with one configuration, for the CLI and the spool service: a
// plain run (service/run_trial.hpp) or, when the configuration has a `sweep:` section, a
// sweep of trials over rank groups (service/sweep_experiment.hpp).
#pragma once
#include <mpi.h>

#include <functional>
#include <string>

#include "hyperpetsc/engine/settings.hpp"

namespace hp {

struct RunRequest {
  bool resume = false;        // --resume
  bool quiet = false;         // --quiet: no progress lines (a sweep's status lines stay)
  std::string store;          // --store ("" = the configuration's `store`)
  int ranks_per_trial = 0;    // --ranks-per-trial (sweeps; 0 = every rank in one group)
  std::string command_line_options;  // the PETSc options of the command line: they win over a trial's
  // The number of a stop signal this process received (0: none). Local: the run agrees
  // on it over its ranks.
  std::function<int()> pending_signal = [] { return 0; };
};

// Collective on comm. Throws hp::UserError (exit 2) and hp::Interrupted (exit 75).
void run_settings(MPI_Comm comm, const Settings& settings, const RunRequest& request);
// load_settings(path) then run_settings.
void run_config_file(MPI_Comm comm, const std::string& path, const RunRequest& request);

}  // namespace hp
