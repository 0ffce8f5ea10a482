// run_config_file for plain runs (one trial in the run folder). Sweeps (a `sweep:` section
// with ranks_per_trial) are the sweep runner's: the lead wires them in here.
#include "hyperpetsc/service/run_request.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>

#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/scoped_options.hpp"
#include "hyperpetsc/petsc/user_options.hpp"
#include "hyperpetsc/service/run_outputs.hpp"
#include "hyperpetsc/service/run_settings.hpp"
#include "hyperpetsc/service/run_trial.hpp"

namespace hp {

namespace {

// What a run folder holds, seen by the coordinator and shared.
enum FolderState : int { no_run = 0, unfinished_run = 1, completed_run = 2 };

FolderState folder_state(MPI_Comm comm, const std::string& run_dir) {
  int state = no_run;
  if (comm_rank(comm) == 0)
    state = run_completed(run_dir) ? completed_run : RunOutputs::holds_run(run_dir) ? unfinished_run : no_run;
  MPI_Bcast(&state, 1, MPI_INT, 0, comm);
  return static_cast<FolderState>(state);
}

}  // namespace

RunOutcome run_config_file(MPI_Comm comm, const std::string& config_path, const RunRequest& request) {
  const Settings settings = load_settings(config_path, {});
  RunOutcome outcome;
  outcome.run_dir = request.run_dir.empty() ? run_folder(settings.run, config_path) : request.run_dir;
  const FolderState state = request.resume ? folder_state(comm, outcome.run_dir) : no_run;
  if (state == completed_run) {
    outcome.summary = "already completed before this start; not run again";
    return outcome;
  }
  // The file's petsc_options hold for this run only (on top of the process's options).
  std::unique_ptr<ScopedPetscOptions> petsc_options;
  apply_user_options(comm, "the config's petsc_options", [&] {
    petsc_options = std::make_unique<ScopedPetscOptions>(settings.petsc_options);
  });
  TrialOptions options;
  options.resume = state == unfinished_run;
  options.progress = !request.quiet;
  options.store = request.store.empty() ? settings.store : request.store;
  options.experiment = std::filesystem::path(config_path).stem().string();
  if (request.stop_signal) options.stop_signal = request.stop_signal;
  const OuterRunResult r = run_trial(comm, settings, outcome.run_dir, options).result;
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s (%s) after %d steps, %.2f s: best val loss %.8g at step %d, final %.8g",
                options.resume ? "resumed and completed" : "completed", r.stop_reason.c_str(),
                static_cast<int>(r.steps), r.seconds, r.best.val_loss, static_cast<int>(r.best.step), r.final.val_loss);
  outcome.summary = buf;
  return outcome;
}

}  // namespace hp
