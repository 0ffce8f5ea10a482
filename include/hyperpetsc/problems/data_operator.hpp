// X·W and Xᵀ·R for a row-distributed data matrix X (n × d) and interlaced W (d × c).
//
// Two storages: "rows" keeps X distributed by examples (X·W gathers ghost entries of W:
// O(d·c) communication per product); "features" stores Xᵀ distributed by features like W
// (X·W reduces partial scores: O(n·c) communication). Text-like data has n ≪ d and
// nearly every feature on every rank, so "features" moves ~d/n times less data.
#pragma once
#include <petscmat.h>

#include <string>

#include "hyperpetsc/petsc/handles.hpp"

namespace hp {

class DataOperator {
 public:
  // `layout`: "rows", "features" or "auto" (features when d > n).
  DataOperator(Mat X, PetscInt c, const std::string& layout);
  void scores(Vec w, Vec z) const;  // z = X·W   (n·c)
  void back(Vec r, Vec out) const;  // out = Xᵀ·R (d·c)
  Vector create_weights() const;
  Vector create_scores() const;
  bool by_features() const { return by_features_; }

 private:
  Matrix a_;  // MAIJ(X, c) or MAIJ(Xᵀ, c)
  bool by_features_ = false;
};

// The layout requested with -hp_data_layout rows|features|auto (default auto).
std::string requested_data_layout();

}  // namespace hp
