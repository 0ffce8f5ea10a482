// A labelled data set distributed by rows over a communicator.
//
// Loading is two-phase because the feature count d is the largest index over *all*
// files (train, val, test): phase 1 reads each file into RawRows (this rank's block of
// rows, CSR with 0-based global column indices); phase 2 assembles PETSc objects once d
// is known. No rank ever holds a whole file.
#pragma once
#include <mpi.h>
#include <petscmat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hyperpetsc/petsc/handles.hpp"

namespace hp {

// Parameters of the synthetic generator (same data for any number of ranks).
struct SyntheticSpec {
  std::string generator = "gaussian";  // "gaussian" (dense) | "sparse_text"
  PetscInt rows = 100;
  PetscInt features = 10;
  PetscInt nnz_per_row = 10;           // sparse_text only
  PetscInt classes = 0;                // 0 = regression targets, >= 2 = class labels
  double noise = 0.1;
  std::uint64_t seed = 0;              // selects the ground-truth model
  std::uint64_t stream = 0;            // selects the rows (train/val/test differ here)
  bool normalize_rows = true;          // sparse_text: rows scaled to unit L2 norm
  double zipf_exponent = 1.0;          // sparse_text: column frequency ~ rank^-exponent
};

// Where a split comes from. `key` names it in messages ("problem.train").
struct DatasetSpec {
  std::string key;
  std::string format;  // a data_formats() name: "libsvm" | "csv" | "idx" | "synthetic"
  std::string path;    // already resolved against the config file's folder (idx: the images)
  int label_column = 0;  // csv: 0-based, negative counts from the end (-1 = last)
  bool header = false;   // csv: skip the first line
  std::string labels;    // idx: the labels file, resolved like path
  PetscInt subset = 0;   // idx: examples taken (0 = all after offset)
  PetscInt offset = 0;   // idx: examples skipped first (after the shuffle)
  std::uint64_t seed = 0;  // idx: 0 = file order, else a shuffle identical for any rank count
  SyntheticSpec synthetic;
};

// Phase 1 result: this rank's contiguous block of rows.
struct RawRows {
  std::vector<PetscInt> row_ptr{0};   // size local_rows + 1
  std::vector<PetscInt> cols;         // 0-based global feature indices, sorted per row
  std::vector<PetscScalar> vals;
  std::vector<double> labels;         // one per local row
  PetscInt max_col = -1;              // largest column index over ALL ranks (global)
  PetscInt global_rows = 0;           // over all ranks
  std::string source;                 // file path or "synthetic", for messages
  PetscInt local_rows() const { return static_cast<PetscInt>(labels.size()); }
};

// Phase 2 result.
struct Dataset {
  Matrix X;  // global n x d MPIAIJ; row layout = RawRows' blocks, column layout = d split
  Vector y;  // length n, same row layout as X (raw labels or regression targets)
  PetscInt n = 0;
  PetscInt d = 0;
  std::string source;
};

// Phase 1: read (or generate) the split. Collective. Throws hp::UserError (on every rank)
// naming the key, file and line for any missing, unreadable or malformed input.
RawRows read_rows(MPI_Comm comm, const DatasetSpec& spec);

// Phase 2: build X (n x d) with the column layout `local_features` (PETSc's default split
// of d when PETSC_DECIDE) and y. Collective. Throws hp::UserError if a column >= d.
Dataset assemble(MPI_Comm comm, const RawRows& rows, PetscInt d, PetscInt local_features,
                 const std::string& key);

// The rows of `first` followed by the rows of `second` (global order), with their labels:
// a new MPIAIJ X with the same columns and column layout (feature partition) as both
// inputs, and each rank holding as many rows as it held of the two together (rows move
// between ranks as needed). Collective. Both must be assembled MPIAIJ on one
// communicator with the same d and column layout (a bug otherwise: std::invalid_argument).
Dataset concatenate_rows(const Dataset& first, const Dataset& second);

// Sorted distinct label values over all given sets (collective).
std::vector<double> distinct_labels(MPI_Comm comm, const std::vector<const RawRows*>& sets);

}  // namespace hp
