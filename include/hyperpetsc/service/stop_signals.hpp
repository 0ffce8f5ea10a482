// Requests to stop early: SIGTERM (scancel, a job ending, mpirun forwarding a kill),
// SIGUSR1 (Slurm's pre-timeout signal, #SBATCH --signal=B:USR1@120) and SIGUSR2. The
// handlers only record the signal (async-signal-safe); the outer loop polls between steps,
// checkpoints and exits 75 (EX_TEMPFAIL) so a job script can requeue the run.
#pragma once
#include <mpi.h>
#include <signal.h>

namespace hp {

class StopSignals {
 public:
  // The signals watched.
  static constexpr int watched[] = {SIGTERM, SIGUSR1, SIGUSR2};

  // Installs the handlers (SA_RESTART: system calls inside MPI or file I/O resume instead
  // of failing with EINTR). The outermost StopSignals forgets any earlier signal; a
  // nested one (a run inside the spool service) shares the record with the outer one, so
  // a signal seen by the inner run still stops the service. Construct and destroy on the
  // main thread, in nested (LIFO) order.
  StopSignals();
  // Restores the handlers that were installed before (PETSc's, the default, ...).
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // The first watched signal this process received, or 0. Not collective.
  int pending() const;
  // Collective: the largest pending() over `comm`, the same on every rank. mpirun
  // forwards signals to every rank but srun may signal only some, so the ranks must
  // agree before they stop together.
  int stop_requested(MPI_Comm comm) const;

 private:
  struct sigaction previous_[sizeof(watched) / sizeof(watched[0])];
};

}  // namespace hp
