// Stop signals at 1, 2 and 4 ranks: a signal seen by one rank stops every rank; handlers
// only record; the previous handlers come back.
#include <gtest/gtest.h>
#include <petscsys.h>
#include <signal.h>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/service/stop_signals.hpp"

namespace {

// PETSC_COMM_WORLD is only set by PetscInitialize, after static initialisation.
MPI_Comm comm() { return PETSC_COMM_WORLD; }

// The rank that is signalled: srun may signal one rank only, so not rank 0 when there are
// others.
int signalled_rank() { return hp::comm_size(comm()) > 1 ? 1 : 0; }

volatile sig_atomic_t previous_handler_calls = 0;
extern "C" void count_previous(int) { previous_handler_calls = previous_handler_calls + 1; }

// Installs count_previous for `signo` for one test, then puts back what was there.
struct CountingHandler {
  int signo;
  struct sigaction saved {};
  explicit CountingHandler(int s) : signo(s) {
    struct sigaction a {};
    a.sa_handler = count_previous;
    sigemptyset(&a.sa_mask);
    sigaction(signo, &a, &saved);
    previous_handler_calls = 0;
  }
  ~CountingHandler() { sigaction(signo, &saved, nullptr); }
};

TEST(StopSignals, OneSignalledRankStopsEveryRank) {
  const hp::StopSignals stop;
  EXPECT_EQ(stop.pending(), 0);
  EXPECT_EQ(stop.stop_requested(comm()), 0);
  if (hp::comm_rank(comm()) == signalled_rank()) raise(SIGUSR1);
  EXPECT_EQ(stop.pending(), hp::comm_rank(comm()) == signalled_rank() ? SIGUSR1 : 0);
  EXPECT_EQ(stop.stop_requested(comm()), SIGUSR1);
  EXPECT_EQ(stop.stop_requested(comm()), SIGUSR1);  // stays requested
}

TEST(StopSignals, EveryWatchedSignalIsRecordedTheFirstWins) {
  for (int signo : {SIGTERM, SIGUSR1, SIGUSR2}) {
    const hp::StopSignals stop;  // outermost: starts with nothing pending
    EXPECT_EQ(stop.stop_requested(comm()), 0);
    raise(signo);  // would end the process without the handler
    raise(signo == SIGTERM ? SIGUSR2 : SIGTERM);
    EXPECT_EQ(stop.pending(), signo);
    EXPECT_EQ(stop.stop_requested(comm()), signo);
  }
}

TEST(StopSignals, DestructorRestoresThePreviousHandlers) {
  const CountingHandler usr1(SIGUSR1);
  struct sigaction term_before {};
  sigaction(SIGTERM, nullptr, &term_before);
  {
    const hp::StopSignals stop;
    struct sigaction now {};
    sigaction(SIGUSR1, nullptr, &now);
    EXPECT_NE(now.sa_handler, count_previous);
    raise(SIGUSR1);
    EXPECT_EQ(previous_handler_calls, 0);  // caught by StopSignals, not passed on
  }
  struct sigaction after {};
  sigaction(SIGUSR1, nullptr, &after);
  EXPECT_EQ(after.sa_handler, count_previous);
  sigaction(SIGTERM, nullptr, &after);
  EXPECT_EQ(after.sa_handler, term_before.sa_handler);
  raise(SIGUSR1);
  EXPECT_EQ(previous_handler_calls, 1);
}

// A run inside the spool service: the inner run's signal still stops the service.
TEST(StopSignals, NestedWatchersShareTheRecord) {
  const hp::StopSignals service;
  {
    const hp::StopSignals run;
    EXPECT_EQ(run.pending(), 0);
    if (hp::comm_rank(comm()) == signalled_rank()) raise(SIGTERM);
    EXPECT_EQ(run.stop_requested(comm()), SIGTERM);
  }
  EXPECT_EQ(service.stop_requested(comm()), SIGTERM);
  raise(SIGUSR2);  // still caught: the service's handlers are back
  EXPECT_EQ(service.stop_requested(comm()), SIGTERM);
}

}  // namespace
