// How a problem's data are placed on the ranks: the storage layout of X (data_operator.hpp)
// and which rank owns which feature (feature_partition.hpp). Chosen by the caller
// (ProblemSettings: problem.layout, problem.feature_distribution) and passed in, so two
// problems in one process may differ.
#pragma once
#include <string>
#include <vector>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

enum class DataLayout {
  automatic,  // chosen from the training data (automatic_data_layout)
  rows,       // X by examples, PETSc's MAIJ
  features,   // Xᵀ by features like W, register-blocked kernels
  dense,      // X as MATMPIDENSE, BLAS gemm
};

enum class FeatureDistribution {
  balanced,    // features dealt by training frequency (the default)
  contiguous,  // natural order in ranges of equal cost
};

// The YAML names: "auto", "rows", "features", "dense"; "balanced", "contiguous".
const char* name_of(DataLayout layout);
const char* name_of(FeatureDistribution distribution);

// The names with one line of help each (problem.layout, problem.feature_distribution).
std::vector<NamedChoice> data_layout_choices();
std::vector<NamedChoice> feature_distribution_choices();

// Parse a name; an unknown one is an hp::UserError naming `key` and the choices.
DataLayout data_layout_from_name(const std::string& name, const std::string& key = "problem.layout");
FeatureDistribution feature_distribution_from_name(
    const std::string& name, const std::string& key = "problem.feature_distribution");

}  // namespace hp
