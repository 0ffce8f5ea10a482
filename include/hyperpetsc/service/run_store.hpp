// The run store: one SQLite file recording experiments, their trials and every outer step.
// Used by the coordinator (rank 0) and the `runs` command; it is not collective and knows
// nothing of MPI or PETSc. Every write is one transaction, so several processes (trials
// of a sweep) may write one store at once; readers never block writers (WAL mode).
//
// Dead trials: a trial whose process died must not stay RUNNING. Whenever a store is opened,
// every RUNNING trial is marked INTERRUPTED if its heartbeat is older than the heartbeat
// timeout (any host), or if it was started on this host and its pid no longer exists
// (kill(pid, 0) fails with ESRCH). A live trial must therefore call heartbeat() at least
// once per outer step and on a timer well inside the timeout.
//
// One RunStore (one SQLite connection) belongs to one thread: a heartbeat timer thread
// opens its own RunStore on the same path. SQLite's busy timeout (10 s) makes concurrent
// writers wait for each other instead of failing.
#pragma once
#include <optional>
#include <string>
#include <vector>

struct sqlite3;  // <sqlite3.h> stays inside the store's source

namespace hp {

enum class TrialStatus { running, completed, failed, interrupted };
// "RUNNING", "COMPLETED", "FAILED", "INTERRUPTED": the text stored in the database.
const char* trial_status_name(TrialStatus status);

// One outer step of a trial; an empty field is stored as NULL (the value does not apply).
struct StepRow {
  long long step = 0;
  std::optional<double> seconds;  // wall time since the trial started
  std::optional<double> train_loss, val_loss, val_accuracy, test_loss, test_accuracy;
  std::optional<double> hypergradient_norm;
  std::optional<long long> inner_iterations, solver_iterations;
  std::optional<double> lambda_min, lambda_mean, lambda_max;
};

// What finish_trial records about a whole trial.
struct TrialSummary {
  std::optional<double> best_val_loss, final_val_loss, test_accuracy, seconds;
};

struct TrialRecord {
  long long id = 0;
  long long experiment_id = 0;
  std::string experiment_name;
  TrialStatus status = TrialStatus::running;
  std::string params_json;  // the swept values, a JSON object
  std::string run_dir;
  int ranks = 0;
  double started = 0;                // Unix time, seconds
  std::optional<double> finished;    // Unix time
  double heartbeat = 0;              // Unix time of the latest heartbeat
  long long pid = 0;
  std::string hostname;
  TrialSummary summary;
  std::string error;  // empty unless FAILED or INTERRUPTED
};

class RunStore {
 public:
  static constexpr int schema_version = 1;
  static constexpr double default_heartbeat_timeout_seconds = 120;
  static constexpr int busy_timeout_milliseconds = 10000;

  enum class OpenMode {
    create_if_absent,  // the coordinator: creates the file (and its folder) if needed
    existing_only      // readers (`hyperpetsc runs`): a missing file is a user error
  };

  // Opens (or creates) the store at `path` and marks dead trials INTERRUPTED. Throws
  // hp::UserError naming the file when it is missing (existing_only), is not an SQLite
  // database, or is a database of another schema; such a file is left untouched.
  explicit RunStore(const std::string& path, OpenMode mode = OpenMode::create_if_absent,
                    double heartbeat_timeout_seconds = default_heartbeat_timeout_seconds);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  const std::string& path() const { return path_; }

  // Writes. `config_text` is the resolved YAML; `params_json` must be a JSON object.
  long long create_experiment(const std::string& name, const std::string& config_text);
  // A new RUNNING trial owned by this process (its pid and hostname) with a fresh heartbeat.
  long long start_trial(long long experiment_id, const std::string& params_json,
                        const std::string& run_dir, int ranks);
  // Also revives a trial of this process that another process's open marked INTERRUPTED
  // (a stall longer than the timeout): the owner is evidently alive.
  void heartbeat(long long trial_id);
  // Inserts the step, or replaces the row of the same (trial, step): a resumed run that
  // re-writes a step never duplicates it. Also refreshes the heartbeat.
  void add_step(long long trial_id, const StepRow& row);
  // status must not be RUNNING.
  void finish_trial(long long trial_id, TrialStatus status, const TrialSummary& summary,
                    const std::string& error = {});
  // --resume: the trial is RUNNING again, owned by this process, finished time and error
  // cleared; its steps are kept.
  void reopen_trial(long long trial_id);

  // Reads (for the CLI), trials by increasing id.
  std::vector<TrialRecord> list_trials() const;
  std::optional<TrialRecord> trial(long long trial_id) const;
  std::vector<StepRow> steps(long long trial_id) const;

  // The dead-trial rule above, applied now; returns how many trials it marked. The
  // constructor calls it.
  int mark_dead_trials();

 private:
  void create_or_check_schema();
  void exec(const char* sql);
  [[noreturn]] void fail(const std::string& doing) const;

  std::string path_;
  double heartbeat_timeout_seconds_;
  sqlite3* db_ = nullptr;
};

}  // namespace hp
