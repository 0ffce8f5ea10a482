#include "hyperpetsc/service/run_store.hpp"

#include <signal.h>
#include <sqlite3.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

// 'HPRS' in the database header: tells our store from any other SQLite file.
constexpr int application_id = 0x48505253;

const char* const schema_sql = R"sql(
CREATE TABLE experiments (
  id      INTEGER PRIMARY KEY,
  name    TEXT NOT NULL,
  config  TEXT NOT NULL,
  created REAL NOT NULL
);
CREATE TABLE trials (
  id             INTEGER PRIMARY KEY,
  experiment_id  INTEGER NOT NULL REFERENCES experiments(id),
  status         TEXT NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED', 'INTERRUPTED')),
  params         TEXT NOT NULL CHECK (json_valid(params) AND json_type(params) = 'object'),
  run_dir        TEXT NOT NULL,
  ranks          INTEGER NOT NULL,
  started        REAL NOT NULL,
  finished       REAL,
  heartbeat      REAL NOT NULL,
  pid            INTEGER NOT NULL,
  hostname       TEXT NOT NULL,
  best_val_loss  REAL,
  final_val_loss REAL,
  test_accuracy  REAL,
  seconds        REAL,
  error          TEXT
);
CREATE INDEX trials_by_status ON trials(status);
CREATE TABLE steps (
  trial_id           INTEGER NOT NULL REFERENCES trials(id),
  step               INTEGER NOT NULL,
  seconds            REAL,
  train_loss         REAL,
  val_loss           REAL,
  val_accuracy       REAL,
  test_loss          REAL,
  test_accuracy      REAL,
  hypergradient_norm REAL,
  inner_iterations   INTEGER,
  solver_iterations  INTEGER,
  lambda_min         REAL,
  lambda_mean        REAL,
  lambda_max         REAL,
  PRIMARY KEY (trial_id, step)
) WITHOUT ROWID;
)sql";

double unix_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string this_hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::optional<TrialStatus> parse_status(const std::string& s) {
  for (TrialStatus t : {TrialStatus::running, TrialStatus::completed, TrialStatus::failed, TrialStatus::interrupted})
    if (s == trial_status_name(t)) return t;
  return std::nullopt;
}

// One prepared statement; bind by 1-based index, step, read columns.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::logic_error(std::string("run store: bad SQL: ") + sqlite3_errmsg(db));
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  void bind(int i, long long v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const char* v) { sqlite3_bind_text(stmt_, i, v, -1, SQLITE_STATIC); }
  template <class T>
  void bind(int i, const std::optional<T>& v) {
    if (v) bind(i, *v);
    else sqlite3_bind_null(stmt_, i);
  }
  // true while there is a row; returns the SQLite code through `rc` on failure.
  bool step(int& rc) {
    rc = sqlite3_step(stmt_);
    return rc == SQLITE_ROW;
  }
  // Runs a statement that returns no rows; false on failure.
  bool done() {
    int rc = 0;
    step(rc);
    return rc == SQLITE_DONE;
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  bool is_null(int c) const { return sqlite3_column_type(stmt_, c) == SQLITE_NULL; }
  long long int64(int c) const { return sqlite3_column_int64(stmt_, c); }
  double real(int c) const { return sqlite3_column_double(stmt_, c); }
  std::string text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, c))) : std::string();
  }
  std::optional<double> opt_real(int c) const { return is_null(c) ? std::nullopt : std::optional<double>(real(c)); }
  std::optional<long long> opt_int64(int c) const {
    return is_null(c) ? std::nullopt : std::optional<long long>(int64(c));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

const char* const trial_columns =
    "SELECT t.id, t.experiment_id, e.name, t.status, t.params, t.run_dir, t.ranks, t.started, t.finished,"
    " t.heartbeat, t.pid, t.hostname, t.best_val_loss, t.final_val_loss, t.test_accuracy, t.seconds,"
    " t.error FROM trials t JOIN experiments e ON e.id = t.experiment_id";

TrialRecord read_trial(const Statement& s) {
  TrialRecord r;
  r.id = s.int64(0);
  r.experiment_id = s.int64(1);
  r.experiment_name = s.text(2);
  r.status = parse_status(s.text(3)).value_or(TrialStatus::failed);  // CHECK constraint keeps it valid
  r.params_json = s.text(4);
  r.run_dir = s.text(5);
  r.ranks = static_cast<int>(s.int64(6));
  r.started = s.real(7);
  r.finished = s.opt_real(8);
  r.heartbeat = s.real(9);
  r.pid = s.int64(10);
  r.hostname = s.text(11);
  r.summary = {s.opt_real(12), s.opt_real(13), s.opt_real(14), s.opt_real(15)};
  r.error = s.text(16);
  return r;
}

// Whether this host has no process `pid` (kill(pid, 0) fails with ESRCH; EPERM means alive).
bool process_is_gone(long long pid) {
  if (pid <= 0) return true;
  return kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH;
}

}  // namespace

const char* trial_status_name(TrialStatus status) {
  switch (status) {
    case TrialStatus::running: return "RUNNING";
    case TrialStatus::completed: return "COMPLETED";
    case TrialStatus::failed: return "FAILED";
    case TrialStatus::interrupted: return "INTERRUPTED";
  }
  return "FAILED";
}

RunStore::RunStore(const std::string& path, OpenMode mode, double heartbeat_timeout_seconds)
    : path_(path), heartbeat_timeout_seconds_(heartbeat_timeout_seconds) {
  const std::string quoted = quote_user_path(path);
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (!exists && mode == OpenMode::existing_only)
    throw UserError("run store " + quoted + " does not exist; give the store an experiment wrote with --store PATH");
  if (exists && !std::filesystem::is_regular_file(path, ec))
    throw UserError("run store " + quoted + " is not a regular file; give --store the path of a run store file");
  if (!exists) {
    const auto folder = std::filesystem::path(path).parent_path();
    if (!folder.empty()) std::filesystem::create_directories(folder, ec);
    if (ec)
      throw UserError("cannot create the folder of run store " + quoted + ": " + ec.message() +
                      "; choose a writable path with --store");
  }
  const int flags = SQLITE_OPEN_READWRITE | (exists ? 0 : SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw UserError("cannot open run store " + quoted + ": " + why + "; check the path and its permissions");
  }
  try {
    sqlite3_busy_timeout(db_, busy_timeout_milliseconds);
    create_or_check_schema();
    // WAL: readers never block the writer and commits are cheap; NORMAL sync is durable
    // across process crashes (a power cut may lose the last commits, never corrupt).
    exec("PRAGMA journal_mode=WAL");
    exec("PRAGMA synchronous=NORMAL");
    exec("PRAGMA foreign_keys=ON");
    mark_dead_trials();
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

RunStore::~RunStore() { sqlite3_close(db_); }

void RunStore::fail(const std::string& doing) const {
  const int code = sqlite3_extended_errcode(db_) & 0xff;
  const std::string msg = "run store " + quote_user_path(path_) + ": " + doing + " failed: " + sqlite3_errmsg(db_);
  // Problems with the file or the disk are the user's to fix; anything else is our bug.
  if (code == SQLITE_FULL || code == SQLITE_IOERR || code == SQLITE_READONLY || code == SQLITE_CANTOPEN ||
      code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_CORRUPT || code == SQLITE_NOTADB ||
      code == SQLITE_PERM)
    throw UserError(msg + "; check the file, its disk and that no other program holds it locked");
  throw std::runtime_error(msg);
}

void RunStore::exec(const char* sql) {
  if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
}

void RunStore::create_or_check_schema() {
  const std::string quoted = quote_user_path(path_);
  // The first read of the header: refuses a non-database without writing to it.
  const int first = sqlite3_exec(db_, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
  if ((first & 0xff) == SQLITE_NOTADB)
    throw UserError(quoted + " is not an SQLite database, so not a run store; give --store a new path "
                    "(it is created) or the store an experiment wrote");
  if (first != SQLITE_OK) fail("reading the header");
  long long app = 0, version = 0, objects = 0;
  int rc = 0;
  {
    // Finalised before BEGIN IMMEDIATE: a statement left open holds a read lock, and SQLite
    // then answers a lock conflict with SQLITE_BUSY at once instead of waiting (deadlock
    // avoidance), so two processes creating one store would fail.
    Statement header(db_, "SELECT (SELECT application_id FROM pragma_application_id),"
                          " (SELECT user_version FROM pragma_user_version),"
                          " (SELECT count(*) FROM sqlite_schema)");
    if (!header.step(rc)) fail("reading the header");
    app = header.int64(0), version = header.int64(1), objects = header.int64(2);
  }
  if (objects == 0 && app == 0) {
    // A new (empty) file: create the schema once, even if two processes race here.
    exec("BEGIN IMMEDIATE");
    Statement recheck(db_, "SELECT count(*) FROM sqlite_schema");
    if (!recheck.step(rc)) fail("reading the schema");
    if (recheck.int64(0) == 0) {
      if (sqlite3_exec(db_, schema_sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        fail("creating the schema");
      }
      exec(("PRAGMA application_id=" + std::to_string(application_id)).c_str());
      exec(("PRAGMA user_version=" + std::to_string(schema_version)).c_str());
    }
    exec("COMMIT");
    return;
  }
  if (app != application_id)
    throw UserError(quoted + " is an SQLite database but not a HyperPETSc run store; give --store a new path "
                    "(it is created) or the store an experiment wrote");
  if (version != schema_version)
    throw UserError("run store " + quoted + " has schema version " + std::to_string(version) +
                    " and this HyperPETSc reads version " + std::to_string(schema_version) +
                    "; use the HyperPETSc that wrote it, or give --store a new path");
}

int RunStore::mark_dead_trials() {
  exec("BEGIN IMMEDIATE");
  try {
    const double now = unix_now();
    const std::string host = this_hostname();
    std::vector<std::pair<long long, std::string>> dead;
    {
      Statement running(db_, "SELECT id, heartbeat, pid, hostname FROM trials WHERE status = 'RUNNING'");
      int rc = 0;
      while (running.step(rc)) {
        const double age = now - running.real(1);
        const long long pid = running.int64(2);
        if (age > heartbeat_timeout_seconds_) {
          char why[128];
          std::snprintf(why, sizeof why, "interrupted: no heartbeat for %.0f s (timeout %.0f s)", age,
                        heartbeat_timeout_seconds_);
          dead.emplace_back(running.int64(0), why);
        } else if (running.text(3) == host && process_is_gone(pid)) {
          dead.emplace_back(running.int64(0),
                            "interrupted: its process " + std::to_string(pid) + " on " + host + " is gone");
        }
      }
      if (rc != SQLITE_DONE) fail("reading the running trials");
    }
    Statement mark(db_, "UPDATE trials SET status = 'INTERRUPTED', error = ?2 WHERE id = ?1 AND status = 'RUNNING'");
    for (const auto& [id, why] : dead) {
      mark.bind(1, id);
      mark.bind(2, why);
      if (!mark.done()) fail("marking trial " + std::to_string(id) + " interrupted");
      mark.reset();
    }
    exec("COMMIT");
    return static_cast<int>(dead.size());
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

long long RunStore::create_experiment(const std::string& name, const std::string& config_text) {
  Statement s(db_, "INSERT INTO experiments (name, config, created) VALUES (?1, ?2, ?3)");
  s.bind(1, name);
  s.bind(2, config_text);
  s.bind(3, unix_now());
  if (!s.done()) fail("recording experiment " + quote_user_text(name));
  return sqlite3_last_insert_rowid(db_);
}

long long RunStore::start_trial(long long experiment_id, const std::string& params_json,
                                const std::string& run_dir, int ranks) {
  Statement s(db_,
              "INSERT INTO trials (experiment_id, status, params, run_dir, ranks, started, heartbeat, pid, hostname)"
              " VALUES (?1, 'RUNNING', ?2, ?3, ?4, ?5, ?5, ?6, ?7)");
  s.bind(1, experiment_id);
  s.bind(2, params_json);
  s.bind(3, run_dir);
  s.bind(4, static_cast<long long>(ranks));
  s.bind(5, unix_now());
  s.bind(6, static_cast<long long>(getpid()));
  s.bind(7, this_hostname());
  if (!s.done()) {
    const int why = sqlite3_extended_errcode(db_);
    if (why == SQLITE_CONSTRAINT_CHECK)
      throw std::invalid_argument("run store: trial parameters must be a JSON object, not " + quote_user_text(params_json));
    if (why == SQLITE_CONSTRAINT_FOREIGNKEY)
      throw std::invalid_argument("run store: no experiment " + std::to_string(experiment_id));
    fail("starting a trial of experiment " + std::to_string(experiment_id));
  }
  return sqlite3_last_insert_rowid(db_);
}

namespace {
const char* const heartbeat_sql =
    "UPDATE trials SET heartbeat = ?2,"
    " status = CASE WHEN status = 'INTERRUPTED' AND pid = ?3 AND hostname = ?4 THEN 'RUNNING' ELSE status END,"
    " error = CASE WHEN status = 'INTERRUPTED' AND pid = ?3 AND hostname = ?4 THEN NULL ELSE error END"
    " WHERE id = ?1";
}

void RunStore::heartbeat(long long trial_id) {
  Statement s(db_, heartbeat_sql);
  s.bind(1, trial_id);
  s.bind(2, unix_now());
  s.bind(3, static_cast<long long>(getpid()));
  s.bind(4, this_hostname());
  if (!s.done()) fail("heartbeat of trial " + std::to_string(trial_id));
  if (sqlite3_changes(db_) == 0) throw std::invalid_argument("run store: no trial " + std::to_string(trial_id));
}

void RunStore::add_step(long long trial_id, const StepRow& row) {
  exec("BEGIN IMMEDIATE");
  try {
    Statement s(db_,
                "INSERT OR REPLACE INTO steps (trial_id, step, seconds, train_loss, val_loss, val_accuracy,"
                " test_loss, test_accuracy, hypergradient_norm, inner_iterations, solver_iterations,"
                " lambda_min, lambda_mean, lambda_max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                " ?12, ?13, ?14)");
    s.bind(1, trial_id);
    s.bind(2, row.step);
    s.bind(3, row.seconds);
    s.bind(4, row.train_loss);
    s.bind(5, row.val_loss);
    s.bind(6, row.val_accuracy);
    s.bind(7, row.test_loss);
    s.bind(8, row.test_accuracy);
    s.bind(9, row.hypergradient_norm);
    s.bind(10, row.inner_iterations);
    s.bind(11, row.solver_iterations);
    s.bind(12, row.lambda_min);
    s.bind(13, row.lambda_mean);
    s.bind(14, row.lambda_max);
    if (!s.done()) {
      if ((sqlite3_extended_errcode(db_)) == SQLITE_CONSTRAINT_FOREIGNKEY)
        throw std::invalid_argument("run store: no trial " + std::to_string(trial_id));
      fail("recording step " + std::to_string(row.step) + " of trial " + std::to_string(trial_id));
    }
    Statement beat(db_, heartbeat_sql);
    beat.bind(1, trial_id);
    beat.bind(2, unix_now());
    beat.bind(3, static_cast<long long>(getpid()));
    beat.bind(4, this_hostname());
    if (!beat.done()) fail("heartbeat of trial " + std::to_string(trial_id));
    exec("COMMIT");
  } catch (...) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

void RunStore::finish_trial(long long trial_id, TrialStatus status, const TrialSummary& summary,
                            const std::string& error) {
  if (status == TrialStatus::running) throw std::invalid_argument("run store: finish_trial with status RUNNING");
  Statement s(db_,
              "UPDATE trials SET status = ?2, finished = ?3, best_val_loss = ?4, final_val_loss = ?5,"
              " test_accuracy = ?6, seconds = ?7, error = ?8, heartbeat = ?3 WHERE id = ?1");
  s.bind(1, trial_id);
  s.bind(2, trial_status_name(status));
  s.bind(3, unix_now());
  s.bind(4, summary.best_val_loss);
  s.bind(5, summary.final_val_loss);
  s.bind(6, summary.test_accuracy);
  s.bind(7, summary.seconds);
  s.bind(8, error.empty() ? std::optional<std::string>() : std::optional<std::string>(error));
  if (!s.done()) fail("finishing trial " + std::to_string(trial_id));
  if (sqlite3_changes(db_) == 0) throw std::invalid_argument("run store: no trial " + std::to_string(trial_id));
}

void RunStore::reopen_trial(long long trial_id) {
  Statement s(db_,
              "UPDATE trials SET status = 'RUNNING', finished = NULL, error = NULL, heartbeat = ?2, pid = ?3,"
              " hostname = ?4 WHERE id = ?1");
  s.bind(1, trial_id);
  s.bind(2, unix_now());
  s.bind(3, static_cast<long long>(getpid()));
  s.bind(4, this_hostname());
  if (!s.done()) fail("reopening trial " + std::to_string(trial_id));
  if (sqlite3_changes(db_) == 0) throw std::invalid_argument("run store: no trial " + std::to_string(trial_id));
}

std::vector<TrialRecord> RunStore::list_trials() const {
  Statement s(db_, (std::string(trial_columns) + " ORDER BY t.id").c_str());
  std::vector<TrialRecord> out;
  int rc = 0;
  while (s.step(rc)) out.push_back(read_trial(s));
  if (rc != SQLITE_DONE) fail("listing the trials");
  return out;
}

std::optional<TrialRecord> RunStore::trial(long long trial_id) const {
  Statement s(db_, (std::string(trial_columns) + " WHERE t.id = ?1").c_str());
  s.bind(1, trial_id);
  int rc = 0;
  if (s.step(rc)) return read_trial(s);
  if (rc != SQLITE_DONE) fail("reading trial " + std::to_string(trial_id));
  return std::nullopt;
}

std::vector<StepRow> RunStore::steps(long long trial_id) const {
  Statement s(db_,
              "SELECT step, seconds, train_loss, val_loss, val_accuracy, test_loss, test_accuracy,"
              " hypergradient_norm, inner_iterations, solver_iterations, lambda_min, lambda_mean, lambda_max"
              " FROM steps WHERE trial_id = ?1 ORDER BY step");
  s.bind(1, trial_id);
  std::vector<StepRow> out;
  int rc = 0;
  while (s.step(rc)) {
    StepRow r;
    r.step = s.int64(0);
    r.seconds = s.opt_real(1);
    r.train_loss = s.opt_real(2);
    r.val_loss = s.opt_real(3);
    r.val_accuracy = s.opt_real(4);
    r.test_loss = s.opt_real(5);
    r.test_accuracy = s.opt_real(6);
    r.hypergradient_norm = s.opt_real(7);
    r.inner_iterations = s.opt_int64(8);
    r.solver_iterations = s.opt_int64(9);
    r.lambda_min = s.opt_real(10);
    r.lambda_mean = s.opt_real(11);
    r.lambda_max = s.opt_real(12);
    out.push_back(r);
  }
  if (rc != SQLITE_DONE) fail("reading the steps of trial " + std::to_string(trial_id));
  return out;
}

}  // namespace hp
