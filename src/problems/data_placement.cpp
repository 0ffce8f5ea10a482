#include "hyperpetsc/problems/data_placement.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {
constexpr DataLayout kLayouts[] = {DataLayout::automatic, DataLayout::rows, DataLayout::features,
                                   DataLayout::dense};
constexpr FeatureDistribution kDistributions[] = {FeatureDistribution::balanced,
                                                  FeatureDistribution::contiguous};
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

DataLayout data_layout_from_name(const std::string& name, const std::string& key) {
  for (DataLayout l : kLayouts)
    if (name == name_of(l)) return l;
  throw UserError(key + ": unknown data layout " + quote_user_text(name) +
                  "; use auto, rows, features or dense");
}

FeatureDistribution feature_distribution_from_name(const std::string& name, const std::string& key) {
  for (FeatureDistribution d : kDistributions)
    if (name == name_of(d)) return d;
  throw UserError(key + ": unknown feature distribution " + quote_user_text(name) +
                  "; use balanced or contiguous");
}

}  // namespace hp
