// The files of a run folder, written by the coordinator only (names are a contract):
// config.resolved.yaml, metrics.csv (one row per outer step, flushed each step),
// lambda.txt (final λ, one value a line, the data's feature order), summary.json and
// log.txt. Whole files are written atomically (complete or absent).
#pragma once
#include <petscsys.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperpetsc/outer/outer_loop.hpp"

namespace hp {

// What summary.json says beyond the loop's result.
struct RunSummaryExtras {
  std::string params_json = "{}";  // swept values (a sweep's trial), a JSON object
  std::optional<OuterStepRecord> refit;  // run.refit: test metrics after re-training on train ∪ val
  bool resumed = false;
};

class RunOutputs {
 public:
  // A fresh run creates `dir` if needed and refuses a folder that already holds a run
  // (metrics.csv or a checkpoint): nothing saved is overwritten. A resumed run keeps the
  // metrics rows of steps before `resume_step` (rows a killed process wrote after its
  // checkpoint are dropped: the resumed run writes them again) and appends to log.txt.
  // Throws hp::UserError when the folder cannot be written. Local (the coordinator).
  RunOutputs(std::string dir, bool resume, PetscInt resume_step);
  const std::string& dir() const { return dir_; }
  std::string path(const char* name) const;

  void write_config(const std::string& resolved_yaml);
  void add_metrics_row(const OuterStepRecord& r);
  void log(const std::string& line);
  void write_lambda(const std::vector<double>& lambda);
  // status: COMPLETED | FAILED | INTERRUPTED; error: the message of a failure ("" otherwise).
  void write_summary(const std::string& status, const OuterRunResult* result, int ranks, const std::string& error,
                     const RunSummaryExtras& extras = {});

  static const char* metrics_header();
  // Whether `dir` holds a run (metrics.csv or checkpoint.json).
  static bool holds_run(const std::string& dir);

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string dir_;
  std::unique_ptr<std::FILE, Closer> metrics_, log_;
};

}  // namespace hp
