// The summary tables of a report: a run's status and its best and final steps, or one row
// per sweep trial. Numbers are shown to 6 significant digits (4 for seconds and
// accuracies); "-" where a value does not apply. A run without summary.json (still going,
// or killed) takes its best step from metrics.csv's lowest val_loss and its final step
// from the last row.
#pragma once
#include "hyperpetsc/service/report/report_document.hpp"
#include "hyperpetsc/service/report/run_folder.hpp"
#include "hyperpetsc/service/report/sweep_folder.hpp"

namespace hp {

// status, outer steps, seconds, ranks, stop reason (and error, when there is one).
ReportTable run_status_table(const RunFolder& run);
// Rows step, validation loss and accuracy, test loss and accuracy; columns best and final.
ReportTable run_steps_table(const RunFolder& run);
// One row per trial: id, status, swept values, the best step with its validation loss
// and "its" validation accuracy and test metrics, the final step and its validation loss,
// seconds, ranks, outer steps, error.
ReportTable sweep_trials_table(const SweepFolder& sweep);

// summary.json's best and final, or what metrics.csv says of them (see above).
StepSummary best_step(const RunFolder& run);
StepSummary final_step(const RunFolder& run);
// The status shown for a run: summary.json's, or a note that it has none.
std::string run_status(const RunFolder& run);

}  // namespace hp
