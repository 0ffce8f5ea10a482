#include "hyperpetsc/inner/momentum_iteration.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <mpi.h>
#include <string>

#include "hyperpetsc/inner/divergence_monitor.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

void UnmapBlock::operator()(double* p) const { munmap(p, bytes); }

void Trajectory::make_block(Vec layout, size_t vectors, size_t extra, const std::string& what) {
  PetscInt n = 0, N = 0, bs = 1;
  HP_CALL(VecGetLocalSize(layout, &n));
  HP_CALL(VecGetSize(layout, &N));
  HP_CALL(VecGetBlockSize(layout, &bs));
  seconds_allocating = 0;
  // Reuse the block across calls of the same shape (an outer loop): it is faulted in.
  if (storage && block_n_ == n && block_vectors_ == vectors && block_extra_ == extra) return;
  const double t0 = MPI_Wtime();
  w.clear();
  storage.reset();
  block_n_ = -1;
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(layout));
  // Refuse what cannot fit before allocating (t + 1 can be 2³¹ with inner.iterations at
  // its largest value). Per vector: its n doubles, plus a PETSc Vec header and two
  // pointers (~1 KB), which dominate for small problems.
  check_memory(comm,
               static_cast<double>(vectors) * (static_cast<double>(n) * sizeof(double) + 1024.0) +
                   static_cast<double>(extra) * sizeof(double),
               what + " of " + std::to_string(N) + " entries, for reverse mode)",
               "lower inner.iterations or use an aid_* method, which does not store iterates; or set "
               "hypergradient.checkpoints to store fewer states and recompute the others");
  const size_t bytes = std::max<size_t>((vectors * static_cast<size_t>(n) + extra) * sizeof(double), 1);
  // MAP_POPULATE faults every page in now, in the kernel, cheaper than first-touch faults
  // spread over the forward steps (measured: 5 against 8.5 ms per 21 MB). No
  // MADV_HUGEPAGE: with THP defrag "madvise" it made the faults cost ~50 ms per 21 MB.
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  if (p == MAP_FAILED) throw PetscFailure(PETSC_ERR_MEM, "mmap(trajectory)", __FILE__, __LINE__);
  storage = std::unique_ptr<double[], UnmapBlock>(static_cast<double*>(p), UnmapBlock{bytes});
  w.resize(vectors);
  for (size_t i = 0; i < vectors; ++i)
    HP_CALL(VecCreateMPIWithArray(comm, bs, n, N, storage.get() + i * static_cast<size_t>(n), w[i].out()));
  block_n_ = n;
  block_vectors_ = vectors;
  block_extra_ = extra;
  seconds_allocating = MPI_Wtime() - t0;
}

void Trajectory::allocate(Vec layout, PetscInt t, size_t linearization_doubles) {
  const auto steps = static_cast<size_t>(t);
  make_block(layout, steps + 1, steps * linearization_doubles,
             "the stored inner trajectory (t + 1 = " + std::to_string(steps + 1) + " iterates");
  linearization_size = linearization_doubles;
  linearizations.clear();
  if (linearization_doubles == 0) return;
  PetscInt n = 0;
  HP_CALL(VecGetLocalSize(layout, &n));
  double* captures = storage.get() + (steps + 1) * static_cast<size_t>(n);
  linearizations.resize(steps);
  for (size_t i = 0; i < steps; ++i) linearizations[i] = captures + i * linearization_doubles;
}

void Trajectory::allocate_snapshots(Vec layout) {
  const size_t states = std::max(snapshot_slots, snapshot_steps.size());
  make_block(layout, (with_previous ? 2 * states : states) + 1, 0,
             "the inner trajectory's checkpoints (" + std::to_string(states) + " states, " +
                 std::to_string((with_previous ? 2 * states : states) + 1) + " vectors");
  linearizations.clear();
  linearization_size = 0;
  stored = 0;
}

void Trajectory::remember(PetscInt i, Vec cur, Vec prev) {
  if (stored >= snapshot_steps.size() || snapshot_steps[stored] != i) return;
  HP_CALL(VecCopy(cur, state(stored)));
  if (with_previous) HP_CALL(VecCopy(i > 0 ? prev : cur, previous(stored)));  // w_{−1} = w_0
  ++stored;
}

namespace {

// The relative stopping rule of inner.tol: ‖Φ(w_i) − w_i‖ against ‖Φ(0)‖.
class ResidualTest {
 public:
  ResidualTest(BilevelProblem& problem, Vec lambda, Vec w, double rtol) : rtol_(rtol) {
    if (rtol <= 0) return;
    HP_CALL(VecDuplicate(w, scratch_.out()));
    double w0 = 0;
    HP_CALL(VecNorm(w, NORM_INFINITY, &w0));
    if (w0 == 0) return;  // a cold start: the first step's residual is the reference
    Vector zero;
    HP_CALL(VecDuplicate(w, zero.out()));
    HP_CALL(VecSet(zero, 0.0));
    problem.apply_map(zero, lambda, scratch_);
    HP_CALL(VecNorm(scratch_, NORM_2, &reference_));
  }
  // After next = Φ(cur) (before any momentum term): whether to stop.
  bool done(Vec next, Vec cur) {
    if (rtol_ <= 0) return false;
    double r = 0;
    HP_CALL(VecWAXPY(scratch_, -1.0, cur, next));
    HP_CALL(VecNorm(scratch_, NORM_2, &r));
    if (reference_ < 0) reference_ = r;
    return r <= rtol_ * reference_;
  }

 private:
  double rtol_;
  double reference_ = -1;  // ‖Φ(0)‖, once known
  Vector scratch_;
};

}  // namespace

PetscInt MomentumIteration::run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t, Trajectory* trajectory,
                                double rtol) const {
  LogScope scope(log_events().inner_step);
  const double beta = momentum_;
  DivergenceMonitor monitor(name_, beta, t);
  ResidualTest test(problem, lambda, w, rtol);
  PetscInt steps = t;
  if (trajectory && trajectory->keeps_all()) {
    // Iterate straight into the stored trajectory: no copies per step.
    trajectory->allocate(w, t, problem.linearization_size());
    auto& ws = trajectory->w;
    HP_CALL(VecCopy(w, ws[0]));
    for (PetscInt i = 0; i < t; ++i) {
      Vec cur = ws[i], next = ws[i + 1];
      problem.apply_map(cur, lambda, next);
      if (!trajectory->linearizations.empty())
        problem.capture_linearization(trajectory->linearizations[static_cast<size_t>(i)]);
      const bool converged = test.done(next, cur);
      // w_{−1} = w_0: no momentum term on the first step.
      if (beta != 0.0 && i > 0) HP_CALL(VecAXPBYPCZ(next, beta, -beta, 1.0, cur, ws[i - 1]));
      if (converged || monitor.due(i + 1)) monitor.check(i + 1, next, cur);
      if (converged) {
        steps = i + 1;
        break;
      }
    }
    HP_CALL(VecCopy(ws[static_cast<size_t>(steps)], w));
  } else {
    // Rotate three buffers (current, previous, next) by handle, not by copying data. With
    // a checkpointing trajectory, copy the planned states out (see Trajectory).
    if (trajectory) trajectory->allocate_snapshots(w);
    Vector b1, b2;
    HP_CALL(VecDuplicate(w, b1.out()));
    HP_CALL(VecDuplicate(w, b2.out()));
    Vec cur = w, next = b1, prev = b2;
    for (PetscInt i = 0; i < t; ++i) {
      if (trajectory) trajectory->remember(i, cur, prev);
      problem.apply_map(cur, lambda, next);
      const bool converged = test.done(next, cur);
      if (beta != 0.0 && i > 0) HP_CALL(VecAXPBYPCZ(next, beta, -beta, 1.0, cur, prev));
      if (converged || monitor.due(i + 1)) monitor.check(i + 1, next, cur);
      Vec old_prev = prev;
      prev = cur;
      cur = next;
      next = old_prev;
      if (converged) {
        steps = i + 1;
        break;
      }
    }
    if (trajectory && steps > 0) HP_CALL(VecCopy(prev, trajectory->last()));  // w_{t−1}
    if (cur != w) HP_CALL(VecCopy(cur, w));
  }
  // The last step was checked (finite and not diverging) by the monitor.
  return steps;
}

}  // namespace hp
