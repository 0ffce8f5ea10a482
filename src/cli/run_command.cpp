// `hyperpetsc run CONFIG [--resume] [--quiet] [--store PATH] [--ranks-per-trial R]`:
// hypergradient descent on λ in the run folder, or a sweep of such runs
// (service/run_request.hpp); SIGTERM / SIGUSR1 / SIGUSR2 checkpoint and exit 75.
#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/service/run_request.hpp"
#include "hyperpetsc/service/stop_signals.hpp"

namespace hp {

void run_run(MPI_Comm comm, const CommandLine& cl, const Settings& settings) {
  StopSignals signals;
  RunRequest request;
  request.resume = cl.resume;
  request.quiet = cl.quiet;
  request.store = cl.store;
  request.ranks_per_trial = cl.ranks_per_trial;
  for (const auto& o : cl.petsc) request.command_line_options += (request.command_line_options.empty() ? "" : " ") + o;
  request.pending_signal = [&signals] { return signals.pending(); };
  run_settings(comm, settings, request);
}

}  // namespace hp
