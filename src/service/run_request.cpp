#include "hyperpetsc/service/run_request.hpp"

#include <filesystem>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/run_settings.hpp"
#include "hyperpetsc/service/run_trial.hpp"
#include "hyperpetsc/service/sweep_experiment.hpp"

namespace hp {

void run_settings(MPI_Comm comm, const Settings& settings, const RunRequest& request) {
  if (settings.sweep) {
    run_sweep_experiment(comm, settings, request);
    return;
  }
  if (request.ranks_per_trial > 0)
    throw UserError("--ranks-per-trial applies to sweeps; " + settings.config_path + " has no sweep: section");
  TrialOptions options;
  options.resume = request.resume;
  options.progress = !request.quiet;
  options.store = request.store.empty() ? settings.store : request.store;
  options.experiment = std::filesystem::path(settings.config_path).stem().string();
  options.stop_signal = [&request, comm] {
    int s = request.pending_signal();
    MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_INT, MPI_MAX, comm);
    return s;
  };
  run_trial(comm, settings, run_folder(settings.run, settings.config_path), options);
}

void run_config_file(MPI_Comm comm, const std::string& path, const RunRequest& request) {
  run_settings(comm, load_settings(path, {}), request);
}

}  // namespace hp
