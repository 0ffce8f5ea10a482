// The memory a problem's feature-sized arrays take, checked as soon as the feature count d
// is known and before anything d-sized is allocated (see petsc/memory_budget.hpp): one
// LIBSVM line "1 2147483647:1" or problem.n_features = 2147483647 is refused in a
// moment instead of exhausting every rank's memory.
#pragma once
#include <mpi.h>
#include <petscsys.h>

#include <vector>

#include "hyperpetsc/problems/labelled_splits.hpp"
#include "hyperpetsc/data/dataset.hpp"

namespace hp {

// At least what a run allocates per rank for d features and c outputs on `ranks` ranks:
// the feature partition's d-sized arrays on every rank (counts, order, owners, positions;
// more than one rank), W-shaped vectors (w_0, w, two inner buffers, the adjoint and
// Krylov work vectors: 8·d·c/ranks doubles) and feature-sized ones (λ, the
// hypergradient, penalties, Xᵀ's row pointers: 6·d/ranks).
double feature_arrays_bytes_per_rank(double d, double c, int ranks);

// The same check before any file is read or row generated, for the feature counts the
// settings declare (problem.n_features, synthetic splits' features; outputs from their
// classes): a generator would otherwise build d-sized tables first. Collective.
void check_declared_feature_memory(MPI_Comm comm, const LabelledDataOptions& problem);

// Throws hp::UserError on every rank when they cannot fit, naming problem.n_features when
// it set d, else the split and file whose largest index did. `splits` are train, val
// and test (if any) in that order. Collective.
void check_feature_memory(MPI_Comm comm, const LabelledDataOptions& problem,
                          const std::vector<const RawRows*>& splits, PetscInt d, PetscInt outputs);

}  // namespace hp
