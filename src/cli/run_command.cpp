// `hyperpetsc run CONFIG [--resume] [--quiet] [--store PATH]`: hypergradient descent on λ
// in the run folder (service/run_trial.hpp); SIGTERM / SIGUSR1 checkpoint and exit 75.
#include <filesystem>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/service/run_trial.hpp"
#include "hyperpetsc/service/run_settings.hpp"
#include "hyperpetsc/service/stop_signals.hpp"

namespace hp {

void run_run(MPI_Comm comm, const CommandLine& cl, const Settings& settings) {
  StopSignals signals;
  TrialOptions options;
  options.resume = cl.resume;
  options.progress = !cl.quiet;
  options.store = cl.store.empty() ? settings.store : cl.store;
  options.experiment = std::filesystem::path(settings.config_path).stem().string();
  options.stop_signal = [&] { return signals.stop_requested(comm); };
  run_trial(comm, settings, run_folder(settings.run, settings.config_path), options);
}

}  // namespace hp
