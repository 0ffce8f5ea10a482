// Every key of every section, walked from the key tables themselves: the documented
// defaults, and every value a table says it must reject is rejected with a message naming
// the key (from a file: with its line; from --set: saying so).
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "hyperpetsc/data/dataset_settings.hpp"
#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "config_testing.hpp"
#include "test_support.hpp"
#include "hyperpetsc/problems/labelled_splits.hpp"

namespace {

const char* const kBase = hp::test::kMinimalConfig;

hp::Settings from_text(const std::string& text, const std::vector<std::string>& sets = {}) {
  return hp::settings_from_text(text, "test.yaml", ".", sets);
}


// The contract: README and docs promise these defaults. A changed default must be a
// deliberate change of this list.
const std::map<std::string, std::string> kDocumentedDefaults = {
    {"problem.type", "logistic_l2"},
    {"problem.layout", "auto"},
    {"problem.feature_distribution", "balanced"},
    {"hyperparameters.init", "0"},
    {"hyperparameters.shared", "false"},
    {"inner.solver", "gradient_descent"},
    {"inner.step_size", "auto"},
    {"inner.iterations", "100"},
    {"inner.momentum", "0.9"},
    {"hypergradient.method", "aid_cg"},
    {"hypergradient.iterations", "100"},
    {"hypergradient.tol", "0"},
    {"hypergradient.warm_start", "true"},
    {"hypergradient.checkpoints", "0"},
    {"inner.warm_start", "true"},
    {"hyperparameters.bounds", "[-700, 700]"},
    {"outer.optimizer", "adam"},
    {"outer.learning_rate", "0.05"},
    {"outer.momentum", "0.9"},
    {"outer.beta1", "0.9"},
    {"outer.beta2", "0.999"},
    {"outer.epsilon", "1e-08"},
    {"outer.iterations", "100"},
    {"outer.max_seconds", "0"},
    {"outer.patience", "0"},
    {"outer.tol", "0"},
    {"run.dir", ""},
    {"run.checkpoint_every", "5"},
    {"run.refit", "false"},
    {"inner.tol", "0"},
    {"inner.schedule", "constant"},
    {"inner.decay", "0.9"},
    {"inner.floor", "0"},
    {"hypergradient.schedule", "constant"},
    {"hypergradient.decay", "0.9"},
    {"hypergradient.floor", "0"},
};

// Every (section, entry) of the tables with a plain default, visited generically.
struct KeyInfo {
  std::string key;
  std::string default_text;
  std::vector<std::string> invalid;
};

template <class S>
void collect(const hp::KeyTable<S>& t, const std::string& prefix, std::vector<KeyInfo>& out) {
  for (const auto& e : t.entries()) out.push_back({prefix + "." + e.name, e.default_text, e.invalid_examples});
}

std::vector<KeyInfo> top_level_keys() {
  std::vector<KeyInfo> keys;
  collect(hp::problem_common_table(), "problem", keys);
  collect(hp::hyperparameters_table(), "hyperparameters", keys);
  collect(hp::inner_table(), "inner", keys);
  collect(hp::hypergradient_table(), "hypergradient", keys);
  collect(hp::outer_table(), "outer", keys);
  collect(hp::run_table(), "run", keys);
  return keys;
}

// A value as the resolved configuration writes it: "section.key: value".
std::string resolved_value(const std::string& resolved, const std::string& key) {
  const std::string section = key.substr(0, key.find('.'));
  const std::string name = key.substr(key.find('.') + 1);
  const size_t s = resolved.find(section + ":");
  if (s == std::string::npos) return "(no section)";
  const size_t k = resolved.find("  " + name + ": ", s);
  if (k == std::string::npos) return "(no key)";
  const size_t v = k + name.size() + 4;
  return resolved.substr(v, resolved.find('\n', v) - v);
}

TEST(KeyTables, EveryDefaultIsTheDocumentedOneAndReachesTheResolvedConfig) {
  const hp::Settings s = from_text(std::string(kBase) + "inner: {solver: heavy_ball}\n");
  // Keys that apply only to another choice are checked in a config that makes them apply.
  const hp::Settings sgd = from_text(std::string(kBase) + "outer: {optimizer: sgd}\n");
  // Tolerance schedules: `decay` and `floor` apply with a geometric schedule.
  const hp::Settings geometric = from_text(std::string(kBase) +
                                           "inner: {tol: 0.1, schedule: geometric}\n"
                                           "hypergradient: {tol: 0.1, schedule: geometric}\n");
  auto config_for = [&](const std::string& key) -> const hp::Settings& {
    if (key == "outer.momentum") return sgd;
    if ((key.size() > 6 && key.compare(key.size() - 6, 6, ".decay") == 0) ||
        (key.size() > 6 && key.compare(key.size() - 6, 6, ".floor") == 0))
      return geometric;
    return s;
  };
  for (const auto& k : top_level_keys()) {
    auto doc = kDocumentedDefaults.find(k.key);
    ASSERT_NE(doc, kDocumentedDefaults.end()) << k.key << " is not in the documented list: add it deliberately";
    if (k.key == "inner.solver" || k.key == "problem.type") continue;  // set above
    EXPECT_EQ(k.default_text, doc->second) << k.key;
    const hp::Settings& where = config_for(k.key);
    const std::string written = doc->second.empty() ? "\"\"" : doc->second;  // an empty text is written quoted
    EXPECT_EQ(resolved_value(where.resolved_yaml, k.key), written) << k.key << "\n" << where.resolved_yaml;
  }
  // The typed values behind the texts.
  const hp::Settings d = from_text(kBase);
  EXPECT_EQ(d.hypergradient.tol.tol, 0.0);
  EXPECT_EQ(d.hypergradient.iterations, 100);
  EXPECT_EQ(d.hypergradient.method, "aid_cg");
  EXPECT_EQ(d.inner.iterations, 100);
  EXPECT_TRUE(d.inner.step_auto);
  EXPECT_EQ(d.inner.solver, "gradient_descent");
  EXPECT_EQ(d.hyperparameters.init, 0.0);
  EXPECT_FALSE(d.hyperparameters.shared);
  EXPECT_EQ(d.problem.layout, "auto");
  EXPECT_EQ(d.problem.feature_distribution, "balanced");
}

TEST(KeyTables, HelpListsEveryKeyWithItsDefault) {
  const std::string help = hp::settings_help();
  for (const auto& k : top_level_keys()) {
    const std::string name = k.key.substr(k.key.find('.') + 1);
    EXPECT_NE(help.find(name + ": " + k.default_text), std::string::npos) << k.key;
  }
  for (const auto& e : hp::synthetic_table().entries())
    EXPECT_NE(help.find(e.name + ": " + e.default_text), std::string::npos) << e.name;
}

TEST(KeyTables, EveryInvalidValueIsRejectedNamingTheKey) {
  int checked = 0;
  for (const auto& k : top_level_keys()) {
    ASSERT_FALSE(k.invalid.empty()) << k.key << " declares no invalid values";
    for (const auto& bad : k.invalid) {
      std::string base = kBase;
      if (k.key == "inner.momentum") base += "inner: {solver: heavy_ball}\n";
      if (k.key == "outer.momentum") base += "outer: {optimizer: sgd}\n";
      // From --set: the message names the key and says where the value came from.
      std::string msg = hp::test::user_error_of([&] { from_text(base, {k.key + "=" + bad}); });
      EXPECT_NE(msg.find(k.key), std::string::npos) << k.key << "=" << bad << ": " << msg;
      EXPECT_NE(msg.find("--set"), std::string::npos) << k.key << "=" << bad << ": " << msg;
      // From the file: the line of the value.
      const std::string section = k.key.substr(0, k.key.find('.'));
      const std::string name = k.key.substr(k.key.find('.') + 1);
      std::string text = base;
      if (section == "problem") {
        text.replace(text.find("  type: ridge_l2\n"), 17, "  type: ridge_l2\n  " + name + ": " + bad + "\n");
        if (name == "type") text = "problem:\n  type: " + bad + "\n  train: {format: synthetic}\n  val: {format: synthetic}\n";
      } else if (section == "inner" && k.key == "inner.momentum") {
        text = std::string(kBase) + "inner:\n  solver: heavy_ball\n  momentum: " + bad + "\n";
      } else if (k.key == "outer.momentum") {
        text = std::string(kBase) + "outer:\n  optimizer: sgd\n  momentum: " + bad + "\n";
      } else {
        text += section + ":\n  " + name + ": " + bad + "\n";
      }
      msg = hp::test::user_error_of([&] { from_text(text); });
      EXPECT_NE(msg.find(k.key), std::string::npos) << text << msg;
      EXPECT_NE(msg.find("(line "), std::string::npos) << text << msg;
      ++checked;
    }
  }
  for (const auto& e : hp::synthetic_table().entries())
    for (const auto& bad : e.invalid_examples) {
      const std::string key = "problem.train." + e.name;
      const std::string msg = hp::test::user_error_of([&] { from_text(kBase, {key + "=" + bad}); });
      EXPECT_NE(msg.find(key), std::string::npos) << key << "=" << bad << ": " << msg;
      ++checked;
    }
  EXPECT_GT(checked, 40);
}

TEST(KeyTables, KeysOfOneFormatOrSolverAreRefusedWithAnother) {
  EXPECT_NE(hp::test::user_error_of([] { from_text(std::string(kBase) + "inner: {momentum: 0.5}\n"); }).find("only used with inner.solver: heavy_ball"),
            std::string::npos);
  EXPECT_NE(hp::test::user_error_of([] { from_text(kBase, {"problem.train.header=true"}); }).find("only used with format: csv"),
            std::string::npos);
  EXPECT_NE(hp::test::user_error_of([] { from_text(kBase, {"problem.train.path=x.svm"}); }).find("only used with format: libsvm | csv"),
            std::string::npos);
  const std::string text = "problem:\n  type: ridge_l2\n  train: {path: a.svm, rows: 5}\n  val: {path: a.svm}\n";
  EXPECT_NE(hp::test::user_error_of([&] { from_text(text); }).find("problem.train.rows"), std::string::npos);
}

TEST(KeyTables, ResolvedConfigurationReadsBackToTheSameSettings) {
  const hp::Settings a = from_text(std::string(kBase) +
                                   "inner: {solver: heavy_ball, momentum: 0.5, step_size: 0.25}\n"
                                   "hypergradient: {method: aid_bcgs, tol: 1e-6}\n",
                                   {"problem.train.rows=7", "problem.layout=features"});
  const hp::Settings b = from_text(a.resolved_yaml);
  EXPECT_EQ(a.resolved_yaml, b.resolved_yaml);
  EXPECT_EQ(b.inner.momentum, 0.5);
  EXPECT_EQ(b.inner.step_size, 0.25);
  EXPECT_FALSE(b.inner.step_auto);
  EXPECT_EQ(b.hypergradient.method, "aid_bcgs");
  EXPECT_EQ(b.problem.layout, "features");
  EXPECT_EQ(std::any_cast<const hp::LabelledDataOptions&>(b.problem.options).train.synthetic.rows, 7);
}

}  // namespace
