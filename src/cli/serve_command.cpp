// `hyperpetsc serve --spool DIR [--ranks-per-trial R] [--store PATH] [--quiet]`: the spool
// service (service/spool.hpp) running each job file as `hyperpetsc run` would
// (service/run_request.hpp). Exit 0 when DIR/stop appears; exit 75 on SIGTERM/SIGUSR1 (the
// job in hand checkpoints and stays in running/, to be resumed by the next `serve`).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/scoped_options.hpp"
#include "hyperpetsc/petsc/user_options.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/run_outputs.hpp"
#include "hyperpetsc/service/run_request.hpp"
#include "hyperpetsc/service/run_settings.hpp"
#include "hyperpetsc/service/run_trial.hpp"
#include "hyperpetsc/service/spool.hpp"
#include "hyperpetsc/service/stop_signals.hpp"

namespace hp {

namespace {

// A job's settings. Without run.dir its results go to DIR/results/<stem> (spool.hpp keeps
// those names unique), given as an override so that config.resolved.yaml says so.
Settings job_settings(const std::string& spool, const SpoolJob& job) {
  Settings settings = load_settings(job.config_path, {});
  if (!settings.run.dir.empty()) return settings;
  const std::string dir = (std::filesystem::path(spool) / "results" / job.stem).string();
  std::string quoted = "'";  // a YAML single-quoted scalar: every byte literal, ' doubled
  for (char c : dir) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  settings = load_settings(job.config_path, {"run.dir=" + quoted + "'"});
  settings.run.dir = dir;
  return settings;
}

// What a job's run folder holds, as the coordinator sees it. A sweep's folder holds
// sweep.json and trials/ (service/sweep_experiment.hpp); resuming it runs its unfinished
// trials only, so it is never "completed" here.
enum FolderState : int { nothing = 0, unfinished = 1, completed = 2 };

FolderState folder_state(MPI_Comm comm, const std::string& run_dir, bool sweep) {
  int state = nothing;
  if (comm_rank(comm) == 0) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool holds = RunOutputs::holds_run(run_dir) ||
                       (sweep && (fs::exists(fs::path(run_dir) / "sweep.json", ec) ||
                                  fs::exists(fs::path(run_dir) / "trials", ec)));
    state = !sweep && run_completed(run_dir) ? completed : holds ? unfinished : nothing;
  }
  MPI_Bcast(&state, 1, MPI_INT, 0, comm);
  return static_cast<FolderState>(state);
}

// The run's own last word: the last line of RUN_DIR/log.txt ("" if none).
std::string last_log_line(const std::string& run_dir) {
  std::ifstream in((std::filesystem::path(run_dir) / "log.txt").string());
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last;
}

}  // namespace

void run_serve(MPI_Comm comm, const CommandLine& cl, const Settings&) {
  if (cl.spool.empty()) throw UserError("serve needs --spool DIR, the spool folder (see hyperpetsc --help)");
  if (!cl.arguments.empty())
    throw UserError("unexpected argument " + quote_user_text(cl.arguments[0]) + "; serve takes its jobs from --spool DIR");
  if (!cl.json.empty()) throw UserError("--json does not apply to serve; each job's results are in its run folder");
  StopSignals signals;
  SpoolOptions options;
  if (!cl.quiet)
    options.on_event = [](const std::string& line) {
      std::printf("serve: %s\n", line.c_str());
      std::fflush(stdout);
    };
  const auto run_job = [&](MPI_Comm job_comm, const SpoolJob& job, SpoolJobReport& report) {
    const Settings settings = job_settings(cl.spool, job);
    report.run_dir = run_folder(settings.run, settings.config_path);
    RunRequest request;
    request.quiet = cl.quiet;
    request.store = cl.store;
    request.ranks_per_trial = settings.sweep ? cl.ranks_per_trial : 0;  // plain runs use every rank
    request.pending_signal = [&signals] { return signals.pending(); };
    // A job left in running/ by an earlier service: continue its run (or sweep) if it has
    // one, start it if it never began, and only file it if its run had already completed.
    if (job.resume) {
      const FolderState state = folder_state(job_comm, report.run_dir, settings.sweep.has_value());
      if (state == completed) {
        report.summary = "had completed before this start; not run again";
        return;
      }
      request.resume = state == unfinished;
    }
    // The file's petsc_options hold for this job alone, over the service's own.
    std::unique_ptr<ScopedPetscOptions> petsc_options;
    apply_user_options(job_comm, "the config's petsc_options", [&] {
      petsc_options = std::make_unique<ScopedPetscOptions>(settings.petsc_options);
    });
    run_settings(job_comm, settings, request);
    if (comm_rank(job_comm) == 0) report.summary = last_log_line(report.run_dir);
  };
  const int signal =
      serve_spool(comm, cl.spool, run_job, [&] { return signals.stop_requested(comm); }, options);
  if (signal != 0)
    throw Interrupted("serve: stopped by signal " + std::to_string(signal) + " between jobs; start serve again to go on",
                      signal);
}

}  // namespace hp
