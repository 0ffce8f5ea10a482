// `hyperpetsc report RUN_DIR`: reads a run folder or a sweep folder (trials/<id>/) and
// writes RUN_DIR/report/: the PNG plots (gnuplot), report.md linking them and a
// self-contained report.html embedding them, each with the summary table. Every file is
// written atomically once all plots are drawn, so a failure leaves the folder as it was;
// plots an older report drew that no longer apply are removed. Local (no MPI).
#pragma once
#include <string>
#include <vector>

namespace hp {

struct ReportFiles {
  std::string folder;              // RUN_DIR/report
  std::vector<std::string> files;  // the names written there, plots first
  bool sweep = false;
  std::size_t trials = 0;  // a sweep's trial count
};

// `gnuplot` names the program (looked up on PATH) or its path; it is needed only when
// there is something to draw. Throws hp::UserError for a missing or malformed run folder
// (naming the file and line), a missing gnuplot (naming Debian's gnuplot-nox), a failing
// gnuplot (with its messages), or a report folder that cannot be written.
ReportFiles write_report(const std::string& run_dir, const std::string& gnuplot = "gnuplot");

}  // namespace hp
