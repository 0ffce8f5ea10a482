#include "hyperpetsc/service/report/run_report.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/report/display_text.hpp"
#include "hyperpetsc/service/report/gnuplot.hpp"
#include "hyperpetsc/service/report/png_image.hpp"
#include "hyperpetsc/service/report/report_document.hpp"
#include "hyperpetsc/service/report/report_plots.hpp"
#include "hyperpetsc/service/report/summary_tables.hpp"

namespace hp {

namespace fs = std::filesystem;

namespace {

// A private folder for gnuplot's work, removed however the report ends.
class ScratchFolder {
 public:
  ScratchFolder() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = (fs::path(base && *base ? base : "/tmp") / "hyperpetsc-report-XXXXXX").string();
    if (!::mkdtemp(tmpl.data()))
      throw UserError("cannot create a temporary folder for gnuplot in " + quote_user_path(tmpl) +
                      " (set TMPDIR to a writable folder)");
    path_ = tmpl;
  }
  ~ScratchFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Draws `plots` and returns them as figures holding their PNGs.
std::vector<ReportFigure> draw(const std::vector<PlotSpec>& plots, const std::string& program) {
  std::vector<ReportFigure> figures;
  if (plots.empty()) return figures;
  ScratchFolder scratch;
  std::string script;
  for (const auto& p : plots) script += p.script;
  run_gnuplot(program, scratch.path(), script);
  for (const auto& p : plots) {
    std::string png = read_bytes((fs::path(scratch.path()) / p.file).string());
    if (!png_size(png))
      throw UserError("gnuplot exited without drawing " + p.file + " as a PNG (" + std::to_string(png.size()) +
                      " bytes); check the gnuplot installation (Debian's gnuplot-nox)");
    figures.push_back({p.file, p.title, p.caption, std::move(png)});
  }
  return figures;
}

std::string lambda_line(const RunFolder& run) {
  if (run.lambda.empty()) return "No lambda.txt (the final λ is written when the run ends).";
  double lo = 0, hi = 0, sum = 0;
  std::size_t n = 0;
  for (double v : run.lambda)
    if (std::isfinite(v)) {
      lo = n ? std::min(lo, v) : v;
      hi = n ? std::max(hi, v) : v;
      sum += v;
      ++n;
    }
  char buf[200];
  if (n == 0) return "Final λ (lambda.txt): no finite value.";
  if (run.lambda.size() == 1) {
    std::snprintf(buf, sizeof buf, "Final λ (lambda.txt): %.6g.", lo);
  } else {
    std::snprintf(buf, sizeof buf, "Final λ (lambda.txt): %zu values, min %.6g, mean %.6g, max %.6g.",
                  run.lambda.size(), lo, sum / n, hi);
  }
  return buf;
}

ReportSection run_summary_section(const RunFolder& run, const std::string& heading) {
  ReportSection s;
  s.heading = heading;
  s.paragraphs.push_back("Run folder: " + display_text(run.dir, 400));
  s.tables = {run_status_table(run), run_steps_table(run)};
  s.notes.push_back(lambda_line(run));
  return s;
}

ReportDocument run_document(const RunFolder& run, std::vector<ReportFigure> figures) {
  ReportDocument doc;
  doc.title = "HyperPETSc run " + display_text(run.name, 80);
  doc.sections.push_back(run_summary_section(run, "Summary"));
  ReportSection plots;
  plots.heading = "Plots";
  if (figures.empty()) plots.paragraphs.push_back("No plots: metrics.csv holds no values to draw.");
  plots.figures = std::move(figures);
  doc.sections.push_back(std::move(plots));
  return doc;
}

ReportDocument sweep_document(const SweepFolder& sweep, const std::string& name, std::vector<ReportFigure> figures,
                              std::size_t sweep_figures) {
  ReportDocument doc;
  doc.title = "HyperPETSc sweep " + display_text(name, 80);
  ReportSection summary;
  summary.heading = "Trials";
  std::size_t completed = 0, failed = 0;
  for (const auto& t : sweep.trials) {
    completed += t.summary.status == "COMPLETED";
    failed += t.summary.status == "FAILED";
  }
  summary.paragraphs.push_back("Sweep folder: " + display_text(sweep.dir, 400));
  summary.paragraphs.push_back(std::to_string(sweep.trials.size()) + " trials: " + std::to_string(completed) +
                               " completed, " + std::to_string(failed) + " failed, " +
                               std::to_string(sweep.trials.size() - completed - failed) + " other.");
  const int best = sweep.best_trial();
  if (best >= 0) {
    const auto& b = sweep.trials[best];
    char loss[40];
    std::snprintf(loss, sizeof loss, "%.6g", *b.best_val_loss());
    std::string values;
    for (std::size_t k = 0; k < sweep.swept_keys.size(); ++k)
      if (!sweep.swept_values[best][k].empty())
        values += (values.empty() ? " with " : ", ") + display_text(sweep.swept_keys[k], 60) + " = " +
                  display_text(sweep.swept_values[best][k], 60);
    summary.paragraphs.push_back("Best trial: " + display_text(b.name, 60) + " (best validation loss " + loss + ")" +
                                 values + ".");
  }
  if (sweep.swept_keys.empty())
    summary.paragraphs.push_back(
        "No swept values found (no params in the trials' summary.json, and their "
        "config.resolved.yaml files agree).");
  summary.tables.push_back(sweep_trials_table(sweep));
  summary.figures.assign(std::make_move_iterator(figures.begin()),
                         std::make_move_iterator(figures.begin() + static_cast<std::ptrdiff_t>(sweep_figures)));
  doc.sections.push_back(std::move(summary));
  if (best >= 0) {
    ReportSection s =
        run_summary_section(sweep.trials[best], "Best trial " + display_text(sweep.trials[best].name, 60));
    s.figures.assign(std::make_move_iterator(figures.begin() + static_cast<std::ptrdiff_t>(sweep_figures)),
                     std::make_move_iterator(figures.end()));
    doc.sections.push_back(std::move(s));
  }
  return doc;
}

// RUN_DIR/report, created if needed (once everything is drawn, so a failure leaves no
// empty folder behind).
std::string prepare_output_folder(const std::string& run_dir) {
  const std::string out = (fs::path(run_dir) / "report").string();
  std::error_code ec;
  fs::create_directory(out, ec);
  if (ec || !fs::is_directory(out))
    throw UserError("cannot create the report folder " + quote_user_path(out) + " (" +
                    (ec ? ec.message() : std::string("a file has that name")) +
                    "); make the run folder writable or move the file away");
  check_writable((fs::path(out) / "report.md").string(), "report");
  return out;
}

}  // namespace

ReportFiles write_report(const std::string& run_dir, const std::string& gnuplot) {
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec))
    throw UserError("run folder " + quote_user_path(run_dir) +
                    (fs::exists(run_dir, ec) ? " is not a folder" : " does not exist") +
                    "; give the run.dir of a hyperpetsc run or sweep");
  ReportFiles result;
  result.sweep = is_sweep_folder(run_dir);
  ReportDocument doc;
  std::vector<ReportFigure> figures;
  if (result.sweep) {
    const SweepFolder sweep = read_sweep_folder(run_dir);
    result.trials = sweep.trials.size();
    std::vector<PlotSpec> plots = sweep_plots(sweep);
    const std::size_t sweep_figures = plots.size();
    if (sweep.best_trial() >= 0)
      for (auto& p : run_plots(sweep.trials[sweep.best_trial()])) plots.push_back(std::move(p));
    figures = draw(plots, plots.empty() ? std::string() : find_gnuplot(gnuplot));
    for (const auto& f : figures) result.files.push_back(f.file);
    doc = sweep_document(sweep, folder_name(run_dir), std::move(figures), sweep_figures);
  } else {
    const RunFolder run = read_run_folder(run_dir);
    const std::vector<PlotSpec> plots = run_plots(run);
    figures = draw(plots, plots.empty() ? std::string() : find_gnuplot(gnuplot));
    for (const auto& f : figures) result.files.push_back(f.file);
    doc = run_document(run, std::move(figures));
  }
  // Everything is drawn: only now does the folder change, one complete file at a time.
  result.folder = prepare_output_folder(run_dir);
  for (const auto& section : doc.sections)
    for (const auto& f : section.figures)
      write_file_atomically((fs::path(result.folder) / f.file).string(), f.png, "report plot");
  write_file_atomically((fs::path(result.folder) / "report.md").string(), markdown_report(doc), "report");
  write_file_atomically((fs::path(result.folder) / "report.html").string(), html_report(doc), "report");
  result.files.push_back("report.md");
  result.files.push_back("report.html");
  for (const auto& name : plot_file_names())
    if (std::find(result.files.begin(), result.files.end(), name) == result.files.end())
      fs::remove(fs::path(result.folder) / name, ec);  // a plot of an older report that no longer applies
  return result;
}

}  // namespace hp
