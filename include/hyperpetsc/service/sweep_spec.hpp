// A sweep: the `sweep:` section of a configuration, expanded into trials. Exactly one of
//
//   sweep:
//     grid: {KEY: [values], ...}            # cartesian product, the first key varies slowest
//     list: [{KEY: value, ...}, ...]        # one trial per item
//     random: {samples: N, seed: S, space: {KEY: {uniform: [a, b]} | {log_uniform: [a, b]}
//                                                | {choice: [values]}, ...}}
//
// KEY is any dotted configuration key (`hyperparameters.init`, `problem.train.subset`, a
// whole section such as `problem.train`) except run.*, store and sweep.* (a trial's folder
// and store are the sweep's). Random values are a pure function of (seed, trial index,
// key index), so trial i is the same whatever the number of samples.
#pragma once
#include <string>
#include <vector>

#include "hyperpetsc/config/config_node.hpp"

namespace hp {

struct Settings;

// One swept key and its value in a trial (the value node keeps its place in the sweep,
// so a trial's bad value is reported at its line).
struct SweptValue {
  std::string key;  // dotted
  ConfigNode value;
};

struct TrialSpec {
  int index = 0;                       // 0-based, in expansion order; the trial's folder name
  std::vector<std::string> overrides;  // "key=value" in the --set syntax, value as one-line YAML
  std::string params_json;             // {"key": value, ...}, the store's params
  std::string label;                   // "key=value, ..." with short key names, for tables
  std::vector<SweptValue> values;      // the same as trees, in the sweep's key order
};

// A sweep holds at most this many trials (a larger grid is almost surely a mistake).
constexpr int kMaxSweepTrials = 10000;

// Checks the section's shape (one kind, non-empty lists, ranges, sweepable keys, at most
// kMaxSweepTrials trials) without loading anything; throws hp::UserError naming the
// file, key and line. Returns the section unchanged (what Settings keeps).
ConfigNode checked_sweep_section(const ConfigNode& sweep);

// The trials of a sweep section, in order (checks as checked_sweep_section).
std::vector<TrialSpec> expand_sweep(const ConfigNode& sweep);

// The trials of base's sweep (none if it has no sweep section), each checked against the
// configuration: a swept key that does not exist is an hp::UserError naming the sweep's
// line. A bad *value* is not: that trial alone fails when it runs (trial_settings throws).
// Every rank calls this with the same settings and gets the same result.
std::vector<TrialSpec> sweep_trials(const Settings& base);

// A trial's configuration: base's configuration without its sweep, with the trial's
// values, and run.dir = <base's run folder>/trials/<index>. Throws hp::UserError for a bad
// value (naming the sweep's line).
Settings trial_settings(const Settings& base, const TrialSpec& trial);

// The folder of trial `index` of a sweep whose run folder is `sweep_dir`.
std::string trial_folder(const std::string& sweep_dir, int index);

// For settings_help(): the section's one-line help and its keys.
std::string sweep_section_help();
std::string sweep_keys_help(int indent);

}  // namespace hp
