// The `problem` and `hyperparameters` sections. The problem section's common keys (type,
// layout, feature_distribution) are declared in src/problems/problem_settings.cpp; every
// other key of `problem` belongs to the chosen problem's registry entry, which parses
// its own options (problem_registry.hpp).
#pragma once
#include <any>
#include <string>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

struct ProblemSettings {
  std::string type;                  // a name in problem_registry()
  std::string layout;                // how X is stored: a name in data_layout_choices()
  std::string feature_distribution;  // which rank owns which feature: balanced | contiguous
  std::any options;                  // the entry's own keys, as its parse() returned them
};

struct HyperparameterSettings {
  double init = 0.0;    // initial value of every λ_j (when init_file is empty)
  std::string init_file;  // init: PATH, one value per λ_j a line (the format of lambda.txt)
  bool shared = false;  // one λ for all features
  double lower = -700.0, upper = 700.0;  // bounds: outer steps keep λ_j in [lower, upper]
};

const KeyTable<ProblemSettings>& problem_common_table();
const KeyTable<HyperparameterSettings>& hyperparameters_table();

// The whole `problem` section: common keys, then the entry's own.
ProblemSettings parse_problem(const ConfigNode* node, const ParseContext& ctx);
ConfigNode write_problem(const ProblemSettings& s);
std::string problem_help(int indent);

}  // namespace hp
