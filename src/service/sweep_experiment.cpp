#include "hyperpetsc/service/sweep_experiment.hpp"

#include <filesystem>
#include <cmath>
#include <fstream>
#include <memory>

#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/petsc/scoped_options.hpp"
#include "hyperpetsc/petsc/user_options.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/run_lock.hpp"
#include "hyperpetsc/service/run_outputs.hpp"
#include "hyperpetsc/service/run_settings.hpp"
#include "hyperpetsc/service/run_store.hpp"
#include "hyperpetsc/service/run_trial.hpp"
#include "hyperpetsc/service/sweep_runner.hpp"
#include "hyperpetsc/service/sweep_spec.hpp"

namespace hp {

namespace {

namespace fs = std::filesystem;


std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A trial whose folder's summary says COMPLETED or FAILED is not run again.
bool trial_finished(const std::string& dir) {
  const std::string s = read_text(fs::path(dir) / "summary.json");
  return s.find("\"status\": \"COMPLETED\"") != std::string::npos || s.find("\"status\": \"FAILED\"") != std::string::npos;
}

// The store's experiment of a sweep folder (kept there so --resume adds to it).
const char* const kExperimentFile = "store_experiment.txt";

long long previous_experiment(const std::string& dir, const std::string& store) {
  std::ifstream in((fs::path(dir) / kExperimentFile).string());
  std::string path;
  long long id = 0;
  if (!std::getline(in, path) || !(in >> id)) return 0;
  std::error_code ec;
  return fs::equivalent(path, store, ec) ? id : 0;
}

// A trial that failed before it could run (a bad swept value): its folder's summary and
// its row in the store say so.
void record_unrunnable(const std::string& dir, const std::string& store, long long experiment,
                       const TrialSpec& trial, int ranks, const std::string& error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  JsonWriter j;
  j.begin_object().key_value("status", "FAILED").key_raw("params", trial.params_json).key_value("ranks", ranks);
  j.key_value("error", error).end_object();
  write_file_atomically((fs::path(dir) / "summary.json").string(), j.str() + "\n", "run.dir");
  RunStore s(store);
  const long long id = s.start_trial(experiment, trial.params_json, fs::absolute(dir).lexically_normal().string(), ranks);
  s.finish_trial(id, TrialStatus::failed, {}, error);
}

void write_sweep_json(const std::string& dir, const std::vector<TrialSpec>& trials, const SweepReport& report) {
  JsonWriter j;
  j.begin_object().begin_array("trials");
  for (size_t i = 0; i < trials.size(); ++i) {
    const TrialOutcome& o = report.outcomes[i];
    j.begin_object("")
        .key_value("index", trials[i].index)
        .key_value("folder", trial_folder(dir, trials[i].index))
        .key_raw("params", trials[i].params_json)
        .key_value("status", o.status)
        .key_value("group", o.group)
        .key_value("best_val_loss", o.best_val_loss.value_or(std::nan("")))
        .key_value("seconds", o.seconds);
    if (!o.error.empty()) j.key_value("error", o.error);
    j.end_object();
  }
  j.end_array().key_value("interrupted", report.interrupted).end_object();
  write_file_atomically((fs::path(dir) / "sweep.json").string(), j.str() + "\n", "run.dir");
}

}  // namespace

void run_sweep_experiment(MPI_Comm comm, const Settings& base, const RunRequest& request) {
  const int ranks_per_trial = request.ranks_per_trial > 0 ? request.ranks_per_trial : comm_size(comm);
  check_group_size(ranks_per_trial, comm_size(comm));  // every rank: the same outcome
  const std::vector<TrialSpec> trials = sweep_trials(base);
  const std::string dir = run_folder(base.run, base.config_path);
  const std::string store = request.store.empty() ? base.store : request.store;
  // Before any trial: the sweep folder (locked against a second sweep), the store.
  std::unique_ptr<RunLock> lock;
  long long experiment = 0;
  on_rank_zero(comm, [&] {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
      throw UserError("run.dir " + quote_user_path(dir) + ": cannot create the sweep's folder (" +
                      (ec ? ec.message() : std::string("not a folder")) + "); set run.dir to a writable folder");
    lock = std::make_unique<RunLock>(dir);
    const bool holds = fs::exists(fs::path(dir) / "sweep.json", ec) || fs::exists(fs::path(dir) / "trials", ec) ||
                       RunOutputs::holds_run(dir);
    if (!request.resume && holds)
      throw UserError("run.dir " + quote_user_path(dir) +
                      " already holds a sweep or a run; continue it with --resume, or set run.dir to another "
                      "folder (nothing there was changed)");
    if (request.resume && !holds)
      throw UserError("--resume: nothing to resume in " + quote_user_path(dir) + " (no sweep there); run without --resume");
    write_file_atomically((fs::path(dir) / "config.resolved.yaml").string(), base.resolved_yaml, "run.dir");
    RunStore s(store);
    experiment = request.resume ? previous_experiment(dir, store) : 0;
    if (!experiment) {
      experiment = s.create_experiment(fs::path(base.config_path).stem().string(), base.resolved_yaml);
      write_file_atomically((fs::path(dir) / kExperimentFile).string(),
                            fs::absolute(store).string() + "\n" + std::to_string(experiment) + "\n", "run.dir");
    }
  });
  MPI_Bcast(&experiment, 1, MPI_LONG_LONG, 0, comm);

  const auto run_one = [&](MPI_Comm group, const TrialSpec& trial) {
    const std::string trial_dir = trial_folder(dir, trial.index);
    Settings ts;
    try {
      ts = trial_settings(base, trial);
    } catch (const UserError& e) {
      on_rank_zero(group, [&] { record_unrunnable(trial_dir, store, experiment, trial, comm_size(group), e.what()); });
      throw;
    }
    TrialOptions options;
    options.progress = false;  // the sweep prints a status line per trial
    options.store = store;
    options.experiment_id = experiment;
    options.params_json = trial.params_json;
    int resume = request.resume && comm_rank(group) == 0 && RunOutputs::holds_run(trial_dir) ? 1 : 0;
    MPI_Bcast(&resume, 1, MPI_INT, 0, group);
    options.resume = resume != 0;
    options.stop_signal = [&request, group] {
      sweep_progress();
      int s = request.pending_signal();
      MPI_Allreduce(MPI_IN_PLACE, &s, 1, MPI_INT, MPI_MAX, group);
      return s;
    };
    // The trial's own PETSc options (the command line's still win), gone after it.
    std::unique_ptr<ScopedPetscOptions> scoped;
    apply_user_options(group, "the trial's petsc_options",
                       [&] {
                         scoped = std::make_unique<ScopedPetscOptions>(ts.petsc_options + " " +
                                                                       request.command_line_options);
                       });
    TrialOutcome outcome;
    try {
      const TrialResult r = run_trial(group, ts, trial_dir, options);
      outcome.status = trial_outcome::completed;
      outcome.best_val_loss = r.result.best.val_loss;
      outcome.seconds = r.result.seconds;
    } catch (const Interrupted& e) {
      outcome.status = trial_outcome::interrupted;
      outcome.error = e.what();
    }
    return outcome;
  };
  const SweepReport report = run_sweep(
      comm, ranks_per_trial, trials, [&](const TrialSpec& t) { return trial_finished(trial_folder(dir, t.index)); },
      run_one, [&request] { return request.pending_signal() != 0; });
  on_rank_zero(comm, [&] { write_sweep_json(dir, trials, report); });
  if (report.interrupted) {
    int sig = request.pending_signal();
    MPI_Allreduce(MPI_IN_PLACE, &sig, 1, MPI_INT, MPI_MAX, comm);
    throw Interrupted("the sweep stopped on signal " + std::to_string(sig) +
                          " (running trials checkpointed); continue it with --resume",
                      sig);
  }
  size_t completed = 0, failed = 0;
  std::string first_error;
  for (const auto& o : report.outcomes) {
    if (o.status == trial_outcome::completed) ++completed;
    if (o.status == trial_outcome::failed && ++failed == 1) first_error = o.error;
  }
  if (completed == 0 && failed > 0)
    throw UserError("no trial of the sweep completed; " + std::to_string(failed) + " failed, the first with: " +
                    first_error);
}

}  // namespace hp
