#include "hyperpetsc/problems/data_placement.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {
constexpr DataLayout kLayouts[] = {DataLayout::automatic, DataLayout::rows, DataLayout::features,
                                   DataLayout::dense};
constexpr FeatureDistribution kDistributions[] = {FeatureDistribution::balanced,
                                                  FeatureDistribution::contiguous};
const char* help_of(DataLayout layout) {
  switch (layout) {
    case DataLayout::automatic: return "dense if >= 30% nonzeros and W fits per rank, else features if d > n, else rows";
    case DataLayout::rows: return "X by examples, PETSc MAIJ products";
    case DataLayout::features: return "Xᵀ by features, fused register-blocked kernels (text data)";
    case DataLayout::dense: return "MATMPIDENSE, one BLAS gemm per product (dense data)";
  }
  return "";
}

const char* help_of(FeatureDistribution distribution) {
  switch (distribution) {
    case FeatureDistribution::balanced: return "features dealt to ranks by frequency: even features and nonzeros";
    case FeatureDistribution::contiguous: return "natural order split into ranges of equal work";
  }
  return "";
}

}  // namespace

const char* name_of(DataLayout layout) {
  switch (layout) {
    case DataLayout::automatic: return "auto";
    case DataLayout::rows: return "rows";
    case DataLayout::features: return "features";
    case DataLayout::dense: return "dense";
  }
  return "?";
}

const char* name_of(FeatureDistribution distribution) {
  switch (distribution) {
    case FeatureDistribution::balanced: return "balanced";
    case FeatureDistribution::contiguous: return "contiguous";
  }
  return "?";
}

std::vector<NamedChoice> data_layout_choices() {
  std::vector<NamedChoice> v;
  for (DataLayout l : kLayouts) v.push_back({name_of(l), help_of(l)});
  return v;
}

std::vector<NamedChoice> feature_distribution_choices() {
  std::vector<NamedChoice> v;
  for (FeatureDistribution d : kDistributions) v.push_back({name_of(d), help_of(d)});
  return v;
}

DataLayout data_layout_from_name(const std::string& name, const std::string& key) {
  for (DataLayout l : kLayouts)
    if (name == name_of(l)) return l;
  throw UserError(key + ": unknown data layout " + quote_user_text(name) +
                  "; use " + choice_names(data_layout_choices()));
}

FeatureDistribution feature_distribution_from_name(const std::string& name, const std::string& key) {
  for (FeatureDistribution d : kDistributions)
    if (name == name_of(d)) return d;
  throw UserError(key + ": unknown feature distribution " + quote_user_text(name) +
                  "; use " + choice_names(feature_distribution_choices()));
}

}  // namespace hp
