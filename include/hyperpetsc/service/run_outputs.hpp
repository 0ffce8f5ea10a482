// The files of a run folder, written by the coordinator only (names are a contract):
// config.resolved.yaml, metrics.csv (one row per outer step, flushed each step),
// lambda.txt (final λ, one value a line, the data's feature order), summary.json and
// log.txt. Whole files are written atomically (complete or absent).
#pragma once
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/outer/outer_loop.hpp"

namespace hp {

class RunOutputs {
 public:
  // Creates `dir` if needed; throws hp::UserError if it cannot be written. Local.
  explicit RunOutputs(std::string dir);
  const std::string& dir() const { return dir_; }

  void write_config(const std::string& resolved_yaml);
  void add_metrics_row(const OuterStepRecord& r);
  void log(const std::string& line);
  void write_lambda(const std::vector<double>& lambda);
  // status: COMPLETED | FAILED; error: the message of a failure ("" otherwise).
  void write_summary(const std::string& status, const OuterRunResult* result, int ranks, const std::string& error);

  static const char* metrics_header();

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path(const char* name) const;
  std::string dir_;
  std::unique_ptr<std::FILE, Closer> metrics_, log_;
};

}  // namespace hp
