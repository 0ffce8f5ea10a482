// X∘X: a copy of a data matrix with every stored entry squared, in the same type and
// layout (MPIAIJ/SEQAIJ or MPIDENSE/SEQDENSE), so Σ_i X_ij² h_i is an ordinary transposed
// product with it: the diagonal of XᵀSX for diagonal S (the Jacobi preconditioner of AID).
#pragma once
#include <petscmat.h>

#include "hyperpetsc/petsc/handles.hpp"

namespace hp {

// Collective. Another matrix type is a bug (std::logic_error).
Matrix squared_entries(Mat X);

}  // namespace hp
