#include "hyperpetsc/service/report/summary_tables.hpp"

#include <cmath>
#include <cstdio>

#include "hyperpetsc/service/report/display_text.hpp"

namespace hp {

namespace {

std::string shown(const std::optional<double>& v, const char* format = "%.6g") {
  if (!v) return "-";
  char buf[40];
  std::snprintf(buf, sizeof buf, format, *v);
  return buf;
}
std::string shown(const std::optional<long long>& v) { return v ? std::to_string(*v) : "-"; }

std::optional<double> finite_or_none(double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; }

StepSummary step_of_row(const MetricsTable& m, std::size_t row) {
  const auto at = [&](const char* column) -> std::optional<double> {
    const auto* c = m.column(column);
    return c ? finite_or_none((*c)[row]) : std::nullopt;
  };
  return {at("step"), at("val_loss"), at("val_accuracy"), at("test_loss"), at("test_accuracy")};
}

std::optional<double> seconds_of(const RunFolder& run) {
  if (run.summary.seconds) return run.summary.seconds;
  const auto* s = run.metrics.column("seconds");
  return s && !s->empty() ? finite_or_none(s->back()) : std::nullopt;
}

std::optional<long long> outer_steps_of(const RunFolder& run) {
  if (run.summary.outer_steps) return run.summary.outer_steps;
  // Rows are step 0 (the initial λ) and one per update.
  return run.metrics.rows() > 0 ? std::optional<long long>(static_cast<long long>(run.metrics.rows()) - 1)
                                : std::nullopt;
}

}  // namespace

std::string run_status(const RunFolder& run) {
  if (!run.has_summary) return "no summary.json (running or stopped)";
  return run.summary.status.empty() ? "-" : display_text(run.summary.status, 40);
}

StepSummary best_step(const RunFolder& run) {
  if (run.has_summary) return run.summary.best;
  const auto* val = run.metrics.column("val_loss");
  std::optional<std::size_t> best;
  if (val)
    for (std::size_t r = 0; r < val->size(); ++r)
      if (std::isfinite((*val)[r]) && (!best || (*val)[r] < (*val)[*best])) best = r;
  return best ? step_of_row(run.metrics, *best) : StepSummary{};
}

StepSummary final_step(const RunFolder& run) {
  if (run.has_summary) return run.summary.final;
  return run.metrics.rows() > 0 ? step_of_row(run.metrics, run.metrics.rows() - 1) : StepSummary{};
}

ReportTable run_status_table(const RunFolder& run) {
  ReportTable t;
  t.header = {"status", "outer steps", "seconds", "ranks", "stop reason"};
  t.rows.push_back({run_status(run), shown(outer_steps_of(run)), shown(seconds_of(run), "%.4g"),
                    shown(run.summary.ranks),
                    run.summary.stop_reason.empty() ? "-" : display_text(run.summary.stop_reason, 80)});
  if (!run.summary.error.empty()) {
    t.header.push_back("error");
    t.rows.back().push_back(display_text(run.summary.error, 400));
  }
  return t;
}

ReportTable run_steps_table(const RunFolder& run) {
  const StepSummary best = best_step(run), last = final_step(run);
  ReportTable t;
  t.header = {"", "best", "final"};
  t.rows = {{"outer step", shown(best.step, "%.0f"), shown(last.step, "%.0f")},
            {"validation loss", shown(best.val_loss), shown(last.val_loss)},
            {"validation accuracy", shown(best.val_accuracy, "%.4g"), shown(last.val_accuracy, "%.4g")},
            {"test loss", shown(best.test_loss), shown(last.test_loss)},
            {"test accuracy", shown(best.test_accuracy, "%.4g"), shown(last.test_accuracy, "%.4g")}};
  return t;
}

ReportTable sweep_trials_table(const SweepFolder& sweep) {
  ReportTable t;
  t.header = {"trial", "status"};
  for (const auto& key : sweep.swept_keys) t.header.push_back(display_text(key, 60));
  for (const char* h : {"best step", "best val loss", "its val accuracy", "its test loss", "its test accuracy",
                        "final step", "final val loss", "seconds", "ranks", "outer steps", "error"})
    t.header.push_back(h);
  for (std::size_t i = 0; i < sweep.trials.size(); ++i) {
    const RunFolder& run = sweep.trials[i];
    const StepSummary best = best_step(run), last = final_step(run);
    std::vector<std::string> row{display_text(run.name, 60), run_status(run)};
    for (const auto& value : sweep.swept_values[i]) row.push_back(value.empty() ? "-" : display_text(value, 60));
    for (std::string cell :
         {shown(best.step, "%.0f"), shown(best.val_loss), shown(best.val_accuracy, "%.4g"), shown(best.test_loss),
          shown(best.test_accuracy, "%.4g"), shown(last.step, "%.0f"), shown(last.val_loss),
          shown(seconds_of(run), "%.4g"), shown(run.summary.ranks), shown(outer_steps_of(run)),
          run.summary.error.empty() ? std::string("-") : display_text(run.summary.error, 200)})
      row.push_back(std::move(cell));
    t.rows.push_back(std::move(row));
  }
  return t;
}

}  // namespace hp
