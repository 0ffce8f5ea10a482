// The run store on one process (it is not collective): schema, round trips, NULLs, step
// replacement, the dead-trial rule, refusing foreign files, concurrent writers.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/run_store.hpp"

namespace fs = std::filesystem;
using hp::RunStore;
using hp::StepRow;
using hp::TrialStatus;

namespace {

class RunStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hp-store-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "sub" / "runs.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Raw SQL on the file, as another program would (to age a heartbeat, fake a pid).
  void raw_sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

  fs::path dir_;
  std::string path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A pid that no process has: a child that has exited and been reaped.
long long vanished_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  return child;
}

}  // namespace

TEST_F(RunStoreTest, CreatesFolderFileAndSchemaThenReopens) {
  {
    RunStore store(path_);
    EXPECT_TRUE(fs::is_regular_file(path_));
    EXPECT_TRUE(store.list_trials().empty());
    store.create_experiment("e", "a: 1\n");
  }
  RunStore again(path_, RunStore::OpenMode::existing_only);
  const long long t = again.start_trial(1, "{}", "runs/x", 2);
  EXPECT_EQ(again.list_trials().size(), 1u);
  EXPECT_EQ(again.trial(t)->experiment_name, "e");
}

TEST_F(RunStoreTest, MissingFileRefusedWhenExistingOnly) {
  try {
    RunStore store(path_, RunStore::OpenMode::existing_only);
    FAIL() << "opened a missing store";
  } catch (const hp::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("runs.db' does not exist"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(RunStoreTest, TrialAndStepsRoundTripWithNulls) {
  RunStore store(path_);
  const long long e = store.create_experiment("sweep \"a\"", "outer: {steps: 3}\n");
  const long long t = store.start_trial(e, R"({"lambda0": -1.5, "method": "aid_cg"})", "runs/e/1", 4);
  StepRow full;
  full.step = 0;
  full.seconds = 0.5;
  full.train_loss = 0.7;
  full.val_loss = 0.8;
  full.val_accuracy = 0.6;
  full.test_loss = 0.9;
  full.test_accuracy = 0.55;
  full.hypergradient_norm = 1e-3;
  full.inner_iterations = 100;
  full.solver_iterations = 12;
  full.lambda_min = -2;
  full.lambda_mean = -1.5;
  full.lambda_max = -1;
  store.add_step(t, full);
  StepRow sparse;  // only the step number: every other column NULL
  sparse.step = 1;
  store.add_step(t, sparse);

  const auto rec = store.trial(t);
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->experiment_id, e);
  EXPECT_EQ(rec->experiment_name, "sweep \"a\"");
  EXPECT_EQ(rec->status, TrialStatus::running);
  EXPECT_EQ(rec->params_json, R"({"lambda0": -1.5, "method": "aid_cg"})");
  EXPECT_EQ(rec->run_dir, "runs/e/1");
  EXPECT_EQ(rec->ranks, 4);
  EXPECT_EQ(rec->pid, getpid());
  EXPECT_FALSE(rec->hostname.empty());
  EXPECT_FALSE(rec->finished);
  EXPECT_FALSE(rec->summary.best_val_loss);
  EXPECT_TRUE(rec->error.empty());
  EXPECT_GE(rec->heartbeat, rec->started);

  const auto steps = store.steps(t);
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].step, 0);
  EXPECT_EQ(*steps[0].seconds, 0.5);
  EXPECT_EQ(*steps[0].train_loss, 0.7);
  EXPECT_EQ(*steps[0].val_loss, 0.8);
  EXPECT_EQ(*steps[0].val_accuracy, 0.6);
  EXPECT_EQ(*steps[0].test_loss, 0.9);
  EXPECT_EQ(*steps[0].test_accuracy, 0.55);
  EXPECT_EQ(*steps[0].hypergradient_norm, 1e-3);
  EXPECT_EQ(*steps[0].inner_iterations, 100);
  EXPECT_EQ(*steps[0].solver_iterations, 12);
  EXPECT_EQ(*steps[0].lambda_min, -2);
  EXPECT_EQ(*steps[0].lambda_mean, -1.5);
  EXPECT_EQ(*steps[0].lambda_max, -1);
  EXPECT_EQ(steps[1].step, 1);
  EXPECT_FALSE(steps[1].seconds || steps[1].train_loss || steps[1].val_loss || steps[1].val_accuracy ||
               steps[1].test_loss || steps[1].test_accuracy || steps[1].hypergradient_norm ||
               steps[1].inner_iterations || steps[1].solver_iterations || steps[1].lambda_min ||
               steps[1].lambda_mean || steps[1].lambda_max);

  store.finish_trial(t, TrialStatus::failed, {0.25, 0.3, std::nullopt, 12.5}, "inner solve diverged");
  const auto done = store.trial(t);
  EXPECT_EQ(done->status, TrialStatus::failed);
  EXPECT_TRUE(done->finished);
  EXPECT_EQ(*done->summary.best_val_loss, 0.25);
  EXPECT_EQ(*done->summary.final_val_loss, 0.3);
  EXPECT_FALSE(done->summary.test_accuracy);
  EXPECT_EQ(*done->summary.seconds, 12.5);
  EXPECT_EQ(done->error, "inner solve diverged");
  EXPECT_FALSE(store.trial(t + 1));
}

TEST_F(RunStoreTest, RewrittenStepReplacesAndReopenResumes) {
  RunStore store(path_);
  const long long t = store.start_trial(store.create_experiment("e", ""), "{}", "d", 1);
  StepRow r;
  for (long long s = 0; s < 3; ++s) {
    r.step = s;
    r.val_loss = 1.0 + s;
    store.add_step(t, r);
  }
  store.finish_trial(t, TrialStatus::interrupted, {}, "killed");
  store.reopen_trial(t);
  const auto reopened = store.trial(t);
  EXPECT_EQ(reopened->status, TrialStatus::running);
  EXPECT_FALSE(reopened->finished);
  EXPECT_TRUE(reopened->error.empty());
  r.step = 2;  // the resumed run re-writes its last checkpointed step
  r.val_loss = 7.0;
  store.add_step(t, r);
  const auto steps = store.steps(t);
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(*steps[2].val_loss, 7.0);
}

TEST_F(RunStoreTest, BadArgumentsAreBugsNotRows) {
  RunStore store(path_);
  const long long e = store.create_experiment("e", "");
  EXPECT_THROW(store.start_trial(e, "[1, 2]", "d", 1), std::invalid_argument);
  EXPECT_THROW(store.start_trial(e, "{not json", "d", 1), std::invalid_argument);
  EXPECT_THROW(store.start_trial(e + 1, "{}", "d", 1), std::invalid_argument);
  EXPECT_THROW(store.add_step(99, StepRow{}), std::invalid_argument);
  EXPECT_THROW(store.heartbeat(99), std::invalid_argument);
  EXPECT_THROW(store.finish_trial(99, TrialStatus::completed, {}), std::invalid_argument);
  EXPECT_TRUE(store.list_trials().empty());
}

TEST_F(RunStoreTest, DeadTrialsAreInterruptedOnOpen) {
  long long gone = 0, stale = 0, alive = 0, other_host = 0;
  {
    RunStore store(path_);
    const long long e = store.create_experiment("e", "");
    gone = store.start_trial(e, "{}", "d", 1);
    stale = store.start_trial(e, "{}", "d", 1);
    alive = store.start_trial(e, "{}", "d", 1);
    other_host = store.start_trial(e, "{}", "d", 1);
  }
  raw_sql("UPDATE trials SET pid = " + std::to_string(vanished_pid()) + " WHERE id = " + std::to_string(gone));
  raw_sql("UPDATE trials SET heartbeat = heartbeat - 121 WHERE id = " + std::to_string(stale));
  // Another host's pid cannot be checked here: only its heartbeat counts.
  raw_sql("UPDATE trials SET hostname = 'elsewhere.invalid', pid = " + std::to_string(vanished_pid()) +
          " WHERE id = " + std::to_string(other_host));

  RunStore store(path_, RunStore::OpenMode::existing_only);
  EXPECT_EQ(store.trial(gone)->status, TrialStatus::interrupted);
  EXPECT_NE(store.trial(gone)->error.find("is gone"), std::string::npos) << store.trial(gone)->error;
  EXPECT_EQ(store.trial(stale)->status, TrialStatus::interrupted);
  EXPECT_NE(store.trial(stale)->error.find("no heartbeat"), std::string::npos) << store.trial(stale)->error;
  EXPECT_EQ(store.trial(alive)->status, TrialStatus::running);
  EXPECT_EQ(store.trial(other_host)->status, TrialStatus::running);

  // A stalled but living owner is revived by its next heartbeat.
  store.heartbeat(stale);
  EXPECT_EQ(store.trial(stale)->status, TrialStatus::running);
  EXPECT_TRUE(store.trial(stale)->error.empty());
  // Finished trials are never touched, however old.
  store.finish_trial(alive, TrialStatus::completed, {});
  raw_sql("UPDATE trials SET heartbeat = 0, pid = " + std::to_string(vanished_pid()));
  EXPECT_EQ(store.mark_dead_trials(), 2);  // stale (revived above) and other_host: the RUNNING ones
  EXPECT_EQ(store.trial(alive)->status, TrialStatus::completed);
}

TEST_F(RunStoreTest, NonDatabaseFileRefusedAndUntouched) {
  fs::create_directories(fs::path(path_).parent_path());
  const std::string text = "problem:\n  type: ridge_l2\n" + std::string(5000, 'x') + "\n";
  { std::ofstream(path_, std::ios::binary) << text; }
  try {
    RunStore store(path_);
    FAIL() << "opened a text file";
  } catch (const hp::UserError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("runs.db' is not an SQLite database"), std::string::npos) << m;
    EXPECT_NE(m.find("--store"), std::string::npos) << m;
  }
  EXPECT_EQ(read_bytes(path_), text);
  EXPECT_FALSE(fs::exists(path_ + "-wal"));
}

TEST_F(RunStoreTest, OtherSchemasRefused) {
  fs::create_directories(fs::path(path_).parent_path());
  raw_sql("CREATE TABLE notes (x TEXT)");
  const std::string before = read_bytes(path_);
  try {
    RunStore store(path_);
    FAIL() << "opened another program's database";
  } catch (const hp::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("not a HyperPETSc run store"), std::string::npos) << e.what();
  }
  EXPECT_EQ(read_bytes(path_), before);
  fs::remove(path_);
  { RunStore store(path_); }
  raw_sql("PRAGMA user_version = 2");
  try {
    RunStore store(path_);
    FAIL() << "opened a store of schema version 2";
  } catch (const hp::UserError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 2"), std::string::npos) << e.what();
  }
}

TEST_F(RunStoreTest, ConcurrentWritersLoseNoRows) {
  constexpr int steps_per_writer = 500;
  long long trials[2];
  {
    RunStore store(path_);
    const long long e = store.create_experiment("e", "");
    trials[0] = store.start_trial(e, "{}", "a", 1);
    trials[1] = store.start_trial(e, "{}", "b", 1);
  }
  pid_t children[2];
  for (int w = 0; w < 2; ++w) {
    children[w] = fork();
    ASSERT_GE(children[w], 0);
    if (children[w] == 0) {
      int code = 0;
      try {
        RunStore store(path_);  // its own connection, like a second process of a sweep
        StepRow r;
        for (int s = 0; s < steps_per_writer; ++s) {
          r.step = s;
          r.val_loss = w + s * 1e-3;
          store.add_step(trials[w], r);
        }
      } catch (...) {
        code = 1;
      }
      _exit(code);
    }
  }
  for (pid_t c : children) {
    int status = 0;
    ASSERT_EQ(waitpid(c, &status, 0), c);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  RunStore store(path_);
  for (int w = 0; w < 2; ++w) {
    const auto steps = store.steps(trials[w]);
    ASSERT_EQ(steps.size(), static_cast<size_t>(steps_per_writer));
    EXPECT_EQ(*steps.back().val_loss, w + (steps_per_writer - 1) * 1e-3);
  }
}

// Two runs started at once on one store that does not exist yet: both create it (the
// schema once), each starts its own trial and writes its steps in a tight loop. Creation
// races are timing-dependent, so a few rounds, each on a new store.
void concurrent_runs_on_a_new_store(const std::string& path) {
  constexpr int steps_per_run = 200;
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t children[2];
  for (int w = 0; w < 2; ++w) {
    children[w] = fork();
    ASSERT_GE(children[w], 0);
    if (children[w] == 0) {
      close(go[1]);
      char c = 0;
      (void)!read(go[0], &c, 1);  // both start together when the parent closes the pipe
      int code = 0;
      try {
        RunStore store(path);
        const long long e = store.create_experiment("run " + std::to_string(w), "");
        const long long t = store.start_trial(e, "{\"writer\": " + std::to_string(w) + "}", "runs/" + std::to_string(w), 1);
        StepRow r;
        for (int s = 0; s < steps_per_run; ++s) {
          r.step = s;
          r.val_loss = w + s * 1e-3;
          store.add_step(t, r);
        }
        hp::TrialSummary summary;
        summary.final_val_loss = r.val_loss;
        store.finish_trial(t, TrialStatus::completed, summary);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      _exit(code);
    }
  }
  close(go[0]);
  close(go[1]);
  for (pid_t c : children) {
    int status = 0;
    ASSERT_EQ(waitpid(c, &status, 0), c);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  RunStore store(path, RunStore::OpenMode::existing_only);
  const auto trials = store.list_trials();
  ASSERT_EQ(trials.size(), 2u);
  std::set<std::string> writers;
  size_t rows = 0;
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::completed);
    writers.insert(trial.params_json);
    const auto steps = store.steps(trial.id);
    rows += steps.size();
    ASSERT_EQ(steps.size(), static_cast<size_t>(steps_per_run));
    for (int s = 0; s < steps_per_run; ++s) EXPECT_EQ(steps[s].step, s);
    EXPECT_EQ(*trial.summary.final_val_loss, *steps.back().val_loss);
  }
  EXPECT_EQ(rows, 2u * steps_per_run);
  EXPECT_EQ(writers, (std::set<std::string>{"{\"writer\": 0}", "{\"writer\": 1}"}));
}

TEST_F(RunStoreTest, ConcurrentRunsOnANewStoreLoseNoRows) {
  for (int round = 0; round < 4 && !HasFailure(); ++round)
    concurrent_runs_on_a_new_store((dir_ / ("round" + std::to_string(round)) / "runs.db").string());
}
