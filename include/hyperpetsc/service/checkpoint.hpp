// Checkpoints of a run: everything needed to continue an outer loop exactly, in natural
// (data) order so a run resumes on any number of ranks.
//
// A run folder holds at most one committed checkpoint:
//   checkpoint.json          the metadata and the commit point (step, configuration,
//                            scalars, the vectors' names and sizes in file order, the data
//                            file's name, byte count and FNV-1a 64 checksum)
//   checkpoint-<step>.petsc  the vectors, one VecView each, in PETSc's binary format (no
//                            .info file), readable with VecLoad or PetscBinaryRead
// Saving writes the data file under a temporary name, fsyncs and renames it, then replaces
// checkpoint.json atomically (temporary, fsync, rename), then deletes every other
// checkpoint-*.petsc and leftover temporary. A kill at any point leaves the previous
// checkpoint (or none) loadable: a data file that no checkpoint.json names is ignored.
// Resuming at the step of the committed checkpoint writes the other of two names
// (checkpoint-<step>.petsc, checkpoint-<step>.1.petsc) so the committed file is never
// overwritten.
#pragma once
#include <mpi.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hyperpetsc/config/config_node.hpp"

namespace hp {

struct CheckpointData {
  long long step = 0;                                  // outer steps completed
  std::map<std::string, std::string> config;           // flatten_config of the resolved config: what must match to resume
  std::map<std::string, double> scalars;               // optimiser scalars, schedules, best record, seconds so far, RNG state
  std::map<std::string, std::vector<double>> vectors;  // natural order: "lambda", "w", "adjoint", "adam_m", ...
};

// The file names above, inside a run folder.
std::string checkpoint_metadata_path(const std::string& run_dir);

// Collective. Only rank 0's `data` is read (other ranks may pass an empty one): rank 0
// writes, every rank throws the same hp::UserError if that fails (an unwritable folder, a
// full disk). Scalars round-trip exactly (%.17g; infinities too; a NaN stays a NaN),
// vectors bitwise. The vectors are byte-swapped in place while PETSc writes them
// (PETSc's binary format is big-endian) and restored before returning.
void save_checkpoint(MPI_Comm comm, const std::string& run_dir, const CheckpointData& data);

// Collective. std::nullopt if `run_dir` (or its checkpoint.json) does not exist. Otherwise
// every rank gets the whole checkpoint (vectors and scalars broadcast from rank 0). Rank 0
// reads and checks; the arguments of the other ranks are not used.
// Every rank throws the same hp::UserError if
//  - data.config differs from `expected_config` in a key not in `ignored_keys` (a key
//    present on one side only differs too): the message names the first such key in
//    sorted order with both values, the checkpoint and what to do;
//  - the checkpoint is damaged: checkpoint.json does not parse or lacks a field, or its
//    data file is missing, of the wrong length, fails the checksum or does not load.
std::optional<CheckpointData> load_checkpoint(MPI_Comm comm, const std::string& run_dir,
                                              const std::map<std::string, std::string>& expected_config,
                                              const std::set<std::string>& ignored_keys);

// The tree as "a.b.c" -> the scalar's text, for CheckpointData::config. A list becomes its
// YAML flow text ("[-10, 5]"), a null "~", an empty map "{}"; a scalar root has key "".
std::map<std::string, std::string> flatten_config(const ConfigNode& root);

}  // namespace hp
