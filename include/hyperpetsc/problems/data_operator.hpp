// X·W and Xᵀ·R for a data matrix X (n × d, examples × features) and interlaced W (d × c),
// behind one interface with one implementation per storage layout:
//
// - rows (rows_data_operator.hpp): X distributed by examples, PETSc's MAIJ; X·W gathers
//   ghost entries of W: O(d·c) communication per product.
// - features (features_data_operator.hpp): Xᵀ distributed by features like W; X·W reduces
//   partial scores and Xᵀ·R gathers ghost rows of R: O(n·c) communication. Text-like data
//   have n ≪ d and nearly every feature on every rank, so this moves ~d/n times less data;
//   its register-blocked kernels also fuse a gradient step's update into the product.
// - dense (dense_data_operator.hpp): X as MATMPIDENSE (CSV, images); one BLAS gemm per
//   rank on its rows, W gathered on every rank: O(d·c) communication, small for dense data.
#pragma once
#include <petscmat.h>

#include <memory>

#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/problems/data_placement.hpp"

namespace hp {

class DataOperator {
 public:
  virtual ~DataOperator() = default;

  virtual void scores(Vec w, Vec z) const = 0;  // z = X·W   (n·c)
  virtual void back(Vec r, Vec out) const = 0;  // out = Xᵀ·R (d·c)
  // out[j,:] = row_scale[j]·w[j,:] + beta·(Xᵀ·R)[j,:] in one pass; returns false, doing
  // nothing, when the layout cannot fuse (the caller then combines). With `dot`, also
  // *dot = this rank's share of ⟨out, w⟩, in the same pass.
  virtual bool back_combined(Vec /*r*/, Vec /*w*/, const double* /*row_scale*/, double /*beta*/,
                             Vec /*out*/, double* /*dot*/ = nullptr) const {
    return false;
  }
  // x = u + beta·x (x = u when beta = 0) and z = X·x in one pass over x; false, doing
  // nothing, when the layout cannot fuse.
  virtual bool update_and_scores(Vec /*u*/, double /*beta*/, Vec /*x*/, Vec /*z*/) const { return false; }
  // back_combined and, in the same pass, z_out = X·out; false, doing nothing, when the
  // layout cannot fuse.
  virtual bool step_and_scores(Vec /*r*/, Vec /*w*/, const double* /*row_scale*/,
                               double /*beta*/, Vec /*out*/, Vec /*z_out*/) const {
    return false;
  }
  virtual Vector create_weights() const = 0;  // d·c, block size c, distributed like W
  virtual Vector create_scores() const = 0;   // n·c, block size c, distributed like X's rows
};

// The operator for `layout` (not automatic). Collective. For dense, X must be MATMPIDENSE.
std::unique_ptr<DataOperator> make_data_operator(Mat X, PetscInt c, DataLayout layout);

// What `auto` chooses for training data X (n × d) with c outputs: dense when at least 30%
// of X's entries are nonzero (dense BLAS beats sparse products there) and a whole W
// (d·c·8 bytes) fits comfortably on every rank; else features when d > n; else rows.
DataLayout automatic_data_layout(Mat X, PetscInt c);

// For the implementations: a Vec of local_blocks·c of global_blocks·c entries, block size c.
Vector create_blocked_vector(MPI_Comm comm, PetscInt local_blocks, PetscInt global_blocks, PetscInt c);

}  // namespace hp
