// The plots of a report, as gnuplot scripts (see gnuplot.hpp): which ones a run's data
// allow and how each looks. Each script is self-contained (it resets gnuplot's state,
// picks the terminal, holds its data inline and closes its output), so a report's
// scripts run one after the other in one gnuplot process.
#pragma once
#include <string>
#include <vector>

#include "hyperpetsc/service/report/run_folder.hpp"
#include "hyperpetsc/service/report/sweep_folder.hpp"

namespace hp {

struct PlotSpec {
  std::string file;     // the PNG's name, e.g. loss_by_step.png
  std::string title;    // a heading for the documents
  std::string caption;  // one sentence for the documents (and the image's alt text)
  std::string script;   // gnuplot commands writing `file` in the working folder
};

// The plots of one run that its data allow: losses and accuracies against outer step and
// seconds (the columns that hold values), ‖ĝ‖ (log scale), λ's range by step, the final
// λ's histogram, and for image data the per-pixel λ as an image (row 0 at the top).
std::vector<PlotSpec> run_plots(const RunFolder& run);

// The plots comparing a sweep's trials: validation loss (and accuracy) by step with one
// line per trial, and each swept value against the trial's best validation loss.
std::vector<PlotSpec> sweep_plots(const SweepFolder& sweep);

// Every name a plot may have, so a new report can remove the plots an older one drew
// that no longer apply.
const std::vector<std::string>& plot_file_names();

}  // namespace hp
