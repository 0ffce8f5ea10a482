// A sweep as one experiment: its trials (service/sweep_spec.hpp) run over rank groups
// (service/sweep_runner.hpp), each a full run (service/run_trial.hpp) in
// run.dir/trials/<index>/ with its own PETSc options and its rows in the store, under one
// experiment. run.dir gets config.resolved.yaml and sweep.json (every trial's status,
// values, best validation loss, seconds, error). A failed trial (bad value, divergence)
// is recorded FAILED and the sweep goes on; the sweep fails (hp::UserError) only if no
// trial completed. --resume runs the unfinished trials only, continuing interrupted ones
// from their checkpoints.
#pragma once
#include <mpi.h>

#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/service/run_request.hpp"

namespace hp {

// Collective on comm (the world the groups are split from).
void run_sweep_experiment(MPI_Comm comm, const Settings& base, const RunRequest& request);

}  // namespace hp
