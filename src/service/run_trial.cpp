#include "hyperpetsc/service/run_trial.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/checkpoint.hpp"
#include "hyperpetsc/service/heartbeat.hpp"
#include "hyperpetsc/service/run_lock.hpp"
#include "hyperpetsc/service/run_outputs.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"
#include "hyperpetsc/service/run_store.hpp"

namespace hp {

namespace {

// Keys a resumed run may change: when to stop and where things go, not the trajectory.
const std::set<std::string>& resumable_changes() {
  static const std::set<std::string> keys = {"outer.iterations", "outer.max_seconds", "outer.patience",
                                             "outer.tol",        "run.dir",           "run.checkpoint_every",
                                             "run.refit",        "store"};
  return keys;
}


std::string format_seconds(double s) {
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600), static_cast<int>(std::fmod(s, 3600) / 60));
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(std::fmod(s, 60)));
  else
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

std::string progress_line(const OuterStepRecord& r, PetscInt total, double per_step) {
  char buf[320];
  const std::string acc = r.val_accuracy ? [&] {
    char a[32];
    std::snprintf(a, sizeof a, "  val acc %.4f", *r.val_accuracy);
    return std::string(a);
  }() : std::string();
  std::snprintf(buf, sizeof buf, "step %d/%d  val loss %.6e%s  |g| %.3e  inner %d  solver %d  %.3f s/step  ETA %s",
                static_cast<int>(r.step), static_cast<int>(total), r.val_loss, acc.c_str(), r.hypergradient_norm,
                static_cast<int>(r.inner_iterations), static_cast<int>(r.solver_iterations), per_step,
                format_seconds(per_step * static_cast<double>(total - r.step)).c_str());
  return buf;
}

StepRow step_row(const OuterStepRecord& r) {
  StepRow row;
  row.step = r.step;
  row.seconds = r.seconds;
  row.train_loss = r.train_loss;
  row.val_loss = r.val_loss;
  row.val_accuracy = r.val_accuracy;
  row.test_loss = r.test_loss;
  row.test_accuracy = r.test_accuracy;
  row.hypergradient_norm = r.hypergradient_norm;
  row.inner_iterations = r.inner_iterations;
  row.solver_iterations = r.solver_iterations;
  row.lambda_min = r.lambda_min;
  row.lambda_mean = r.lambda_mean;
  row.lambda_max = r.lambda_max;
  return row;
}

// The store's trial of a run folder, kept in the folder so --resume continues the same
// trial (when the store is the same file).
const char* const kTrialFile = "store_trial.txt";

long long previous_trial(const std::string& run_dir, const std::string& store) {
  std::ifstream in((std::filesystem::path(run_dir) / kTrialFile).string());
  std::string path;
  long long id = 0;
  if (!std::getline(in, path) || !(in >> id)) return 0;
  std::error_code ec;
  return std::filesystem::equivalent(path, store, ec) ? id : 0;
}

// run.refit: the problem re-built on train ∪ validation, trained at the final λ from a
// cold start (t = inner.iterations, inner.tol at the last step), then evaluated.
OuterStepRecord refit_metrics(MPI_Comm comm, const Settings& settings, HypergradientSession& session,
                              PetscInt last_step) {
  const std::vector<double> lambda = session.problem().gather_outer(session.lambda(), GatherTo::all_ranks);
  HypergradientSession refit(comm, settings, SessionOptions{true});
  refit.problem().scatter_outer(lambda, refit.lambda());
  refit.refresh_step_size();
  HP_CALL(VecSet(refit.w(), 0.0));
  OuterStepRecord r;
  r.inner_iterations = refit.inner().run(refit.problem(), refit.lambda(), refit.w(), settings.inner.iterations,
                                         nullptr, settings.inner.tol.at(last_step));
  apply_evaluation(refit.problem().evaluate(refit.w(), refit.lambda()), r);
  return r;
}

// The coordinator's side of a trial: folder, lock, store.
struct Coordinator {
  std::unique_ptr<RunLock> lock;
  std::unique_ptr<RunOutputs> out;
  std::unique_ptr<RunStore> store;
  std::unique_ptr<HeartbeatThread> heartbeat;
  long long trial = 0;
  bool terminal = false;
  double last_print = 0;

  void record_failure(const std::string& status, const std::string& message, const OuterRunResult* result,
                      int ranks, const RunSummaryExtras& extras) {
    heartbeat.reset();
    try {
      if (out) {
        out->log(std::string(status == "FAILED" ? "error: " : "") + message);
        out->write_summary(status, result, ranks, message, extras);
      }
      if (store && trial) {
        TrialSummary s;
        if (result && !result->stop_reason.empty()) {
          s.best_val_loss = result->best.val_loss;
          s.final_val_loss = result->final.val_loss;
          s.seconds = result->seconds;
        }
        store->finish_trial(trial, status == "FAILED" ? TrialStatus::failed : TrialStatus::interrupted, s, message);
      }
    } catch (const std::exception&) {
      // The run's own error is the one to report.
    }
  }
};

}  // namespace

bool run_completed(const std::string& run_dir) {
  std::ifstream in((std::filesystem::path(run_dir) / "summary.json").string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str().find("\"status\": \"COMPLETED\"") != std::string::npos ||
         ss.str().find("\"status\":\"COMPLETED\"") != std::string::npos;
}

TrialResult run_trial(MPI_Comm comm, const Settings& settings, const std::string& run_dir,
                      const TrialOptions& options) {
  const bool coordinator = comm_rank(comm) == 0;
  const int ranks = comm_size(comm);
  Coordinator c;
  RunSummaryExtras extras;
  extras.params_json = options.params_json;
  extras.resumed = options.resume;
  // 1. Before any computation: the folder (locked), what it holds, the store.
  on_rank_zero(comm, [&] {
    std::error_code ec;
    std::filesystem::create_directories(run_dir, ec);
    if (ec || !std::filesystem::is_directory(run_dir))
      throw UserError("run.dir " + quote_user_path(run_dir) + ": cannot create the run folder (" +
                      (ec ? ec.message() : std::string("not a folder")) + "); set run.dir to a writable folder");
    c.lock = std::make_unique<RunLock>(run_dir);
    if (options.resume && !RunOutputs::holds_run(run_dir))
      throw UserError("--resume: nothing to resume in " + quote_user_path(run_dir) +
                      " (no run there); run without --resume to start one");
    if (options.resume && run_completed(run_dir))
      throw UserError("--resume: the run in " + quote_user_path(run_dir) +
                      " already completed; nothing to resume (start a new run in another run.dir)");
    if (!options.resume && RunOutputs::holds_run(run_dir))
      throw UserError("run.dir " + quote_user_path(run_dir) +
                      " already holds a run (metrics.csv or checkpoint.json); continue it with --resume, or set "
                      "run.dir to another folder (nothing there was changed)");
    check_writable((std::filesystem::path(run_dir) / "summary.json").string(), "run.dir");
    if (!options.store.empty()) c.store = std::make_unique<RunStore>(options.store);
  });
  if (settings.run.refit && !problem_can_refit(settings.problem))
    throw UserError("run.refit: problem.type " + settings.problem.type +
                    " cannot be re-trained on train ∪ validation; set run.refit: false");
  // 2. The checkpoint, checked against this configuration before the data are loaded.
  std::optional<CheckpointData> checkpoint;
  const std::map<std::string, std::string> config = flatten_config(parse_yaml(settings.resolved_yaml, "config"));
  if (options.resume) checkpoint = load_checkpoint(comm, run_dir, config, resumable_changes());
  const PetscInt first_step = checkpoint ? static_cast<PetscInt>(checkpoint->step) : 0;
  on_rank_zero(comm, [&] {
    c.out = std::make_unique<RunOutputs>(run_dir, options.resume, first_step);
    c.out->write_config(settings.resolved_yaml);
    c.terminal = options.progress && isatty(fileno(stdout));
    if (c.store) {
      c.trial = options.resume ? previous_trial(run_dir, options.store) : 0;
      if (c.trial) {
        c.store->reopen_trial(c.trial);
      } else {
        const long long experiment = options.experiment_id
                                         ? options.experiment_id
                                         : c.store->create_experiment(options.experiment, settings.resolved_yaml);
        const std::string abs = std::filesystem::absolute(run_dir).lexically_normal().string();
        c.trial = c.store->start_trial(experiment, options.params_json, abs, ranks);
        write_file_atomically((std::filesystem::path(run_dir) / kTrialFile).string(),
                              std::filesystem::absolute(options.store).string() + "\n" + std::to_string(c.trial) + "\n",
                              "run.dir");
      }
      c.heartbeat = std::make_unique<HeartbeatThread>(options.store, c.trial);
    }
    c.out->log(options.resume ? "resumed at step " + std::to_string(first_step) + " on " + std::to_string(ranks) + " ranks"
                              : "started on " + std::to_string(ranks) + " ranks");
  });
  OuterRunResult result;
  try {
    // 3. The session (loads the data) and the loop, restored from the checkpoint.
    HypergradientSession session(comm, settings);
    OuterLoop loop(session, settings.outer);
    if (checkpoint) {
      OuterSnapshot snap;
      snap.step = static_cast<PetscInt>(checkpoint->step);
      snap.scalars = checkpoint->scalars;
      snap.vectors = checkpoint->vectors;
      loop.restore(snap);
      checkpoint.reset();  // the vectors may be large
    }
    OuterHooks hooks;
    hooks.stop_signal = options.stop_signal;
    hooks.checkpoint_every = settings.run.checkpoint_every;
    hooks.checkpoint = [&](const OuterSnapshot& snap) {
      CheckpointData data;
      data.step = snap.step;
      data.config = config;
      data.scalars = snap.scalars;
      data.vectors = snap.vectors;
      save_checkpoint(comm, run_dir, data);
      if (coordinator) c.out->log("checkpoint before step " + std::to_string(snap.step));
    };
    const PetscInt total = settings.outer.iterations;
    double previous_seconds = -1;
    PetscInt previous_step = 0;
    hooks.on_step = [&](const OuterStepRecord& r) {
      if (!coordinator) return;
      // Seconds per step from this process's own steps (a resumed run's first is step 0 of it).
      const double per_step = previous_seconds < 0 ? r.seconds - (first_step > 0 ? r.seconds : 0)
                                                   : (r.seconds - previous_seconds) / std::max<PetscInt>(1, r.step - previous_step);
      previous_seconds = r.seconds;
      previous_step = r.step;
      c.out->add_metrics_row(r);
      if (c.store) c.store->add_step(c.trial, step_row(r));
      const std::string line = progress_line(r, total, per_step);
      c.out->log(line);
      if (!options.progress) return;
      if (c.terminal) {  // a bar redrawn in place
        const int width = 20;
        const int done = total > 0 ? static_cast<int>(width * std::min<PetscInt>(r.step, total) / total) : width;
        std::printf("\r\033[K[%s%s] %s", std::string(static_cast<size_t>(done), '#').c_str(),
                    std::string(static_cast<size_t>(width - done), '.').c_str(), line.c_str());
      } else {
        std::printf("%s\n", line.c_str());
      }
      std::fflush(stdout);
    };
    result = loop.run(hooks);
    if (coordinator && c.terminal) std::printf("\n");
    if (result.stop_reason == "signal") {
      const std::string message = "stopped by signal " + std::to_string(result.signal) + " after a checkpoint before step " +
                                  std::to_string(loop.next_step()) + "; continue with --resume";
      if (coordinator) c.record_failure("INTERRUPTED", message, &result, ranks, extras);
      throw Interrupted(message, result.signal);
    }
    if (settings.run.refit) extras.refit = refit_metrics(comm, settings, session, result.final.step);
    const std::vector<double> lambda = session.gather_outer_on_zero(session.lambda());
    on_rank_zero(comm, [&] {
      c.heartbeat.reset();
      c.out->write_lambda(lambda);
      c.out->write_summary("COMPLETED", &result, ranks, "", extras);
      if (c.store) {
        TrialSummary s;
        s.best_val_loss = result.best.val_loss;
        s.final_val_loss = result.final.val_loss;
        s.test_accuracy = extras.refit && extras.refit->test_accuracy ? extras.refit->test_accuracy
                                                                      : result.final.test_accuracy;
        s.seconds = result.seconds;
        c.store->finish_trial(c.trial, TrialStatus::completed, s);
      }
      char buf[256];
      std::snprintf(buf, sizeof buf, "stopped (%s) after %d steps, %.2f s: best val loss %.8g at step %d, final %.8g",
                    result.stop_reason.c_str(), static_cast<int>(result.steps), result.seconds, result.best.val_loss,
                    static_cast<int>(result.best.step), result.final.val_loss);
      c.out->log(buf);
      if (options.progress) std::printf("%s\nresults in %s\n", buf, c.out->dir().c_str());
      std::fflush(stdout);
    });
  } catch (const UserError& e) {
    if (coordinator) {
      if (c.terminal) std::printf("\n");
      c.record_failure("FAILED", e.what(), result.stop_reason.empty() ? nullptr : &result, ranks, extras);
    }
    throw;
  }
  return {result, run_dir};
}

}  // namespace hp
