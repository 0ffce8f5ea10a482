// `hyperpetsc runs list|show ID`: the run store's trials as a table or JSON. The store is
// read on rank 0 alone (it is not collective); its errors are then agreed on every rank so
// the program exits 2 everywhere with one message.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/run_store.hpp"

namespace hp {

namespace {



std::string cell(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", *v);
  return buf;
}
std::string cell(const std::optional<long long>& v) { return v ? std::to_string(*v) : "-"; }

// Left-aligned columns, two spaces apart.
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    width.resize(std::max(width.size(), r.size()), 0);
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

void trial_json(JsonWriter& j, const TrialRecord& t) {
  auto opt = [&](const char* k, const std::optional<double>& v) { v ? j.key_value(k, *v) : j.key_raw(k, "null"); };
  j.key_value("id", t.id);
  j.key_value("experiment_id", t.experiment_id);
  j.key_value("experiment", t.experiment_name);
  j.key_value("status", trial_status_name(t.status));
  j.key_raw("params", t.params_json);  // a JSON object (the store's CHECK constraint)
  j.key_value("run_dir", t.run_dir);
  j.key_value("ranks", t.ranks);
  j.key_value("started", t.started);
  opt("finished", t.finished);
  j.key_value("heartbeat", t.heartbeat);
  j.key_value("pid", t.pid);
  j.key_value("hostname", t.hostname);
  opt("best_val_loss", t.summary.best_val_loss);
  opt("final_val_loss", t.summary.final_val_loss);
  opt("test_accuracy", t.summary.test_accuracy);
  opt("seconds", t.summary.seconds);
  t.error.empty() ? j.key_raw("error", "null") : j.key_value("error", t.error);
}

std::vector<std::string> trial_cells(const TrialRecord& t) {
  return {std::to_string(t.id),
          quote_user_text(t.experiment_name, 24),
          trial_status_name(t.status),
          quote_user_text(t.params_json, 48),
          cell(t.summary.best_val_loss),
          cell(t.summary.final_val_loss),
          cell(t.summary.test_accuracy),
          cell(t.summary.seconds),
          t.error.empty() ? "-" : quote_user_text(t.error, 60)};
}

std::string list_text(const std::vector<TrialRecord>& trials, bool json) {
  if (json) {
    JsonWriter j;
    j.begin_array("");
    for (const auto& t : trials) {
      j.begin_object("");
      trial_json(j, t);
      j.end_object();
    }
    j.end_array();
    return j.str() + "\n";
  }
  if (trials.empty()) return "no trials\n";
  std::vector<std::vector<std::string>> rows{
      {"id", "experiment", "status", "params", "best_val_loss", "final_val_loss", "test_accuracy", "seconds", "error"}};
  for (const auto& t : trials) rows.push_back(trial_cells(t));
  return table(rows);
}

std::string show_text(const TrialRecord& t, const std::vector<StepRow>& steps, bool json) {
  if (json) {
    JsonWriter j;
    j.begin_object();
    trial_json(j, t);
    j.begin_array("steps");
    auto opt = [&](const char* k, const std::optional<double>& v) { v ? j.key_value(k, *v) : j.key_raw(k, "null"); };
    auto opt_int = [&](const char* k, const std::optional<long long>& v) {
      v ? j.key_value(k, *v) : j.key_raw(k, "null");
    };
    for (const auto& s : steps) {
      j.begin_object("");
      j.key_value("step", s.step);
      opt("seconds", s.seconds);
      opt("train_loss", s.train_loss);
      opt("val_loss", s.val_loss);
      opt("val_accuracy", s.val_accuracy);
      opt("test_loss", s.test_loss);
      opt("test_accuracy", s.test_accuracy);
      opt("hypergradient_norm", s.hypergradient_norm);
      opt_int("inner_iterations", s.inner_iterations);
      opt_int("solver_iterations", s.solver_iterations);
      opt("lambda_min", s.lambda_min);
      opt("lambda_mean", s.lambda_mean);
      opt("lambda_max", s.lambda_max);
      j.end_object();
    }
    j.end_array();
    j.end_object();
    return j.str() + "\n";
  }
  const auto c = trial_cells(t);
  std::string out = table({{"trial", c[0]},
                           {"experiment", c[1] + " (id " + std::to_string(t.experiment_id) + ")"},
                           {"status", c[2]},
                           {"params", quote_user_text(t.params_json, 400)},
                           {"run_dir", quote_user_path(t.run_dir)},
                           {"ranks", std::to_string(t.ranks)},
                           {"process", std::to_string(t.pid) + " on " + quote_user_text(t.hostname)},
                           {"best_val_loss", c[4]},
                           {"final_val_loss", c[5]},
                           {"test_accuracy", c[6]},
                           {"seconds", c[7]},
                           {"error", t.error.empty() ? "-" : quote_user_text(t.error, 400)}});
  if (steps.empty()) return out + "\nno steps\n";
  std::vector<std::vector<std::string>> rows{{"step", "seconds", "train_loss", "val_loss", "val_accuracy",
                                              "test_loss", "test_accuracy", "hypergrad_norm", "inner_its",
                                              "solver_its", "lambda_min", "lambda_mean", "lambda_max"}};
  for (const auto& s : steps)
    rows.push_back({std::to_string(s.step), cell(s.seconds), cell(s.train_loss), cell(s.val_loss),
                    cell(s.val_accuracy), cell(s.test_loss), cell(s.test_accuracy), cell(s.hypergradient_norm),
                    cell(s.inner_iterations), cell(s.solver_iterations), cell(s.lambda_min), cell(s.lambda_mean),
                    cell(s.lambda_max)});
  return out + "\n" + table(rows);
}

// The trial id of `runs show ID`, or 0 with `error` set.
long long parse_trial_id(const std::string& word, std::string& error) {
  errno = 0;
  char* end = nullptr;
  const long long id = std::strtoll(word.c_str(), &end, 10);
  if (word.empty() || *end != '\0' || errno != 0 || id <= 0) {
    error = "runs show: " + quote_user_text(word) + " is not a trial id (a positive integer; see runs list)";
    return 0;
  }
  return id;
}

}  // namespace

void run_runs(MPI_Comm comm, const CommandLine& cl, const Settings&) {
  // Checks of the command line: the same on every rank, so thrown directly.
  const auto& args = cl.arguments;
  if (args.empty()) throw UserError("runs needs a sub-command: list, or show ID");
  const std::string& sub = args[0];
  if (sub != "list" && sub != "show")
    throw UserError("runs: unknown sub-command " + quote_user_text(sub) + "; use list, or show ID");
  if (sub == "list" && args.size() > 1) throw UserError("runs list: unexpected argument " + quote_user_text(args[1]));
  if (sub == "show" && args.size() != 2)
    throw UserError(args.size() < 2 ? "runs show needs a trial id (see runs list)"
                                    : "runs show: unexpected argument " + quote_user_text(args[2]));
  if (!cl.json.empty() && cl.json != "-")
    throw UserError("runs prints JSON to standard output: give --json without a file");
  std::string error;
  const long long id = sub == "show" ? parse_trial_id(args[1], error) : 0;
  if (!error.empty()) throw UserError(error);

  const bool json = cl.json == "-";
  const std::string path = cl.store.empty() ? kDefaultStorePath : cl.store;
  std::string out;
  if (comm_rank(comm) == 0) {
    try {
      RunStore store(path, RunStore::OpenMode::existing_only);
      if (sub == "list") {
        out = list_text(store.list_trials(), json);
      } else if (const auto t = store.trial(id)) {
        out = show_text(*t, store.steps(id), json);
      } else {
        error = "run store " + quote_user_path(path) + " has no trial " + std::to_string(id) +
                "; `hyperpetsc runs list` shows its trials";
      }
    } catch (const UserError& e) {
      error = e.what();
    }
  }
  agree_or_throw(comm, error);
  if (comm_rank(comm) == 0) {
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
  }
}

}  // namespace hp
