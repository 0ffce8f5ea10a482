#include "hyperpetsc/service/run_outputs.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

const char* RunOutputs::metrics_header() {
  return "step,seconds,train_loss,val_loss,val_accuracy,test_loss,test_accuracy,hypergradient_norm,"
         "inner_iterations,solver_iterations,lambda_min,lambda_mean,lambda_max";
}

RunOutputs::RunOutputs(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec || !std::filesystem::is_directory(dir_))
    throw UserError("run.dir " + quote_user_path(dir_) + ": cannot create the run folder (" +
                    (ec ? ec.message() : std::string("not a folder")) + "); set run.dir to a writable folder");
  metrics_.reset(std::fopen(path("metrics.csv").c_str(), "w"));
  log_.reset(std::fopen(path("log.txt").c_str(), "w"));
  if (!metrics_ || !log_)
    throw UserError("run.dir " + quote_user_path(dir_) + ": cannot write in the run folder (" +
                    std::strerror(errno) + "); set run.dir to a writable folder");
  std::fprintf(metrics_.get(), "%s\n", metrics_header());
  std::fflush(metrics_.get());
}

std::string RunOutputs::path(const char* name) const { return (std::filesystem::path(dir_) / name).string(); }

void RunOutputs::write_config(const std::string& resolved_yaml) {
  write_file_atomically(path("config.resolved.yaml"), resolved_yaml, "run.dir");
}

void RunOutputs::add_metrics_row(const OuterStepRecord& r) {
  // Training loss, accuracies and test metrics are not computed yet: empty cells.
  std::fprintf(metrics_.get(), "%d,%s,,%s,,,,%s,%d,%d,%s,%s,%s\n", static_cast<int>(r.step), number(r.seconds).c_str(),
               number(r.val_loss).c_str(), number(r.hypergradient_norm).c_str(), static_cast<int>(r.inner_iterations),
               static_cast<int>(r.solver_iterations), number(r.lambda_min).c_str(), number(r.lambda_mean).c_str(),
               number(r.lambda_max).c_str());
  std::fflush(metrics_.get());
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

void RunOutputs::write_summary(const std::string& status, const OuterRunResult* result, int ranks,
                               const std::string& error) {
  JsonWriter j;
  j.begin_object();
  j.key_value("status", status);
  if (result) {
    for (const auto* which : {"best", "final"}) {
      const OuterStepRecord& r = std::string(which) == "best" ? result->best : result->final;
      j.begin_object(which)
          .key_value("step", static_cast<long long>(r.step))
          .key_value("val_loss", r.val_loss)
          .key_value("val_accuracy", std::nan(""))
          .key_value("test_loss", std::nan(""))
          .key_value("test_accuracy", std::nan(""))
          .key_value("hypergradient_norm", r.hypergradient_norm)
          .end_object();
    }
    j.key_value("seconds", result->seconds);
    j.key_value("outer_steps", static_cast<long long>(result->steps));
    j.key_value("stop_reason", result->stop_reason);
    j.key_value("lambda_file", std::string("lambda.txt"));
  }
  j.key_value("ranks", ranks);
  if (!error.empty()) j.key_value("error", error);
  j.end_object();
  write_file_atomically(path("summary.json"), j.str() + "\n", "run.dir");
}

}  // namespace hp
