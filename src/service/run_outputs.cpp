#include "hyperpetsc/service/run_outputs.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string cell(const std::optional<double>& v) { return v ? number(*v) : std::string(); }

[[noreturn]] void cannot_write(const std::string& dir, const std::string& why) {
  throw UserError("run.dir " + quote_user_path(dir) + ": cannot write in the run folder (" + why +
                  "); set run.dir to a writable folder");
}

}  // namespace

const char* RunOutputs::metrics_header() {
  return "step,seconds,train_loss,val_loss,val_accuracy,test_loss,test_accuracy,hypergradient_norm,"
         "inner_iterations,solver_iterations,lambda_min,lambda_mean,lambda_max";
}

bool RunOutputs::holds_run(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(dir) / "metrics.csv", ec) ||
         std::filesystem::exists(std::filesystem::path(dir) / "checkpoint.json", ec);
}

RunOutputs::RunOutputs(std::string dir, bool resume, PetscInt resume_step) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec || !std::filesystem::is_directory(dir_))
    throw UserError("run.dir " + quote_user_path(dir_) + ": cannot create the run folder (" +
                    (ec ? ec.message() : std::string("not a folder")) + "); set run.dir to a writable folder");
  if (!resume && holds_run(dir_))
    throw UserError("run.dir " + quote_user_path(dir_) +
                    " already holds a run (metrics.csv or checkpoint.json); continue it with --resume, or set "
                    "run.dir to another folder (nothing there was changed)");
  std::string kept = std::string(metrics_header()) + "\n";
  if (resume) {
    // Keep the rows of the steps the checkpoint covers.
    std::ifstream in(path("metrics.csv"));
    std::string line;
    bool header = true;
    while (std::getline(in, line)) {
      if (header) {
        header = false;
        continue;
      }
      char* end = nullptr;
      const long step = std::strtol(line.c_str(), &end, 10);
      if (end != line.c_str() && *end == ',' && step < resume_step) kept += line + "\n";
    }
  }
  // The kept rows go in atomically; the file is then appended to, a row per step.
  write_file_atomically(path("metrics.csv"), kept, "run.dir");
  metrics_.reset(std::fopen(path("metrics.csv").c_str(), "a"));
  log_.reset(std::fopen(path("log.txt").c_str(), resume ? "a" : "w"));
  if (!metrics_ || !log_) cannot_write(dir_, std::strerror(errno));
}

std::string RunOutputs::path(const char* name) const { return (std::filesystem::path(dir_) / name).string(); }

void RunOutputs::write_config(const std::string& resolved_yaml) {
  write_file_atomically(path("config.resolved.yaml"), resolved_yaml, "run.dir");
}

void RunOutputs::add_metrics_row(const OuterStepRecord& r) {
  std::fprintf(metrics_.get(), "%d,%s,%s,%s,%s,%s,%s,%s,%d,%d,%s,%s,%s\n", static_cast<int>(r.step),
               number(r.seconds).c_str(), cell(r.train_loss).c_str(), number(r.val_loss).c_str(),
               cell(r.val_accuracy).c_str(), cell(r.test_loss).c_str(), cell(r.test_accuracy).c_str(),
               number(r.hypergradient_norm).c_str(), static_cast<int>(r.inner_iterations),
               static_cast<int>(r.solver_iterations), number(r.lambda_min).c_str(), number(r.lambda_mean).c_str(),
               number(r.lambda_max).c_str());
  if (std::fflush(metrics_.get()) != 0) cannot_write(dir_, std::strerror(errno));
}

void RunOutputs::log(const std::string& line) {
  std::fprintf(log_.get(), "%s\n", line.c_str());
  std::fflush(log_.get());
}

void RunOutputs::write_lambda(const std::vector<double>& lambda) {
  std::string text;
  text.reserve(lambda.size() * 24);
  for (double v : lambda) text += number(v) + "\n";
  write_file_atomically(path("lambda.txt"), text, "run.dir");
}

namespace {

void record(JsonWriter& j, const char* name, const OuterStepRecord& r) {
  const double none = std::nan("");
  j.begin_object(name)
      .key_value("step", static_cast<long long>(r.step))
      .key_value("train_loss", r.train_loss.value_or(none))
      .key_value("val_loss", r.val_loss)
      .key_value("val_accuracy", r.val_accuracy.value_or(none))
      .key_value("test_loss", r.test_loss.value_or(none))
      .key_value("test_accuracy", r.test_accuracy.value_or(none))
      .key_value("hypergradient_norm", r.hypergradient_norm)
      .end_object();
}

}  // namespace

void RunOutputs::write_summary(const std::string& status, const OuterRunResult* result, int ranks,
                               const std::string& error, const RunSummaryExtras& extras) {
  JsonWriter j;
  j.begin_object();
  j.key_value("status", status);
  j.key_raw("params", extras.params_json);
  if (result) {
    record(j, "best", result->best);
    record(j, "final", result->final);
    if (extras.refit) {
      const double none = std::nan("");
      j.begin_object("refit")
          .key_value("train_loss", extras.refit->train_loss.value_or(none))
          .key_value("test_loss", extras.refit->test_loss.value_or(none))
          .key_value("test_accuracy", extras.refit->test_accuracy.value_or(none))
          .end_object();
    }
    j.key_value("seconds", result->seconds);
    j.key_value("outer_steps", static_cast<long long>(result->steps));
    j.key_value("stop_reason", result->stop_reason);
    j.key_value("inner_iterations", static_cast<long long>(result->inner_iterations));
    j.key_value("solver_iterations", static_cast<long long>(result->solver_iterations));
    if (status == "COMPLETED") j.key_value("lambda_file", std::string("lambda.txt"));
  }
  j.key_value("ranks", ranks);
  j.key_value("resumed", extras.resumed);
  if (!error.empty()) j.key_value("error", error);
  j.end_object();
  write_file_atomically(path("summary.json"), j.str() + "\n", "run.dir");
}

}  // namespace hp
