// A run folder as `hyperpetsc run` leaves it (names are a contract): metrics.csv,
// summary.json, lambda.txt, config.resolved.yaml. Read for `hyperpetsc report`, which may
// look at a run that is still going or was killed, so only metrics.csv or summary.json
// must be there; what is missing is left empty and its plots are skipped.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hyperpetsc/config/config_node.hpp"
#include "hyperpetsc/service/report/metrics_table.hpp"
#include "hyperpetsc/service/report/run_summary.hpp"

namespace hp {

struct RunFolder {
  std::string dir;   // as given
  std::string name;  // the folder's own name (a sweep trial's id)
  bool has_metrics = false;
  MetricsTable metrics;
  bool has_summary = false;
  RunSummary summary;
  std::vector<double> lambda;        // the final λ (lambda.txt); empty if absent
  std::optional<ConfigNode> config;  // config.resolved.yaml, if present

  // summary.json's best validation loss, else the lowest val_loss in metrics.csv.
  std::optional<double> best_val_loss() const;
  // The side of the square per-pixel λ image (28 for 784 values) when the run's data are
  // images (problem.train.format: idx) and the number of λ values is a perfect square;
  // 0 otherwise.
  int lambda_image_side() const;
};

// Reads the run folder `dir`. Throws hp::UserError if it is not a folder, holds neither
// metrics.csv nor summary.json, or a file is malformed (named with its line), or one of
// those names is not a regular file.
RunFolder read_run_folder(const std::string& dir);

// The folder's own name ("x" for "runs/x/", the current folder's name for ".").
std::string folder_name(const std::string& dir);

// Parses lambda.txt (one number a line; blank lines skipped), named `file` in messages.
std::vector<double> parse_lambda_file(const std::string& text, const std::string& file);

// The whole of `path`, or nothing if it does not exist. Throws hp::UserError (naming
// `path`) if it is not a regular file, is over 512 MiB or cannot be read.
std::optional<std::string> read_run_file(const std::string& path);

}  // namespace hp
