// Which features (rows of W, entries of λ) each rank owns, and in which order.
//
// Text-like data has power-law column frequencies, so no contiguous split of the natural
// feature order balances both kinds of work: the sparse products cost per nonzero, the
// vector passes over W and λ (every CG or ITD step) cost per feature. With an even split
// the first rank would own 94% of the nonzeros (Zipf exponent 1, 130k features, 2 ranks);
// with a nonzero-balanced contiguous split it owns 6% of the features and the other rank
// does 94% of the vector work.
//
// `balanced` (the default) deals the features, sorted by training frequency, to the ranks
// in snake order (0,1,…,p−1,p−1,…,0,0,…): every rank gets ⌊d/p⌋ or ⌈d/p⌉ features and
// nearly the same number of nonzeros. Each rank's features keep their natural order, and
// the distributed order is rank 0's features, then rank 1's, and so on. Results are the
// same for any number of ranks up to rounding; λ and hypergradients are reported in the
// natural order (BilevelProblem::gather_outer).
//
// `contiguous` keeps the natural order and splits it into ranges of equal (training
// nonzeros + 2 per feature). The caller chooses (problem.feature_distribution).
#pragma once
#include <mpi.h>
#include <petscsys.h>

#include <memory>
#include <vector>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/problems/data_placement.hpp"

namespace hp {

struct FeaturePartition {
  PetscInt local = 0;  // features this rank owns
  // position[j] = index of natural feature j in the distributed order (every rank holds
  // all d entries); null when the two orders coincide.
  std::shared_ptr<const std::vector<PetscInt>> position;
};

// Collective; identical on every rank.
FeaturePartition partition_features(MPI_Comm comm, const RawRows& train, PetscInt d,
                                    FeatureDistribution how = FeatureDistribution::balanced);

// Rewrites column indices j < d to position[j] (and re-sorts each row); indices ≥ d are
// left for assemble() to report.
void renumber_features(RawRows& rows, const FeaturePartition& partition);

// v_natural[j] = v_distributed[position[j]·block + k] for every k < block (identity
// without a permutation). `distributed` holds all d·block entries.
std::vector<double> to_natural_order(const std::vector<double>& distributed, PetscInt block,
                                     const FeaturePartition& partition);

// The inverse for this rank's share: out[p − first] for the features whose position p
// lies in [first, first + out_features), from the whole natural-order vector.
void from_natural_order(const std::vector<double>& natural, PetscInt block,
                        const FeaturePartition& partition, PetscInt first, PetscScalar* out,
                        PetscInt out_features);

}  // namespace hp
