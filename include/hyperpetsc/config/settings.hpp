// Typed, validated experiment settings. The config/ folder is the only code that knows
// YAML; everything else reads these structs.
#pragma once
#include <petscsys.h>

#include <optional>
#include <string>
#include <vector>

#include "hyperpetsc/data/dataset.hpp"

namespace hp {

struct ProblemSettings {
  std::string type = "logistic_l2";  // ridge_l2 | logistic_l2
  DatasetSpec train, val;
  std::optional<DatasetSpec> test;
  PetscInt n_features = -1;           // -1: the largest feature index in any file
  std::string layout = "auto";                     // auto|rows|features|dense
  std::string feature_distribution = "balanced";  // balanced|contiguous
};

struct HyperparameterSettings {
  double init = 0.0;    // initial value of every λ_j (the penalty is exp(λ_j))
  bool shared = false;  // one λ for all features
};

struct InnerSettings {
  std::string solver = "gradient_descent";  // gradient_descent | heavy_ball
  bool step_auto = true;                    // step_size: auto -> 1/L_max
  double step_size = 0.0;
  PetscInt iterations = 100;                // t
  double momentum = 0.9;                    // heavy_ball only
};

struct HypergradientSettings {
  std::string method = "aid_cg";
  PetscInt iterations = 100;  // k (a maximum when tol > 0)
  double tol = 0.0;           // relative residual tolerance; 0 = run exactly k iterations
};

struct Settings {
  std::string config_path;  // as given on the command line
  std::string config_dir;   // absolute folder relative paths resolve against
  ProblemSettings problem;
  HyperparameterSettings hyperparameters;
  InnerSettings inner;
  HypergradientSettings hypergradient;
  std::string petsc_options;
  std::string resolved_yaml;  // the complete configuration after defaults and --set
};

// Parse and validate CONFIG.yaml with `--set section.key=value` overrides applied first.
// Every rank calls this on the same file; all failures are hp::UserError naming the file,
// the key (and its line) and what to do, so every rank throws the same message.
Settings load_settings(const std::string& path, const std::vector<std::string>& overrides);

// The documented keys, for `hyperpetsc --help`.
std::string settings_help();

}  // namespace hp
