#include "hyperpetsc/service/stop_signals.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

namespace hp {

namespace {

// Written by the handler, read by the loop: the only state a handler may touch.
volatile sig_atomic_t pending_signal = 0;
int depth = 0;  // live StopSignals (nested runs share pending_signal)

extern "C" void record_stop_signal(int signo) {
  if (pending_signal == 0) pending_signal = signo;
}

}  // namespace

StopSignals::StopSignals() {
  if (depth == 0) pending_signal = 0;
  struct sigaction action {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); ++i) {
    if (sigaction(watched[i], &action, &previous_[i]) != 0) {
      const int error = errno;
      while (i-- > 0) sigaction(watched[i], &previous_[i], nullptr);
      throw std::system_error(error, std::generic_category(), "sigaction");
    }
  }
  ++depth;
}

StopSignals::~StopSignals() {
  for (size_t i = 0; i < sizeof(watched) / sizeof(watched[0]); ++i) sigaction(watched[i], &previous_[i], nullptr);
  --depth;
}

int StopSignals::pending() const { return pending_signal; }

int StopSignals::stop_requested(MPI_Comm comm) const {
  int mine = pending_signal, any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm);
  return any;
}

}  // namespace hp
