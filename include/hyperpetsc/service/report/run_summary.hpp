// A run folder's summary.json (written by `hyperpetsc run` at the end), as the report
// needs it. Fields that are absent or null stay empty: a failed run has no `best`.
#pragma once
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hp {

// summary.json's `best` or `final`: the outer step and its metrics.
struct StepSummary {
  std::optional<double> step, val_loss, val_accuracy, test_loss, test_accuracy;
};

struct RunSummary {
  std::string status;  // COMPLETED, FAILED, ...; "" if not given
  StepSummary best, final;
  std::optional<double> seconds;
  std::optional<long long> ranks, outer_steps;
  std::string stop_reason, error;
  // A sweep trial's swept values (`params`: key -> value), as text in file order.
  std::vector<std::pair<std::string, std::string>> params;
};

// Parses the text of a summary.json named `file` in messages (JSON is read by the
// config layer's YAML parser, of which it is a subset). Throws hp::UserError naming the
// file and line if the text is not a JSON object or a known field has the wrong type.
RunSummary parse_run_summary(const std::string& text, const std::string& file);

}  // namespace hp
