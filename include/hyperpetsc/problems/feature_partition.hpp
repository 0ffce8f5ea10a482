// Which features (rows of W, entries of λ) each rank owns. PETSc's default split gives
// every rank the same number of features, but text-like data has power-law column
// frequencies: with an even split the first rank would own most of the nonzeros (94% at
// Zipf exponent 1 on 2 ranks for 130k features). We split contiguous feature ranges so
// that each rank gets an equal share of (training nonzeros + a per-feature constant for
// the vector passes).
#pragma once
#include <mpi.h>
#include <petscsys.h>

#include "hyperpetsc/data/dataset.hpp"

namespace hp {

// This rank's number of features. Collective; identical on every rank for equal inputs.
PetscInt balanced_local_features(MPI_Comm comm, const RawRows& train, PetscInt d);

}  // namespace hp
