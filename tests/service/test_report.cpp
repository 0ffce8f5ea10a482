// `hyperpetsc report` on hand-written run and sweep folders (one process: the report is
// rank 0's work): which plots are drawn, that they are PNGs of the announced size, that
// report.md links and report.html embeds them, the summary tables, the per-pixel λ image's
// orientation, and every malformed input refused with its file and line, leaving the
// report folder as it was.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/report/base64.hpp"
#include "hyperpetsc/service/report/display_text.hpp"
#include "hyperpetsc/service/report/gnuplot.hpp"
#include "hyperpetsc/service/report/metrics_table.hpp"
#include "hyperpetsc/service/report/png_image.hpp"
#include "hyperpetsc/service/report/run_folder.hpp"
#include "hyperpetsc/service/report/run_report.hpp"
#include "hyperpetsc/service/report/run_summary.hpp"
#include "hyperpetsc/service/report/sweep_folder.hpp"
#include "png_pixels.hpp"

namespace fs = std::filesystem;

namespace {

const char* const kHeader =
    "step,seconds,train_loss,val_loss,val_accuracy,test_loss,test_accuracy,hypergradient_norm,inner_iterations,"
    "solver_iterations,lambda_min,lambda_mean,lambda_max\n";

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_text(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// The message of the hp::UserError `f` throws, or "(no error)".
template <class F>
std::string user_error_of(F&& f) {
  try {
    f();
  } catch (const hp::UserError& e) {
    return e.what();
  }
  return "(no error)";
}

struct RunSpec {
  int steps = 12;
  double rate = 0.3;           // how fast the losses fall
  bool classification = true;  // accuracies filled (else empty cells, as for regression)
  std::string format = "idx";  // problem.train.format in config.resolved.yaml
  std::size_t lambda_count = 784;
  std::string params_json;  // summary.json's params object ("" = none)
};

// A run folder as `hyperpetsc run` writes it, with every metric filled for classification.
void write_run_folder(const fs::path& dir, const RunSpec& spec) {
  std::string csv = kHeader;
  double best = 1e300;
  int best_step = 0;
  for (int s = 0; s <= spec.steps; ++s) {
    const double decay = std::exp(-spec.rate * s);
    const double val = 0.45 + 0.4 * decay + 0.001 * s;
    if (val < best) best = val, best_step = s;
    const std::string acc = spec.classification ? num(0.86 - 0.1 * decay) : "";
    const std::string test_acc = spec.classification ? num(0.85 - 0.1 * decay) : "";
    csv += std::to_string(s) + "," + num(0.5 + 0.25 * s) + "," + num(0.3 + 0.5 * decay) + "," + num(val) + "," + acc +
           "," + num(val + 0.01) + "," + test_acc + "," + num(0.1 * decay) + ",100,30," + num(-4 - 0.02 * s) + "," +
           num(-4 - 0.005 * s) + "," + num(-4 + 0.03 * s) + "\n";
  }
  write_text(dir / "metrics.csv", csv);
  std::string lambda;
  for (std::size_t j = 0; j < spec.lambda_count; ++j) lambda += num(-4.0 + 0.001 * static_cast<double>(j % 97)) + "\n";
  write_text(dir / "lambda.txt", lambda);
  write_text(dir / "config.resolved.yaml", "problem:\n  type: logistic_l2\n  train: {format: " + spec.format +
                                               ", path: x}\nouter: {learning_rate: " + num(spec.rate) +
                                               "}\nrun: {dir: " + dir.string() + "}\n");
  const std::string acc = spec.classification ? "0.8512" : "null";
  write_text(dir / "summary.json",
             "{\n  \"status\": \"COMPLETED\",\n  \"best\": {\"step\": " + std::to_string(best_step) +
                 ", \"val_loss\": " + num(best) + ", \"val_accuracy\": " + acc +
                 ", \"test_loss\": 0.5, \"test_accuracy\": " + acc +
                 "},\n  \"final\": {\"step\": " + std::to_string(spec.steps) +
                 ", \"val_loss\": 0.47, \"val_accuracy\": " + acc + ", \"test_loss\": 0.48, \"test_accuracy\": " + acc +
                 "},\n  \"seconds\": 3.5,\n  \"outer_steps\": " + std::to_string(spec.steps) +
                 ",\n  \"stop_reason\": \"iterations\",\n  \"ranks\": 2" +
                 (spec.params_json.empty() ? "" : ",\n  \"params\": " + spec.params_json) + "\n}\n");
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hp-report-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Every plot named is a PNG of the announced size; the others are absent.
  void expect_plots(const fs::path& report, const std::vector<std::string>& present,
                    const std::vector<std::string>& absent) {
    for (const auto& name : present) {
      const auto size = hp::png_size(read_bytes(report / name));
      ASSERT_TRUE(size) << name << " is not a PNG";
      EXPECT_GE(size->width, 600u) << name;
      EXPECT_GE(size->height, 400u) << name;
    }
    for (const auto& name : absent) EXPECT_FALSE(fs::exists(report / name)) << name << " should not be drawn";
  }

  fs::path dir_;
};

TEST(MetricsCsv, ColumnsByNameWithEmptyCellsAndAnUnfinishedLastRow) {
  const auto m = hp::parse_metrics_csv("step,val_loss,val_accuracy\r\n0,1.5,\n\n1,1.25,\n2,1.", "m.csv");
  EXPECT_EQ(m.rows(), 2u);  // the unterminated "2,1." is a row still being written
  ASSERT_NE(m.column("val_loss"), nullptr);
  EXPECT_EQ((*m.column("val_loss"))[1], 1.25);
  EXPECT_TRUE(std::isnan((*m.column("val_accuracy"))[0]));
  EXPECT_TRUE(m.has_values("val_loss"));
  EXPECT_FALSE(m.has_values("val_accuracy"));
  EXPECT_EQ(m.column("test_loss"), nullptr);
}

TEST(MetricsCsv, MalformedInputNamesFileAndLine) {
  EXPECT_EQ(user_error_of([] { hp::parse_metrics_csv("step,val_loss\n0,1\n1\n", "r/metrics.csv"); }),
            "'r/metrics.csv' line 3: 1 cells, but the header has 2 columns ('1')");
  EXPECT_EQ(user_error_of([] { hp::parse_metrics_csv("step,val_loss\n0,1\n1,abc\n", "m.csv"); }),
            "'m.csv' line 3: column 'val_loss': 'abc' is not a number (an empty cell is a value that does not "
            "apply)");
  EXPECT_NE(user_error_of([] { hp::parse_metrics_csv("step,val_loss\n0, 1\n", "m.csv"); }).find("line 2"),
            std::string::npos);
  EXPECT_NE(user_error_of([] { hp::parse_metrics_csv("a,b\n0,1\n", "m.csv"); }).find("has no 'step' column"),
            std::string::npos);
  EXPECT_NE(user_error_of([] { hp::parse_metrics_csv("step,x,x\n", "m.csv"); }).find("column 'x' appears twice"),
            std::string::npos);
  EXPECT_NE(user_error_of([] { hp::parse_metrics_csv("", "m.csv"); }).find("'m.csv' is empty"), std::string::npos);
  // Terminal escapes in a bad cell are escaped, never echoed raw.
  const std::string msg = user_error_of([] { hp::parse_metrics_csv("step\n\x1b[31m\n", "m.csv"); });
  EXPECT_NE(msg.find("\\x1B[31m"), std::string::npos) << msg;
  EXPECT_EQ(msg.find('\x1b'), std::string::npos);
}

TEST(LambdaFile, OneNumberALine) {
  EXPECT_EQ(hp::parse_lambda_file("-1.5\n2\n\n3e-1 \n", "l.txt"), (std::vector<double>{-1.5, 2, 0.3}));
  EXPECT_EQ(user_error_of([] { hp::parse_lambda_file("1\n2 3\n", "run/lambda.txt"); }),
            "'run/lambda.txt' line 2: '2 3' is not a number (lambda.txt holds one λ value a line)");
}

TEST(RunSummary, FieldsNullsParamsAndWrongTypes) {
  const auto s = hp::parse_run_summary(
      "{\"status\": \"FAILED\", \"best\": {\"step\": 3, \"val_loss\": 0.5, \"val_accuracy\": null},\n"
      " \"final\": null, \"seconds\": 1.5, \"ranks\": 4, \"error\": \"inner solve diverged\",\n"
      " \"params\": {\"outer.learning_rate\": 0.1, \"hypergradient.method\": \"aid_cg\"}}",
      "s.json");
  EXPECT_EQ(s.status, "FAILED");
  EXPECT_EQ(*s.best.step, 3);
  EXPECT_EQ(*s.best.val_loss, 0.5);
  EXPECT_FALSE(s.best.val_accuracy);
  EXPECT_FALSE(s.final.step);
  EXPECT_EQ(*s.ranks, 4);
  EXPECT_FALSE(s.outer_steps);
  EXPECT_EQ(s.error, "inner solve diverged");
  ASSERT_EQ(s.params.size(), 2u);
  EXPECT_EQ(s.params[0], (std::pair<std::string, std::string>{"outer.learning_rate", "0.1"}));
  EXPECT_EQ(s.params[1].second, "aid_cg");

  EXPECT_EQ(user_error_of([] { hp::parse_run_summary("{\n\"best\": 5\n}", "run/summary.json"); }),
            "'run/summary.json' line 2: best is not an object; is this the summary.json of a hyperpetsc run?");
  EXPECT_NE(
      user_error_of([] { hp::parse_run_summary("{\"ranks\": \"two\"}", "s.json"); }).find("ranks is not a number"),
      std::string::npos);
  EXPECT_NE(user_error_of([] { hp::parse_run_summary("{\"ranks\": 1.5}", "s.json"); }).find("not a whole number"),
            std::string::npos);
  EXPECT_NE(user_error_of([] { hp::parse_run_summary("[1, 2]", "s.json"); }).find("is not a JSON object"),
            std::string::npos);
  EXPECT_NE(user_error_of([] { hp::parse_run_summary("{\"status\": ", "s.json"); }).find("should be a JSON object"),
            std::string::npos);
}

TEST(ReportPieces, Base64DisplayTextGnuplotQuotePngSize) {
  EXPECT_EQ(hp::base64_encode(""), "");
  EXPECT_EQ(hp::base64_encode("f"), "Zg==");
  EXPECT_EQ(hp::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(hp::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(hp::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(hp::base64_encode(std::string("\xff\x00\xfe", 3)), "/wD+");

  EXPECT_EQ(hp::display_text("a\nb\x1b[0m\xff"), "a b\xEF\xBF\xBD[0m\xEF\xBF\xBD");
  EXPECT_EQ(hp::display_text("λλλ", 5), "λλ…");  // cut at a character boundary
  EXPECT_EQ(hp::gnuplot_quote("it's\nx"), "'it''s x'");

  std::string png("\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x03\x84\0\0\x02\x30\x08\x06\0\0\0\0\0\0\0", 33);
  const auto size = hp::png_size(png);
  ASSERT_TRUE(size);
  EXPECT_EQ(size->width, 900u);
  EXPECT_EQ(size->height, 560u);
  EXPECT_FALSE(hp::png_size(png.substr(0, 32)));
  png[1] = 'Q';
  EXPECT_FALSE(hp::png_size(png));
}

TEST_F(ReportTest, ClassificationRunOnImagesDrawsEveryPlotAndWritesBothDocuments) {
  write_run_folder(dir_ / "run", RunSpec{});
  const hp::ReportFiles r = hp::write_report((dir_ / "run").string());
  EXPECT_FALSE(r.sweep);
  const fs::path report = dir_ / "run" / "report";
  EXPECT_EQ(r.folder, report.string());
  const std::vector<std::string> plots{"loss_by_step.png",        "accuracy_by_step.png",   "loss_by_seconds.png",
                                       "accuracy_by_seconds.png", "hypergradient_norm.png", "lambda_by_step.png",
                                       "lambda_histogram.png",    "lambda_image.png"};
  ASSERT_EQ(r.files.size(), plots.size() + 2);
  expect_plots(report, plots, {"trials_val_loss.png", "swept_values.png"});
  const auto image = hp::png_size(read_bytes(report / "lambda_image.png"));
  EXPECT_EQ(image->width, 760u);
  EXPECT_EQ(image->height, 680u);

  const std::string md = read_bytes(report / "report.md");
  const std::string html = read_bytes(report / "report.html");
  for (const auto& name : plots) {
    EXPECT_NE(md.find("](" + name + ")"), std::string::npos) << name;
    // The HTML holds each PNG itself, so it needs nothing beside it.
    EXPECT_NE(html.find("src=\"data:image/png;base64," + hp::base64_encode(read_bytes(report / name)) + "\""),
              std::string::npos)
        << name;
  }
  EXPECT_EQ(html.find(".png\""), std::string::npos);  // no link to a file
  EXPECT_NE(md.find("| COMPLETED | 12 | 3.5 | 2 | iterations |"), std::string::npos) << md;
  EXPECT_NE(md.find("| validation accuracy | 0.8512 | 0.8512 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| test loss | 0.5 | 0.48 |"), std::string::npos) << md;
  EXPECT_NE(html.find("<td>COMPLETED</td><td>12</td><td>3.5</td><td>2</td><td>iterations</td>"), std::string::npos);
  EXPECT_NE(md.find("Final λ (lambda.txt): 784 values"), std::string::npos);
  // Every file was renamed into place: no temporary is left.
  for (const auto& entry : fs::directory_iterator(report))
    EXPECT_EQ(entry.path().filename().string().find(".tmp."), std::string::npos) << entry.path();
}

TEST_F(ReportTest, RegressionRunSkipsAccuracyPlotsAndTheImage) {
  RunSpec spec;
  spec.classification = false;
  spec.format = "synthetic";
  spec.lambda_count = 784;  // a perfect square, but not image data
  write_run_folder(dir_ / "ridge", spec);
  const auto r = hp::write_report((dir_ / "ridge").string());
  EXPECT_EQ(r.files.size(), 5u + 2);
  expect_plots(dir_ / "ridge" / "report",
               {"loss_by_step.png", "loss_by_seconds.png", "hypergradient_norm.png", "lambda_by_step.png",
                "lambda_histogram.png"},
               {"accuracy_by_step.png", "accuracy_by_seconds.png", "lambda_image.png"});
  const std::string md = read_bytes(dir_ / "ridge" / "report" / "report.md");
  EXPECT_NE(md.find("| validation accuracy | - | - |"), std::string::npos) << md;
}

// λ is row-major pixels: a bright first row must be drawn as a wide band at the top.
TEST_F(ReportTest, PerPixelLambdaImageHasItsFirstRowAtTheTop) {
  write_run_folder(dir_ / "img", RunSpec{});
  std::string lambda;
  for (int r = 0; r < 28; ++r)
    for (int c = 0; c < 28; ++c) lambda += (r == 0 ? "5\n" : "-5\n");
  write_text(dir_ / "img" / "lambda.txt", lambda);
  hp::write_report((dir_ / "img").string());
  const auto img = hp::test::decode_png(read_bytes(dir_ / "img" / "report" / "lambda_image.png"));
  // The palette's top colour (#fde725), in the image area (left of the colour box).
  int min_x = img.width, max_x = -1, min_y = img.height, max_y = -1;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width * 3 / 4; ++x) {
      const auto* p = img.at(x, y);
      if (std::abs(p[0] - 0xfd) < 12 && std::abs(p[1] - 0xe7) < 12 && std::abs(p[2] - 0x25) < 24) {
        min_x = std::min(min_x, x), max_x = std::max(max_x, x);
        min_y = std::min(min_y, y), max_y = std::max(max_y, y);
      }
    }
  ASSERT_GE(max_x, 0) << "no bright pixel in the image";
  const int band_width = max_x - min_x + 1, band_height = max_y - min_y + 1;
  EXPECT_GT(band_width, 10 * band_height) << "the bright first row is not drawn as a row";
  EXPECT_LT(max_y, img.height / 4) << "the first row is not at the top";
}

TEST_F(ReportTest, SweepFolderOneLinePerTrialSweptValuesAndATableRowPerTrial) {
  const fs::path sweep = dir_ / "sweep";
  const double rates[] = {0.05, 0.2, 0.8};
  const char* ids[] = {"10", "2", "1"};  // listed out of order; reported 1, 2, 10
  for (int i = 0; i < 3; ++i) {
    RunSpec spec;
    spec.rate = rates[i];
    spec.params_json = "{\"outer.learning_rate\": " + num(rates[i]) + ", \"hypergradient.method\": \"" +
                       (i == 1 ? "itd" : "aid_cg") + "\"}";
    write_run_folder(sweep / "trials" / ids[i], spec);
  }
  // A trial that failed before its first step: a summary alone, its error with markup, and
  // a swept key no other trial has (no point to draw for it: its panel is left out).
  write_text(sweep / "trials" / "3" / "summary.json",
             "{\"status\": \"FAILED\", \"ranks\": 1, \"error\": \"bad | value <script>\",\n"
             " \"params\": {\"outer.learning_rate\": 100, \"hypergradient.method\": \"aid_cg\", \"only_here\": 1}}\n");
  const auto r = hp::write_report(sweep.string());
  EXPECT_TRUE(r.sweep);
  EXPECT_EQ(r.trials, 4u);
  const fs::path report = sweep / "report";
  expect_plots(
      report,
      {"trials_val_loss.png", "trials_val_accuracy.png", "swept_values.png", "loss_by_step.png", "lambda_image.png"},
      {});
  const std::string md = read_bytes(report / "report.md");
  const std::string html = read_bytes(report / "report.html");
  EXPECT_NE(md.find("| trial | status | outer.learning\\_rate | hypergradient.method | only\\_here | best step |"),
            std::string::npos)
      << md;
  const auto row = [&](const std::string& id) { return md.find("\n| " + id + " | "); };
  ASSERT_NE(row("1"), std::string::npos);
  EXPECT_LT(row("1"), row("2"));
  EXPECT_LT(row("2"), row("3"));
  EXPECT_LT(row("3"), row("10"));
  EXPECT_NE(md.find("| 3 | FAILED | 100 | aid\\_cg | 1 | - |"), std::string::npos) << md;
  EXPECT_NE(md.find("bad \\| value \\<script\\>"), std::string::npos);
  EXPECT_NE(html.find("bad | value &lt;script&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<script>"), std::string::npos);
  // Trial 1 (rate 0.8) reaches the lowest validation loss.
  EXPECT_NE(md.find("Best trial: 1 (best validation loss"), std::string::npos) << md;
  EXPECT_NE(md.find("with outer.learning\\_rate = 0.8"), std::string::npos) << md;
  EXPECT_NE(md.find("## Best trial 1"), std::string::npos);
  EXPECT_NE(md.find("4 trials: 3 completed, 1 failed, 0 other."), std::string::npos);
}

TEST_F(ReportTest, SweptValuesFromTheTrialsConfigsWhenSummariesHaveNoParams) {
  for (int i = 0; i < 2; ++i) {
    RunSpec spec;
    spec.rate = i ? 0.5 : 0.1;
    write_run_folder(dir_ / "s" / "trials" / std::to_string(i), spec);
  }
  const auto sweep = hp::read_sweep_folder((dir_ / "s").string());
  // run.dir differs between trials by construction and is not a swept value.
  EXPECT_EQ(sweep.swept_keys, (std::vector<std::string>{"outer.learning_rate"}));
  EXPECT_EQ(sweep.swept_values[1][0], "0.5");
  EXPECT_EQ(sweep.best_trial(), 1);
}

// A run still going (no summary.json yet) is reported from metrics.csv; a run that failed
// before its first step has nothing to draw, so needs no gnuplot.
TEST_F(ReportTest, RunningAndFailedRuns) {
  write_text(dir_ / "running" / "metrics.csv", std::string(kHeader) +
                                                   "0,1,,0.9,,,,0.1,10,5,-4,-4,-4\n"
                                                   "1,2,,0.7,,,,0.1,10,5,-4,-4,-4\n"
                                                   "2,3,,0.8,,,,0.1,10,5,-4,-4,-4\n3,4,,0.");
  const auto r = hp::write_report((dir_ / "running").string());
  EXPECT_EQ(r.files.size(), 4u + 2);  // loss by step and seconds, ‖ĝ‖, λ's range
  const std::string md = read_bytes(dir_ / "running" / "report" / "report.md");
  EXPECT_NE(md.find("| no summary.json (running or stopped) | 2 | 3 | - | - |"), std::string::npos) << md;
  EXPECT_NE(md.find("| outer step | 1 | 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| validation loss | 0.7 | 0.8 |"), std::string::npos) << md;
  EXPECT_NE(md.find("No lambda.txt"), std::string::npos);

  write_text(dir_ / "failed" / "summary.json",
             "{\"status\": \"FAILED\", \"ranks\": 2, \"error\": \"inner solve diverged\"}\n");
  const auto f = hp::write_report((dir_ / "failed").string(), "hp-no-such-gnuplot");
  EXPECT_EQ(f.files, (std::vector<std::string>{"report.md", "report.html"}));
  const std::string failed_md = read_bytes(dir_ / "failed" / "report" / "report.md");
  EXPECT_NE(failed_md.find("| FAILED | - | - | 2 | - | inner solve diverged |"), std::string::npos) << failed_md;
  EXPECT_NE(failed_md.find("No plots"), std::string::npos);
}

TEST_F(ReportTest, ANewReportReplacesTheOldAndDropsPlotsThatNoLongerApply) {
  write_run_folder(dir_ / "run", RunSpec{});
  hp::write_report((dir_ / "run").string());
  ASSERT_TRUE(fs::exists(dir_ / "run" / "report" / "accuracy_by_step.png"));
  RunSpec spec;
  spec.classification = false;
  write_run_folder(dir_ / "run", spec);
  hp::write_report((dir_ / "run").string());
  EXPECT_FALSE(fs::exists(dir_ / "run" / "report" / "accuracy_by_step.png"));
  EXPECT_TRUE(fs::exists(dir_ / "run" / "report" / "loss_by_step.png"));
}

TEST_F(ReportTest, BadFoldersAreRefusedWithTheFileAndLine) {
  EXPECT_EQ(
      user_error_of([&] { hp::write_report((dir_ / "nowhere").string()); }),
      "run folder '" + (dir_ / "nowhere").string() + "' does not exist; give the run.dir of a hyperpetsc run or sweep");
  fs::create_directories(dir_ / "empty");
  EXPECT_NE(user_error_of([&] {
              hp::write_report((dir_ / "empty").string());
            }).find("has neither metrics.csv nor summary.json"),
            std::string::npos);
  write_text(dir_ / "file", "x");
  EXPECT_NE(user_error_of([&] { hp::write_report((dir_ / "file").string()); }).find("is not a folder"),
            std::string::npos);

  write_run_folder(dir_ / "s" / "trials" / "1", RunSpec{});
  write_run_folder(dir_ / "s" / "trials" / "2", RunSpec{});
  std::ofstream(dir_ / "s" / "trials" / "2" / "metrics.csv", std::ios::app) << "13,1,2\n";
  EXPECT_EQ(user_error_of([&] { hp::write_report((dir_ / "s").string()); }),
            "'" + (dir_ / "s" / "trials" / "2" / "metrics.csv").string() +
                "' line 15: 3 cells, but the header has 13 columns ('13,1,2')");
  EXPECT_FALSE(fs::exists(dir_ / "s" / "report"));

  write_run_folder(dir_ / "fifo", RunSpec{});
  fs::remove(dir_ / "fifo" / "lambda.txt");
  ASSERT_EQ(mkfifo((dir_ / "fifo" / "lambda.txt").c_str(), 0600), 0);
  EXPECT_NE(user_error_of([&] { hp::write_report((dir_ / "fifo").string()); }).find("is a FIFO"), std::string::npos);

  write_run_folder(dir_ / "blocked", RunSpec{});
  write_text(dir_ / "blocked" / "report", "a file where the report folder goes");
  EXPECT_NE(
      user_error_of([&] { hp::write_report((dir_ / "blocked").string()); }).find("cannot create the report folder"),
      std::string::npos);
}

TEST_F(ReportTest, MissingOrFailingGnuplotLeavesTheReportAsItWas) {
  write_run_folder(dir_ / "run", RunSpec{});
  const std::string missing = user_error_of([&] { hp::write_report((dir_ / "run").string(), "hp-no-such-gnuplot"); });
  EXPECT_NE(missing.find("no 'hp-no-such-gnuplot' program on PATH"), std::string::npos) << missing;
  EXPECT_NE(missing.find("install Debian's gnuplot-nox"), std::string::npos) << missing;
  EXPECT_FALSE(fs::exists(dir_ / "run" / "report"));

  hp::write_report((dir_ / "run").string());
  const std::string before = read_bytes(dir_ / "run" / "report" / "report.md");
  const std::string plot_before = read_bytes(dir_ / "run" / "report" / "loss_by_step.png");
  // A gnuplot that fails half-way (after drawing one file) changes nothing.
  write_text(dir_ / "bin" / "gnuplot",
             "#!/bin/sh\necho x > loss_by_step.png\necho 'line 7: all points undefined' >&2\nexit 1\n");
  fs::permissions(dir_ / "bin" / "gnuplot", fs::perms::owner_all);
  const std::string failed =
      user_error_of([&] { hp::write_report((dir_ / "run").string(), (dir_ / "bin" / "gnuplot").string()); });
  EXPECT_NE(failed.find("gnuplot failed with exit status 1"), std::string::npos) << failed;
  EXPECT_NE(failed.find("line 7: all points undefined"), std::string::npos) << failed;
  EXPECT_EQ(read_bytes(dir_ / "run" / "report" / "report.md"), before);
  EXPECT_EQ(read_bytes(dir_ / "run" / "report" / "loss_by_step.png"), plot_before);
  // One that exits 0 without drawing is caught too.
  write_text(dir_ / "bin" / "gnuplot", "#!/bin/sh\nexit 0\n");
  EXPECT_NE(user_error_of([&] {
              hp::write_report((dir_ / "run").string(), (dir_ / "bin" / "gnuplot").string());
            }).find("without drawing"),
            std::string::npos);
  EXPECT_EQ(read_bytes(dir_ / "run" / "report" / "report.md"), before);
}

}  // namespace
