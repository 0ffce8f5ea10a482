#include "hyperpetsc/service/report/report_plots.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "hyperpetsc/service/report/gnuplot.hpp"

namespace hp {

namespace {

using Points = std::vector<std::pair<double, double>>;

// Colours kept across plots: training blue, validation orange, test green.
struct Split {
  const char* prefix;  // column prefix in metrics.csv
  const char* label;
  const char* colour;
};
constexpr Split kSplits[] = {
    {"train", "training", "#1f77b4"}, {"val", "validation", "#ff7f0e"}, {"test", "test", "#2ca02c"}};

// Viridis: ordered in lightness and readable by colour-blind readers.
constexpr const char* kViridis =
    "set palette defined (0 '#440154', 1 '#482878', 2 '#3e4989', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', "
    "6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')\n";

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// One plot's script: its data blocks first (gnuplot needs them before `plot`), then the
// commands. Data block names start with the file's stem, unique within a report.
class PlotScript {
 public:
  PlotScript(const std::string& file, int width, int height) : stem_(file.substr(0, file.find('.'))) {
    head_ = "reset\n" + gnuplot_png_terminal(width, height) + "set output '" + file + "'\n";
    body_ =
        "set title font ',13'\n"
        "set grid lt 1 lc rgb '#d4d4d4' lw 1\n"
        "set key box opaque samplen 2 spacing 1.2\n"
        "set xtics nomirror out\n"
        "set ytics nomirror out\n"
        "set border 3\n";
  }
  // Defines a data block of (x, y) rows; returns its name.
  std::string data(const Points& points) {
    const std::string name = begin_block();
    for (const auto& [x, y] : points) {
      append(x, ' ');
      append(y, '\n');
    }
    head_ += "EOD\n";
    return name;
  }
  // Defines a data block of (x, low, high) rows; returns its name.
  std::string data(const std::vector<std::array<double, 3>>& rows) {
    const std::string name = begin_block();
    for (const auto& r : rows) {
      append(r[0], ' ');
      append(r[1], ' ');
      append(r[2], '\n');
    }
    head_ += "EOD\n";
    return name;
  }
  // Defines a data block of `rows` lines of `cols` values (gnuplot's matrix format).
  std::string matrix(const std::vector<double>& values, int rows, int cols) {
    const std::string name = begin_block();
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) append(values[static_cast<std::size_t>(r) * cols + c], c + 1 < cols ? ' ' : '\n');
    head_ += "EOD\n";
    return name;
  }
  PlotScript& operator<<(const std::string& line) {
    body_ += line + "\n";
    return *this;
  }
  std::string str() const { return head_ + body_ + "unset output\n"; }

 private:
  std::string begin_block() {
    std::string name = "$" + stem_ + "_" + std::to_string(blocks_++);
    head_ += name + " << EOD\n";
    return name;
  }
  // One number at full precision and its separator, formatted in place (no temporaries:
  // a data block has a row per outer step or pixel).
  void append(double v, char separator) {
    char buf[32];
    const int n = std::snprintf(buf, sizeof buf, "%.17g%c", v, separator);
    head_.append(buf, static_cast<std::size_t>(n));
  }

  std::string stem_, head_, body_;
  int blocks_ = 0;
};

// (x, y) for the rows where both are finite (and y > 0 for a log axis).
Points points(const std::vector<double>& x, const std::vector<double>& y, bool positive_y = false) {
  Points p;
  p.reserve(std::min(x.size(), y.size()));
  for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
    if (std::isfinite(x[i]) && std::isfinite(y[i]) && (!positive_y || y[i] > 0)) p.emplace_back(x[i], y[i]);
  return p;
}

// Lines, with point markers while there are few enough to tell apart.
std::string line_style(std::size_t n, const std::string& colour) {
  return std::string(n <= 60 ? "with linespoints pt 7 ps 0.7" : "with lines") + " lw 2 lc rgb '" + colour + "'";
}

// Whole-number tics on a step axis when gnuplot would choose halves.
std::string step_tics(const std::vector<double>& steps) {
  double lo = 0, hi = 0;
  bool any = false;
  for (double s : steps)
    if (std::isfinite(s)) {
      lo = any ? std::min(lo, s) : s;
      hi = any ? std::max(hi, s) : s;
      any = true;
    }
  return any && hi - lo <= 10 ? "set xtics 1" : "set xtics";
}

struct Axis {
  const char* column;  // step or seconds
  const char* label;
  const char* suffix;  // in file names
  const char* title;
};
constexpr Axis kStepAxis{"step", "outer step", "step", "by outer step"};
constexpr Axis kTimeAxis{"seconds", "seconds since the run started", "seconds", "by wall-clock time"};

// One line per split that has values in `<split>_<quantity>`; nothing if none has.
void add_split_plot(std::vector<PlotSpec>& plots, const RunFolder& run, const std::string& quantity,
                    const std::string& heading, const Axis& axis) {
  const auto& m = run.metrics;
  const auto* x = m.column(axis.column);
  if (!x || !m.has_values(axis.column)) return;
  std::vector<std::pair<Points, const Split*>> series;
  for (const auto& split : kSplits) {
    const std::string column = std::string(split.prefix) + "_" + quantity;
    if (!m.has_values(column)) continue;
    Points p = points(*x, *m.column(column));
    if (!p.empty()) series.emplace_back(std::move(p), &split);
  }
  if (series.empty()) return;
  const std::string file = quantity + "_by_" + axis.suffix + ".png";
  PlotScript s(file, 900, 560);
  std::string plot = "plot ";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::string block = s.data(series[i].first);
    plot += (i ? ", " : "") + block + " using 1:2 " + line_style(series[i].first.size(), series[i].second->colour) +
            " title '" + series[i].second->label + "'";
  }
  s << "set title '" + heading + " " + axis.title + "'"
    << "set xlabel '" + std::string(axis.label) + "'"
    << "set ylabel '" + quantity + "'"
    << "set key outside right top vertical";
  if (axis.column == std::string("step")) s << step_tics(*x);
  s << plot;
  std::string which;
  for (std::size_t i = 0; i < series.size(); ++i)
    which += std::string(i == 0 ? "" : i + 1 == series.size() ? " and " : ", ") + series[i].second->label;
  which[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(which[0])));
  plots.push_back(
      {file, heading + " " + axis.title,
       which + " " + quantity + " " +
           (axis.column == std::string("step") ? "at each outer step." : "against the seconds since the run started."),
       s.str()});
}

void add_hypergradient_plot(std::vector<PlotSpec>& plots, const RunFolder& run) {
  const auto& m = run.metrics;
  const auto* step = m.column("step");
  const auto* g = m.column("hypergradient_norm");
  if (!step || !g) return;
  const Points p = points(*step, *g, /*positive_y=*/true);
  if (p.empty()) return;
  PlotScript s("hypergradient_norm.png", 900, 560);
  const std::string block = s.data(p);
  s << "set title 'Hypergradient norm ‖ĝ‖ by outer step'"
    << "set xlabel 'outer step'"
    << "set ylabel '‖ĝ‖ (log scale)'"
    << "set logscale y"
    << "set format y '10^{%L}'"
    << "set mytics 10"
    << "set grid xtics ytics mytics lt 1 lc rgb '#d4d4d4' lw 1, lt 1 lc rgb '#eeeeee' lw 1" << step_tics(*step)
    << "unset key"
    << "plot " + block + " using 1:2 " + line_style(p.size(), "#6a3d9a") + " notitle";
  plots.push_back({"hypergradient_norm.png", "Hypergradient norm",
                   "The norm of the hypergradient ĝ at each outer step (log scale).", s.str()});
}

void add_lambda_range_plot(std::vector<PlotSpec>& plots, const RunFolder& run) {
  const auto& m = run.metrics;
  const auto* step = m.column("step");
  if (!step || !m.has_values("lambda_mean")) return;
  PlotScript s("lambda_by_step.png", 900, 560);
  std::string plot = "plot ";
  if (m.has_values("lambda_min") && m.has_values("lambda_max")) {
    const auto& lo = *m.column("lambda_min");
    const auto& hi = *m.column("lambda_max");
    std::vector<std::array<double, 3>> band;
    band.reserve(step->size());
    for (std::size_t i = 0; i < step->size(); ++i)
      if (std::isfinite((*step)[i]) && std::isfinite(lo[i]) && std::isfinite(hi[i]))
        band.push_back({(*step)[i], lo[i], hi[i]});
    if (!band.empty())
      plot += s.data(band) + " using 1:2:3 with filledcurves fc rgb '#c6dbef' fs solid 0.8 title 'min to max λ_j', ";
  }
  const Points mean = points(*step, *m.column("lambda_mean"));
  plot += s.data(mean) + " using 1:2 " + line_style(mean.size(), "#08306b") + " title 'mean λ_j'";
  s << "set title 'Hyperparameters λ by outer step'"
    << "set xlabel 'outer step'"
    << "set ylabel 'λ_j  (L2 strength e^{λ_j})'" << step_tics(*step) << "set key outside right top vertical" << plot;
  plots.push_back({"lambda_by_step.png", "λ by outer step",
                   "The range (smallest to largest) and mean of the λ_j after each outer step.", s.str()});
}

void add_lambda_histogram(std::vector<PlotSpec>& plots, const RunFolder& run) {
  const auto& lambda = run.lambda;
  if (lambda.size() < 2) return;
  double lo = lambda[0], hi = lambda[0], sum = 0;
  std::size_t finite = 0;
  for (double v : lambda)
    if (std::isfinite(v)) {
      lo = finite ? std::min(lo, v) : v;
      hi = finite ? std::max(hi, v) : v;
      sum += v;
      ++finite;
    }
  if (finite < 2 || !std::isfinite(hi - lo)) return;  // (a span beyond the doubles has no bins)
  // About √n bins (at most 60); one bin of width 1 when every λ_j is the same.
  const int bins = hi > lo ? std::clamp(static_cast<int>(std::ceil(std::sqrt(static_cast<double>(finite)))), 5, 60) : 1;
  const double width = hi > lo ? (hi - lo) / bins : 1.0;
  std::vector<double> count(bins, 0.0);
  for (double v : lambda)
    if (std::isfinite(v)) count[std::min(bins - 1, static_cast<int>((v - lo) / width))] += 1;
  Points bars;
  bars.reserve(bins);
  for (int b = 0; b < bins; ++b) bars.emplace_back(hi > lo ? lo + (b + 0.5) * width : lo, count[b]);
  PlotScript s("lambda_histogram.png", 900, 560);
  const std::string block = s.data(bars);
  char stats[160];
  std::snprintf(stats, sizeof stats, "min %.4g, mean %.4g, max %.4g", lo, sum / finite, hi);
  // A double-quoted gnuplot string: \n breaks the title's line.
  s << "set title \"Final λ: distribution of its " + std::to_string(finite) + " values\\n" + stats + "\""
    << "set xlabel 'λ_j  (L2 strength e^{λ_j})'"
    << "set ylabel 'number of λ_j'"
    << "set yrange [0:*]"
    << "set boxwidth " + num(width * 0.92) + " absolute"
    << "set style fill solid 0.75 border lc rgb '#2b4f7a'"
    << "unset key"
    << "plot " + block + " using 1:2 with boxes lc rgb '#4c72b0' notitle";
  plots.push_back({"lambda_histogram.png", "Final λ distribution",
                   "Histogram of the " + std::to_string(finite) + " values of the final λ (lambda.txt): " + stats + ".",
                   s.str()});
}

void add_lambda_image(std::vector<PlotSpec>& plots, const RunFolder& run) {
  const int side = run.lambda_image_side();
  // A non-finite λ_j has no colour (and a λ of NaNs nothing to draw).
  if (side == 0 || !std::all_of(run.lambda.begin(), run.lambda.end(), [](double v) { return std::isfinite(v); }))
    return;
  PlotScript s("lambda_image.png", 760, 680);
  const std::string block = s.matrix(run.lambda, side, side);
  const std::string edge = num(side - 0.5);
  // The colour range is exactly λ's, so its smallest and largest values get the palette's ends.
  const auto [lo_it, hi_it] = std::minmax_element(run.lambda.begin(), run.lambda.end());
  double lo = *lo_it, hi = *hi_it;
  if (lo == hi) lo -= 1, hi += 1;
  // Matrix rows are image rows in λ's (row-major pixel) order; the reversed y range puts
  // row 0 at the top, as the image is seen.
  s << "set title 'Final λ per pixel (" + std::to_string(side) + " × " + std::to_string(side) + ", row 0 at the top)'"
    << "set xlabel 'pixel column'"
    << "set ylabel 'pixel row'"
    << "set size ratio -1"
    << "set xrange [-0.5:" + edge + "]"
    << "set yrange [" + edge + ":-0.5]"
    << "set border 15"
    << "unset grid"
    << "unset key" << kViridis << "set cbrange [" + num(lo) + ":" + num(hi) + "]"
    << "set cblabel 'λ_j'"
    << "plot " + block + " matrix with image";
  plots.push_back({"lambda_image.png", "Final λ per pixel",
                   "The final λ_j of each pixel drawn as the image (row-major pixels, first row at the top); "
                   "bright pixels are regularised most.",
                   s.str()});
}

// One line per trial of `column` by step; nothing if no trial has values.
void add_trials_plot(std::vector<PlotSpec>& plots, const SweepFolder& sweep, const std::string& column,
                     const std::string& label, const std::string& file, const std::string& axis_label) {
  std::vector<std::pair<Points, std::size_t>> series;
  for (std::size_t t = 0; t < sweep.trials.size(); ++t) {
    const auto& m = sweep.trials[t].metrics;
    if (!m.column("step") || !m.has_values(column)) continue;
    Points p = points(*m.column("step"), *m.column(column));
    if (!p.empty()) series.emplace_back(std::move(p), t);
  }
  if (series.empty()) return;
  const bool legend = series.size() <= 24;  // beyond, a legend would hide the plot
  PlotScript s(file, 1000, 600);
  std::string plot = "plot ";
  std::size_t longest = 0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const std::string block = s.data(series[i].first);
    longest = std::max(longest, series[i].first.size());
    plot += (i ? ", " : "") + block + " using 1:2 with linespoints pt " + std::to_string(5 + i % 4) +
            " ps 0.6 lw 1.8 lt " + std::to_string(i % 8 + 1) + " dt " + std::to_string(i / 8 % 5 + 1) +
            (legend ? " title " + gnuplot_quote("trial " + sweep.trials[series[i].second].name) : " notitle");
  }
  s << "set title '" + label + " by outer step, one line per trial'"
    << "set xlabel 'outer step'"
    << "set ylabel '" + axis_label + "'" << (longest <= 11 ? "set xtics 1" : "set xtics")
    << (legend ? "set key outside right top noenhanced" : "unset key") << plot;
  plots.push_back({file, label + " of every trial",
                   label + " by outer step, one line per trial" +
                       (legend ? std::string(".") : " (" + std::to_string(series.size()) + " trials: no legend)."),
                   s.str()});
}

bool parse_number(const std::string& text, double& v) {
  if (text.empty()) return false;
  char* end = nullptr;
  v = std::strtod(text.c_str(), &end);
  return *end == '\0' && std::isfinite(v);
}

// One panel of the swept-values plot: a key's values (numbers, or categories such as a
// method's name at x = 0, 1, ...) against the trials' best validation losses.
struct SweptPanel {
  std::size_t key = 0;
  bool numeric = true;
  std::vector<std::string> categories;
  Points all, best;
};

SweptPanel swept_panel(const SweepFolder& sweep, std::size_t key, const std::vector<std::size_t>& with_loss) {
  SweptPanel p;
  p.key = key;
  double v = 0;
  for (std::size_t t : with_loss)
    if (!sweep.swept_values[t][key].empty() && !parse_number(sweep.swept_values[t][key], v)) p.numeric = false;
  const int best = sweep.best_trial();
  for (std::size_t t : with_loss) {
    const std::string& text = sweep.swept_values[t][key];
    double x = 0;
    if (p.numeric) {
      if (!parse_number(text, x)) continue;  // a trial without this key
    } else {
      const auto it = std::find(p.categories.begin(), p.categories.end(), text);
      x = static_cast<double>(it - p.categories.begin());
      if (it == p.categories.end()) p.categories.push_back(text);
    }
    const double y = *sweep.trials[t].best_val_loss();
    p.all.emplace_back(x, y);
    if (static_cast<int>(t) == best) p.best.emplace_back(x, y);
  }
  return p;
}

// One panel per swept key that some trial with a validation loss has; categorical keys
// get one tic per value.
void add_swept_values_plot(std::vector<PlotSpec>& plots, const SweepFolder& sweep) {
  constexpr std::size_t kMaxPanels = 12;
  std::vector<std::size_t> with_loss;
  for (std::size_t t = 0; t < sweep.trials.size(); ++t)
    if (sweep.trials[t].best_val_loss()) with_loss.push_back(t);
  std::vector<SweptPanel> panels;
  std::size_t drawable = 0;
  for (std::size_t k = 0; k < sweep.swept_keys.size(); ++k) {
    SweptPanel p = swept_panel(sweep, k, with_loss);
    if (p.all.empty()) continue;  // only trials without a loss have this key
    ++drawable;
    if (panels.size() < kMaxPanels) panels.push_back(std::move(p));
  }
  if (panels.empty()) return;
  const int cols = static_cast<int>(std::min<std::size_t>(panels.size(), 3));
  const int rows = static_cast<int>((panels.size() + cols - 1) / cols);
  PlotScript s("swept_values.png", 460 * cols + 40, 400 * rows + 40);
  s << "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) +
           " title 'Best validation loss of each trial against its swept values' font ',13'"
    << "set ylabel 'best validation loss'"
    << "unset key";  // the caption says what the circle is
  for (const SweptPanel& p : panels) {
    const std::string& key = sweep.swept_keys[p.key];
    s << "set title " + gnuplot_quote(key) + " noenhanced"
      << "set xlabel " + gnuplot_quote(key) + " noenhanced";
    if (p.numeric) {
      double lo = p.all[0].first, hi = p.all[0].first;
      for (const auto& [x, y] : p.all) lo = std::min(lo, x), hi = std::max(hi, x);
      // Spans of two decades or more of positive values (learning rates, strengths) read better in log scale.
      s << (lo > 0 && hi >= 100 * lo ? "set logscale x" : "unset logscale x") << "set xtics"
        << "set xrange [*:*]"
        << "set offsets graph 0.05, graph 0.05, graph 0.05, graph 0.05";
    } else {
      std::string tics = "set xtics (";
      std::size_t label_bytes = 0;
      for (std::size_t c = 0; c < p.categories.size(); ++c) {
        const std::string label = p.categories[c].empty() ? "(unset)" : p.categories[c];
        label_bytes += std::min<std::size_t>(label.size(), 24);
        tics += (c ? ", " : "") + gnuplot_quote(label, 24) + " " + std::to_string(c);
      }
      // Slanted labels when upright ones would run into each other (a panel holds ~30 characters).
      s << "unset logscale x"
        << tics + ") noenhanced" + (label_bytes + 2 * p.categories.size() > 30 ? " rotate by -30" : "")
        << "set xrange [-0.5:" + num(p.categories.size() - 0.5) + "]"
        << "set offsets 0, 0, graph 0.05, graph 0.05";
    }
    std::string plot = "plot " + s.data(p.all) + " using 1:2 with points pt 7 ps 1.3 lc rgb '#4c72b0' notitle";
    if (!p.best.empty())
      plot += ", " + s.data(p.best) + " using 1:2 with points pt 6 ps 2.6 lw 2 lc rgb '#d62728' notitle";
    s << plot;
  }
  s << "unset multiplot";
  std::string caption = "Each trial's best validation loss against its swept values";
  if (panels.size() < drawable)
    caption += " (the first " + std::to_string(panels.size()) + " of " + std::to_string(drawable) + " swept keys)";
  plots.push_back({"swept_values.png", "Swept values", caption + "; the circled point is the best trial.", s.str()});
}

}  // namespace

std::vector<PlotSpec> run_plots(const RunFolder& run) {
  std::vector<PlotSpec> plots;
  for (const Axis* axis : {&kStepAxis, &kTimeAxis}) {
    add_split_plot(plots, run, "loss", "Loss", *axis);
    add_split_plot(plots, run, "accuracy", "Accuracy", *axis);
  }
  add_hypergradient_plot(plots, run);
  add_lambda_range_plot(plots, run);
  add_lambda_histogram(plots, run);
  add_lambda_image(plots, run);
  return plots;
}

std::vector<PlotSpec> sweep_plots(const SweepFolder& sweep) {
  std::vector<PlotSpec> plots;
  add_trials_plot(plots, sweep, "val_loss", "Validation loss", "trials_val_loss.png", "validation loss");
  add_trials_plot(plots, sweep, "val_accuracy", "Validation accuracy", "trials_val_accuracy.png",
                  "validation accuracy");
  add_swept_values_plot(plots, sweep);
  return plots;
}

const std::vector<std::string>& plot_file_names() {
  static const std::vector<std::string> names{
      "loss_by_step.png",       "loss_by_seconds.png",     "accuracy_by_step.png", "accuracy_by_seconds.png",
      "hypergradient_norm.png", "lambda_by_step.png",      "lambda_histogram.png", "lambda_image.png",
      "trials_val_loss.png",    "trials_val_accuracy.png", "swept_values.png"};
  return names;
}

}  // namespace hp
