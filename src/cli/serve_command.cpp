// `hyperpetsc serve --spool DIR [--ranks-per-trial R] [--store PATH] [--quiet]`: the spool
// service (service/spool.hpp) running each job file as `hyperpetsc run` would. Exit 0 when
// DIR/stop appears; exit 75 on SIGTERM/SIGUSR1 (the job in hand checkpoints and stays in
// running/ to be resumed by the next `serve`).
#include <cstdio>
#include <filesystem>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/run_request.hpp"
#include "hyperpetsc/service/run_settings.hpp"
#include "hyperpetsc/service/spool.hpp"
#include "hyperpetsc/service/stop_signals.hpp"

namespace hp {

namespace {

// A job without run.dir writes its results here, beside the spool's folders (spool.hpp
// keeps the names in results/ unique).
std::string spool_results_dir(const std::string& spool, const std::string& stem) {
  return (std::filesystem::path(spool) / "results" / stem).string();
}

}  // namespace

void run_serve(MPI_Comm comm, const CommandLine& cl, const Settings&) {
  if (cl.spool.empty()) throw UserError("serve needs --spool DIR, the spool folder (see hyperpetsc --help)");
  if (!cl.arguments.empty())
    throw UserError("unexpected argument " + quote_user_text(cl.arguments[0]) + "; serve takes its jobs from --spool DIR");
  if (!cl.json.empty()) throw UserError("--json does not apply to serve; each job's results are in its run folder");
  StopSignals signals;
  const auto stop_signal = [&] { return signals.stop_requested(comm); };
  SpoolOptions options;
  if (!cl.quiet)
    options.on_event = [](const std::string& line) {
      std::printf("serve: %s\n", line.c_str());
      std::fflush(stdout);
    };
  const auto run_job = [&](MPI_Comm job_comm, const SpoolJob& job, SpoolJobReport& report) {
    const Settings settings = load_settings(job.config_path, {});
    report.run_dir = settings.run.dir.empty() ? spool_results_dir(cl.spool, job.stem)
                                              : run_folder(settings.run, job.config_path);
    RunRequest request;
    request.resume = job.resume;
    request.quiet = cl.quiet;
    request.store = cl.store;
    request.ranks_per_trial = cl.ranks_per_trial;
    request.run_dir = report.run_dir;
    request.stop_signal = [&signals, job_comm] { return signals.stop_requested(job_comm); };
    report.summary = run_config_file(job_comm, job.config_path, request).summary;
  };
  const int signal = serve_spool(comm, cl.spool, run_job, stop_signal, options);
  if (signal != 0)
    throw Interrupted("serve: stopped by signal " + std::to_string(signal) +
                          " between jobs; start serve again to go on",
                      signal);
}

}  // namespace hp
