// One run of one configuration in its run folder: the use case behind `hyperpetsc run`,
// each trial of a sweep, and each file of the spool service. Rank 0 of `comm` is the
// coordinator: it holds the folder's lock, writes the folder's files and the run store,
// and decides; every rank computes.
//
// Before any computation the coordinator locks the folder, checks that it can write it
// and the store, and (--resume) loads the checkpoint, refusing one written by another
// configuration. Then the outer loop runs with a checkpoint every run.checkpoint_every
// steps; on a stop signal it checkpoints and throws hp::Interrupted (exit 75). A failure
// is recorded (summary.json, the store: FAILED with its message) and rethrown.
#pragma once
#include <mpi.h>

#include <functional>
#include <string>

#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/outer/outer_loop.hpp"

namespace hp {

struct TrialOptions {
  bool resume = false;             // continue from the folder's checkpoint (restart if it has none)
  bool progress = true;            // a progress line per step on the coordinator
  std::string store;               // the run store's file ("" = none)
  std::string experiment;          // the experiment's name in the store
  long long experiment_id = 0;     // an existing experiment (a sweep's); 0: create one
  std::string params_json = "{}";  // the swept values, a JSON object
  // Collective: the number of a signal asking to stop (0: none). Polled between steps.
  std::function<int()> stop_signal = [] { return 0; };
};

struct TrialResult {
  OuterRunResult result;
  std::string run_dir;
};

// Collective on comm. Throws hp::UserError (recorded as FAILED), hp::Interrupted.
TrialResult run_trial(MPI_Comm comm, const Settings& settings, const std::string& run_dir,
                      const TrialOptions& options);

// Whether the run in `run_dir` completed (its summary.json says so). Local.
bool run_completed(const std::string& run_dir);

}  // namespace hp
