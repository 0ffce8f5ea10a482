// A sweep's trials run over rank groups: the world splits into groups of R consecutive
// ranks (MPI_Comm_split), and each free group takes the next trial (trials differ in
// cost). No rank is a pure dispatcher: the next trial's index is a counter on world rank
// 0 that each group's rank 0 increments with an MPI-3 atomic (MPI_Fetch_and_op under a
// shared passive-target lock).
//
// Progress: on one node Open MPI's osc/sm does the atomic in shared memory, and with
// hardware atomics (UCX on InfiniBand) the network does it: rank 0 need not call MPI
// while it computes its own trial (tests/service/test_sweep_runner.cpp checks it). Where
// the atomic is emulated in software (osc/ucx or osc/pt2pt over TCP across nodes), it
// completes only when rank 0 enters MPI: a trial of several ranks does so all the time
// (PETSc's reductions), and a one-rank trial should call sweep_progress() now and then
// (once per outer step), else other groups may wait up to one trial of rank 0.
#pragma once
#include <mpi.h>
#include <unistd.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hyperpetsc/service/sweep_spec.hpp"

namespace hp {

// TrialOutcome::status. run_trial returns one of the first three; the runner adds the
// last two for trials it did not run.
namespace trial_outcome {
inline const char* const completed = "COMPLETED";
inline const char* const failed = "FAILED";            // also: run_trial threw hp::UserError
inline const char* const interrupted = "INTERRUPTED";  // stopped by a signal, checkpointed
inline const char* const skipped = "SKIPPED";          // already finished before this sweep (resume)
inline const char* const not_run = "NOT_RUN";          // no group took it before the sweep stopped
}  // namespace trial_outcome

struct TrialOutcome {
  std::string status;
  std::optional<double> best_val_loss;
  double seconds = 0;  // run_trial's own, or (when it returns 0) the runner's wall time of the call
  std::string error;   // FAILED: the message
  int group = -1;      // the rank group that ran it (-1: none)
};

// Collective on `group`; every rank of the group returns the same status. Throws
// hp::UserError (collectively) for a trial that fails; any other exception ends the sweep.
using TrialFunction = std::function<TrialOutcome(MPI_Comm group, const TrialSpec&)>;

struct SweepReport {
  std::vector<TrialOutcome> outcomes;  // outcomes[i] is trials[i]'s, on every world rank
  bool interrupted = false;            // some group stopped on stop_requested_local
};

// Runs every trial not already finished, once, on the first free group of
// `ranks_per_trial` ranks. Collective on `world`.
//  - ranks_per_trial must be >= 1 and divide the world's size: else hp::UserError on
//    every rank, before anything runs.
//  - already_finished: called on world rank 0 only, once per trial, before any trial
//    starts (resume: such trials are SKIPPED).
//  - run_trial throwing hp::UserError: that trial is FAILED with the message; the sweep
//    goes on.
//  - stop_requested_local: checked on every rank between trials; once true on any rank
//    of a group, that group takes no more trials (its current trial is expected to have
//    checkpointed and returned INTERRUPTED, which stops the group too).
//  - output_fd (-1: silent): each group's rank 0 writes one line per finished trial,
//    "trial <index> group <g> <STATUS> <label> best val loss <v> <seconds> s", and world
//    rank 0 the table of every trial at the end; each with one write().
SweepReport run_sweep(MPI_Comm world, int ranks_per_trial, const std::vector<TrialSpec>& trials,
                      const std::function<bool(const TrialSpec&)>& already_finished,
                      const TrialFunction& run_trial, const std::function<bool()>& stop_requested_local,
                      int output_fd = STDOUT_FILENO);

// Throws hp::UserError (a local check) unless ranks_per_trial >= 1 divides world_size.
void check_group_size(int ranks_per_trial, int world_size);

// Lets the trial counter progress where the atomic is emulated (see above): one
// MPI_Iprobe on the running sweep's own communicator. Cheap and local; a no-op outside
// run_sweep.
void sweep_progress();

// The status table of a finished sweep (what run_sweep prints at the end).
std::string sweep_table(const std::vector<TrialSpec>& trials, const SweepReport& report);

}  // namespace hp
