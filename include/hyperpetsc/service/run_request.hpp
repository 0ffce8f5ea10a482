// Running one configuration file as `hyperpetsc run` would (a plain run, or a sweep when
// it has a `sweep:` section): the use case the spool service calls for each job.
#pragma once
#include <mpi.h>

#include <functional>
#include <string>

namespace hp {

struct RunRequest {
  // Continue the run folder's work where it stopped: from its checkpoint, or from the start
  // when it holds no run yet (the spool cannot know whether a job left in running/ had
  // started). A run that already completed is not run again. False: a new run (a folder
  // that already holds one is refused).
  bool resume = false;
  bool quiet = false;          // no progress lines
  std::string store;           // the run store's file; "" = the config's `store:`
  int ranks_per_trial = 0;     // a sweep's rank groups (0: all ranks per trial)
  std::string run_dir;         // the run folder; "" = the config's run.dir (runs/<stem> if unset)
  std::function<int()> stop_signal = [] { return 0; };  // collective; polled between steps
};

struct RunOutcome {
  std::string run_dir;  // where the results are
  std::string summary;  // one line: how it ended ("completed: 8 steps, best val loss ...")
};

// Loads the file (its petsc_options apply to this run alone, over the process's options),
// then runs it in its run folder. Collective on comm. Throws hp::UserError (a bad file, a failed run: recorded as FAILED),
// hp::Interrupted (stopped by a signal after a checkpoint).
RunOutcome run_config_file(MPI_Comm comm, const std::string& config_path, const RunRequest& request);

}  // namespace hp
