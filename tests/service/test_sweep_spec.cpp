// The sweep section: expansion order of grid, list and random; reproducible random draws;
// every bad spec with its message and line; unknown keys refused but bad values left to
// their trial; the section kept in the resolved configuration.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "config/config_testing.hpp"
#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/sweep_spec.hpp"
#include "test_support.hpp"

namespace {

using hp::TrialSpec;
using hp::test::user_error_of;

const std::string kFile = "sweep.yaml";

hp::Settings load(const std::string& extra) {
  return hp::settings_from_text(std::string(hp::test::kMinimalConfig) + extra, kFile, "/tmp", {});
}

std::vector<TrialSpec> trials_of(const std::string& extra) { return hp::sweep_trials(load(extra)); }

std::string error_of(const std::string& extra) {
  return user_error_of([&] { trials_of(extra); });
}

// The config lines before a sweep appended to kMinimalConfig.
int base_lines() {
  int n = 0;
  for (const char* p = hp::test::kMinimalConfig; *p; ++p) n += *p == '\n';
  return n;
}

std::string line(int offset) { return "(line " + std::to_string(base_lines() + offset) + ")"; }

TEST(SweepSpec, GridIsACartesianProductWithTheFirstKeySlowest) {
  const hp::Settings base = load(
      "sweep:\n"
      "  grid:\n"
      "    hyperparameters.init: [-1, -2.5]\n"
      "    inner.iterations: [10, 20, 30]\n");
  const auto trials = hp::sweep_trials(base);
  ASSERT_EQ(trials.size(), 6u);
  const char* inits[] = {"-1", "-1", "-1", "-2.5", "-2.5", "-2.5"};
  const char* iterations[] = {"10", "20", "30", "10", "20", "30"};
  for (int i = 0; i < 6; ++i) {
    const TrialSpec& t = trials[static_cast<std::size_t>(i)];
    EXPECT_EQ(t.index, i);
    ASSERT_EQ(t.overrides.size(), 2u);
    EXPECT_EQ(t.overrides[0], std::string("hyperparameters.init=") + inits[i]);
    EXPECT_EQ(t.overrides[1], std::string("inner.iterations=") + iterations[i]);
    EXPECT_EQ(t.label, std::string("init=") + inits[i] + ", iterations=" + iterations[i]);
    EXPECT_EQ(t.params_json,
              std::string("{\"hyperparameters.init\": ") + inits[i] + ", \"inner.iterations\": " + iterations[i] + "}");
    const hp::Settings s = hp::trial_settings(base, t);
    EXPECT_EQ(s.hyperparameters.init, std::stod(inits[i]));
    EXPECT_EQ(s.inner.iterations, std::stoi(iterations[i]));
    EXPECT_FALSE(s.sweep.has_value());
    EXPECT_EQ(s.run.dir, "runs/sweep/trials/" + std::to_string(i));
    EXPECT_EQ(s.resolved_yaml.find("sweep:"), std::string::npos);
  }
}

TEST(SweepSpec, ListGivesOneTrialPerItemWithItsOwnKeys) {
  const hp::Settings base = load(
      "run: {dir: out/s}\n"
      "sweep:\n"
      "  list:\n"
      "    - {hypergradient.method: aid_cg}\n"
      "    - {hypergradient.method: itd, inner.iterations: 7}\n"
      "    - {}\n");
  const auto trials = hp::sweep_trials(base);
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].overrides, std::vector<std::string>{"hypergradient.method=aid_cg"});
  EXPECT_EQ(trials[1].overrides, (std::vector<std::string>{"hypergradient.method=itd", "inner.iterations=7"}));
  EXPECT_EQ(trials[1].label, "method=itd, iterations=7");
  EXPECT_TRUE(trials[2].overrides.empty());
  EXPECT_EQ(trials[2].params_json, "{}");
  const hp::Settings s1 = hp::trial_settings(base, trials[1]);
  EXPECT_EQ(s1.hypergradient.method, "itd");
  EXPECT_EQ(s1.inner.iterations, 7);
  EXPECT_EQ(s1.run.dir, "out/s/trials/1");
  const hp::Settings s2 = hp::trial_settings(base, trials[2]);
  EXPECT_EQ(s2.hypergradient.method, base.hypergradient.method);
  EXPECT_EQ(s2.inner.iterations, base.inner.iterations);
}

const char* const kRandom =
    "sweep:\n"
    "  random:\n"
    "    samples: %d\n"
    "    seed: %d\n"
    "    space:\n"
    "      hyperparameters.init: {uniform: [-3, -1]}\n"
    "      outer.learning_rate: {log_uniform: [0.001, 0.1]}\n"
    "      hypergradient.method: {choice: [aid_cg, itd, aid_fp]}\n";

std::string random_spec(int samples, int seed) {
  char buf[1024];
  std::snprintf(buf, sizeof buf, kRandom, samples, seed);
  return buf;
}

TEST(SweepSpec, RandomDrawsAreReproducibleAndIndependentOfTheSampleCount) {
  const auto a = trials_of(random_spec(5, 7));
  const auto b = trials_of(random_spec(5, 7));
  const auto longer = trials_of(random_spec(40, 7));
  const auto other_seed = trials_of(random_spec(5, 8));
  ASSERT_EQ(a.size(), 5u);
  ASSERT_EQ(longer.size(), 40u);
  int same_as_other_seed = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].overrides, b[i].overrides);
    EXPECT_EQ(a[i].overrides, longer[i].overrides);
    same_as_other_seed += a[i].overrides == other_seed[i].overrides;
  }
  EXPECT_EQ(same_as_other_seed, 0);
  std::set<std::string> distinct;
  for (const auto& t : a) distinct.insert(t.overrides[0]);
  EXPECT_EQ(distinct.size(), a.size());
}

TEST(SweepSpec, RandomDrawsStayInTheirRangesAndCoverThem) {
  const hp::Settings base = load(random_spec(400, 3));
  const auto trials = hp::sweep_trials(base);
  double init_sum = 0, log_lr_sum = 0;
  std::map<std::string, int> methods;
  for (const auto& t : trials) {
    const hp::Settings s = hp::trial_settings(base, t);
    EXPECT_GT(s.hyperparameters.init, -3);
    EXPECT_LT(s.hyperparameters.init, -1);
    EXPECT_GE(s.outer.learning_rate, 0.001);
    EXPECT_LE(s.outer.learning_rate, 0.1);
    init_sum += s.hyperparameters.init;
    log_lr_sum += std::log10(s.outer.learning_rate);
    ++methods[s.hypergradient.method];
  }
  // Means of 400 uniform draws: within ~4 standard errors (0.58/20 and 0.58/20).
  EXPECT_NEAR(init_sum / 400, -2.0, 0.12);
  EXPECT_NEAR(log_lr_sum / 400, -2.0, 0.12);
  ASSERT_EQ(methods.size(), 3u);
  for (const auto& [name, count] : methods) EXPECT_GT(count, 90) << name;
}

TEST(SweepSpec, BadSpecsNameTheFileLineAndFix) {
  struct Case {
    const char* sweep;
    const char* expected;
    int line;  // after the minimal config; 0: no line check
  };
  const Case cases[] = {
      {"sweep:\n  grids: {inner.iterations: [1]}\n", "sweep.grids", 2},
      {"sweep:\n  grids: {inner.iterations: [1]}\n", "unknown sweep kind; use one of grid, list, random", 0},
      {"sweep:\n  grid: {inner.iterations: [1]}\n  list: [{inner.iterations: 2}]\n", "gives both grid and list", 0},
      {"sweep: {}\n", "empty; give one of grid, list, random", 0},
      {"sweep: [1, 2]\n", "expected a mapping", 0},
      {"sweep:\n  grid:\n    inner.iterations: []\n", "sweep.grid[inner.iterations]", 3},
      {"sweep:\n  grid:\n    inner.iterations: []\n", "the list is empty", 0},
      {"sweep:\n  grid:\n    inner.iterations: 5\n", "expected a list, each item a value", 0},
      {"sweep:\n  grid: {}\n", "no keys", 0},
      {"sweep:\n  list: []\n", "the list is empty", 0},
      {"sweep:\n  list: [5]\n", "sweep.list[0]", 0},
      {"sweep:\n  random: {samples: 0, space: {hyperparameters.init: {uniform: [0, 1]}}}\n",
       "sweep.random.samples", 2},
      {"sweep:\n  random: {samples: 0, space: {hyperparameters.init: {uniform: [0, 1]}}}\n", "must be in [1, 10000]", 0},
      {"sweep:\n  random: {space: {hyperparameters.init: {uniform: [0, 1]}}}\n", "sweep.random.samples", 2},
      {"sweep:\n  random: {space: {hyperparameters.init: {uniform: [0, 1]}}}\n", "missing; give the number of trials", 0},
      {"sweep:\n  random:\n    samples: 3\n    space:\n      hyperparameters.init: {uniform: [2, 1]}\n",
       "inverted range [2, 1]; give a <= b", 5},
      {"sweep:\n  random:\n    samples: 3\n    space:\n      outer.learning_rate: {log_uniform: [0, 1]}\n",
       "a log-uniform range needs 0 < a <= b", 5},
      {"sweep:\n  random:\n    samples: 3\n    space:\n      outer.learning_rate: {normal: [0, 1]}\n",
       "unknown distribution", 0},
      {"sweep:\n  random:\n    samples: 3\n    space:\n      hypergradient.method: {choice: []}\n",
       "the list is empty", 0},
      {"sweep:\n  grid:\n    run.dir: [a, b]\n", "sweep.grid[run.dir]", 3},
      {"sweep:\n  grid:\n    run.dir: [a, b]\n", "cannot be swept", 0},
      {"sweep:\n  grid:\n    store: [a.db, b.db]\n", "cannot be swept", 0},
      {"sweep:\n  list: [{sweep.grid: 1}]\n", "cannot be swept", 0},
      {"sweep:\n  grid:\n    inner: [{iterations: 1}]\n    inner.iterations: [2]\n", "lies inside inner", 0},
      {"sweep:\n  grid:\n    inner..iterations: [2]\n", "an empty segment", 0},
      {"sweep:\n  grid:\n    a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    b: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
       "    c: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    d: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n    e: [1, 2]\n",
       "gives more than 10000 trials", 0},
      // Unknown keys: found by loading each trial, reported at the sweep's line.
      {"sweep:\n  grid:\n    inner.bogus: [1, 2]\n", "inner.bogus", 3},
      {"sweep:\n  grid:\n    inner.bogus: [1, 2]\n", "unknown key", 0},
      {"sweep:\n  list:\n    - {inner.iterations: 3}\n    - {outer.learning_rat: 0.1}\n", "outer.learning_rat", 4},
      {"sweep:\n  grid:\n    bogus.key: [1]\n", "unknown key", 3},
      // A known key whose value is a section with an unknown key.
      {"sweep:\n  grid:\n    problem.train: [{format: synthetic, rowz: 5}]\n", "problem.train.rowz (line", 3},
      {"sweep:\n  grid:\n    hyperparameters.init.x: [1]\n", "'init' is not a section", 3},
      // A bad value in an earlier section must not hide an unknown key in a later one.
      {"sweep:\n  list:\n    - {inner.iterations: -1, outer.bogus: 1}\n", "outer.bogus", 3},
  };
  for (const auto& c : cases) {
    const std::string msg = error_of(c.sweep);
    EXPECT_NE(msg.find(c.expected), std::string::npos) << c.sweep << "\n  gave: " << msg;
    EXPECT_EQ(msg.find(kFile), 0u) << msg;
    if (c.line) {
      EXPECT_NE(msg.find(line(c.line)), std::string::npos) << c.sweep << "\n  gave: " << msg;
    }
  }
}

TEST(SweepSpec, ShapeErrorsFailTheConfigurationItself) {
  // Not only sweep_trials: loading the configuration refuses a malformed sweep.
  const std::string msg = user_error_of([] { load("sweep:\n  grid:\n    inner.iterations: []\n"); });
  EXPECT_NE(msg.find("the list is empty"), std::string::npos) << msg;
}

TEST(SweepSpec, ABadValueIsLeftToItsTrial) {
  const hp::Settings base = load(
      "sweep:\n"
      "  grid:\n"
      "    inner.iterations: [10, -5]\n"
      "    hypergradient.method: [aid_cg, no_such_method]\n");
  const auto trials = hp::sweep_trials(base);
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_NO_THROW(hp::trial_settings(base, trials[0]));
  const std::string bad_method = user_error_of([&] { hp::trial_settings(base, trials[1]); });
  EXPECT_NE(bad_method.find("no_such_method"), std::string::npos) << bad_method;
  const std::string bad_iterations = user_error_of([&] { hp::trial_settings(base, trials[2]); });
  EXPECT_NE(bad_iterations.find("inner.iterations " + line(3) + ": must be >= 0"), std::string::npos)
      << bad_iterations;
}

TEST(SweepSpec, AKeyThatAppliesOnlyWithAnotherSweptValueIsAccepted) {
  const hp::Settings base = load(
      "sweep:\n"
      "  list:\n"
      "    - {inner.solver: heavy_ball, inner.momentum: 0.5}\n"
      "    - {inner.momentum: 0.5}\n");  // momentum without heavy_ball: that trial fails
  const auto trials = hp::sweep_trials(base);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(hp::trial_settings(base, trials[0]).inner.momentum, 0.5);
  EXPECT_NE(user_error_of([&] { hp::trial_settings(base, trials[1]); }).find("inner.momentum"), std::string::npos);
}

TEST(SweepSpec, SectionsAndTextValuesRoundTripThroughTheOverrides) {
  const hp::Settings base = load(
      "sweep:\n"
      "  list:\n"
      "    - {problem.train: {format: synthetic, rows: 50}, problem.val.rows: 60, petsc_options: \"-a 'b c'\"}\n"
      "    - {problem.train.rows: 70, problem.val.rows: '80'}\n");
  const auto trials = hp::sweep_trials(base);
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].label, "train={format: synthetic, rows: 50}, val.rows=60, petsc_options=\"-a 'b c'\"");
  EXPECT_EQ(trials[1].label, "train.rows=70, val.rows=\"80\"");
  EXPECT_EQ(trials[0].params_json,
            "{\"problem.train\": {\"format\": \"synthetic\", \"rows\": 50}, \"problem.val.rows\": 60, "
            "\"petsc_options\": \"-a 'b c'\"}");
  // Each "key=value" applied like --set gives the trial's own tree.
  for (const auto& t : trials)
    for (std::size_t i = 0; i < t.values.size(); ++i) {
      hp::ConfigNode via_set, direct;
      hp::apply_set_override(via_set, t.overrides[i]);
      direct.at("x") = t.values[i].value;
      hp::ConfigNode* leaf = &via_set;
      for (std::size_t at = 0, dot; (dot = t.values[i].key.find('.', at)) != std::string::npos; at = dot + 1)
        leaf = leaf->find(t.values[i].key.substr(at, dot - at));
      const std::string last = t.values[i].key.substr(t.values[i].key.rfind('.') + 1);
      EXPECT_EQ(hp::emit_yaml_flow(*leaf->find(last)), hp::emit_yaml_flow(*direct.find("x"))) << t.overrides[i];
    }
  EXPECT_EQ(hp::trial_settings(base, trials[0]).petsc_options, "-a 'b c'");
}

TEST(SweepSpec, TheResolvedConfigurationKeepsTheSweepAndOnlyThen) {
  const hp::Settings plain = load("");
  EXPECT_FALSE(plain.sweep.has_value());
  EXPECT_EQ(plain.resolved_yaml.find("sweep:"), std::string::npos) << plain.resolved_yaml;
  const hp::Settings swept = load("sweep:\n  grid: {hyperparameters.init: [-1, -2], inner.iterations: [3]}\n");
  ASSERT_TRUE(swept.sweep.has_value());
  EXPECT_NE(swept.resolved_yaml.find("sweep:"), std::string::npos) << swept.resolved_yaml;
  // The resolved text describes the same trials.
  const hp::Settings again = hp::settings_from_text(swept.resolved_yaml, "resolved.yaml", "/tmp", {});
  const auto a = hp::sweep_trials(swept), b = hp::sweep_trials(again);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].overrides, b[i].overrides);
  EXPECT_NE(hp::settings_help().find("  sweep:"), std::string::npos);
  // --set reaches the sweep too, and `sweep=~` removes it.
  const hp::Settings unswept =
      hp::settings_from_text(std::string(hp::test::kMinimalConfig) + "sweep:\n  grid: {inner.iterations: [1, 2]}\n",
                             kFile, "/tmp", {"sweep=~"});
  EXPECT_FALSE(unswept.sweep.has_value());
}

}  // namespace
