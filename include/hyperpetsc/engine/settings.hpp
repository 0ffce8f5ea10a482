// An experiment's whole configuration: every section, typed and validated. Each section
// is declared once, by the layer that owns it (problems/, inner/, methods/, data/);
// this file only lists the sections.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "hyperpetsc/config/config_node.hpp"
#include "hyperpetsc/inner/inner_settings.hpp"
#include "hyperpetsc/methods/hypergradient_settings.hpp"
#include "hyperpetsc/outer/outer_settings.hpp"
#include "hyperpetsc/problems/problem_settings.hpp"
#include "hyperpetsc/service/run_settings.hpp"

namespace hp {

struct Settings {
  std::string config_path;  // as given on the command line
  std::string config_dir;   // absolute folder relative paths resolve against
  ProblemSettings problem;
  HyperparameterSettings hyperparameters;
  InnerSettings inner;
  HypergradientSettings hypergradient;
  OuterSettings outer;  // hyperpetsc run
  RunSettings run;      // hyperpetsc run
  std::string store;    // the run store (SQLite); relative: to the working folder
  std::string petsc_options;
  std::optional<ConfigNode> sweep;  // the `sweep:` section as written (service/sweep_spec.hpp)
  ConfigNode source;                // the tree as read, --set applied: a sweep's trials start from it
  std::string resolved_yaml;        // the complete configuration after defaults and --set
};

// Parse and validate CONFIG.yaml with `--set section.key=value` overrides applied first.
// Every rank calls this on the same file; all failures are hp::UserError naming the file
// (or the --set item), the key and its line, and what to do.
Settings load_settings(const std::string& path, const std::vector<std::string>& overrides);
// The same from YAML text (`name` stands for the file in messages; paths resolve against
// `dir`).
Settings settings_from_text(const std::string& text, const std::string& name, const std::string& dir,
                            const std::vector<std::string>& overrides);

// The same from a parsed tree (a sweep's trial: the base's source without its sweep).
Settings settings_from_tree(ConfigNode root, const std::string& name, const std::string& dir,
                            const std::vector<std::string>& overrides);

// Every section's keys with defaults, ranges and help, and the registries' names.
std::string settings_help();

}  // namespace hp
