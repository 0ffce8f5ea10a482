#include "hyperpetsc/inner/momentum_iteration.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "hyperpetsc/inner/divergence_monitor.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

void Trajectory::FreeBlock::operator()(double* p) const { std::free(p); }

void Trajectory::allocate(Vec layout, PetscInt t) {
  PetscInt n = 0, N = 0, bs = 1;
  HP_CALL(VecGetLocalSize(layout, &n));
  HP_CALL(VecGetSize(layout, &N));
  HP_CALL(VecGetBlockSize(layout, &bs));
  linearizations.clear();
  PetscInt old_n = -1;
  if (!w.empty()) HP_CALL(VecGetLocalSize(w[0], &old_n));
  // Reuse the block across calls of the same shape (an outer loop): its pages are already
  // faulted in, which costs as much as an inner step per iterate the first time.
  if (storage && w.size() == static_cast<size_t>(t) + 1 && old_n == n) return;
  w.clear();
  storage.reset();
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(layout));
  // Refuse what cannot fit before allocating (t + 1 can be 2³¹ with inner.iterations at
  // its largest value). Per iterate: its n doubles, plus a PETSc Vec header and two
  // pointers (~1 KB), which dominate for small problems.
  const double iterates = static_cast<double>(t) + 1.0;
  check_memory(comm, iterates * (static_cast<double>(n) * sizeof(double) + 1024.0),
               "the stored inner trajectory (t + 1 = " + std::to_string(static_cast<long long>(t) + 1) +
                   " iterates of " + std::to_string(N) + " entries, for reverse mode)",
               "lower inner.iterations or use an aid_* method, which does not store iterates");
  constexpr size_t kHugePage = size_t{2} << 20;
  const size_t count = static_cast<size_t>(n) * (static_cast<size_t>(t) + 1);
  size_t bytes = std::max<size_t>(count * sizeof(double), 1);
  bytes = (bytes + kHugePage - 1) / kHugePage * kHugePage;  // aligned_alloc needs a multiple
  storage.reset(static_cast<double*>(std::aligned_alloc(kHugePage, bytes)));
  if (!storage) throw PetscFailure(PETSC_ERR_MEM, "aligned_alloc(trajectory)", __FILE__, __LINE__);
#ifdef MADV_HUGEPAGE
  (void)madvise(storage.get(), bytes, MADV_HUGEPAGE);  // a hint; 4 KiB pages still work
#endif
  w.resize(static_cast<size_t>(t) + 1);
  linearizations.reserve(static_cast<size_t>(t));
  for (PetscInt i = 0; i <= t; ++i)
    HP_CALL(VecCreateMPIWithArray(comm, bs, n, N, storage.get() + static_cast<size_t>(i) * n,
                                  w[static_cast<size_t>(i)].out()));
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
  if (trajectory) {
    // Iterate straight into the stored trajectory: no copies per step.
    trajectory->allocate(w, t);
    auto& ws = trajectory->w;
    HP_CALL(VecCopy(w, ws[0]));
    for (PetscInt i = 0; i < t; ++i) {
      Vec cur = ws[i], next = ws[i + 1];
      problem.apply_map(cur, lambda, next);
      trajectory->linearizations.push_back(problem.capture_linearization());
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
    // Rotate three buffers (current, previous, next) by handle, not by copying data.
    Vector b1, b2;
    HP_CALL(VecDuplicate(w, b1.out()));
    HP_CALL(VecDuplicate(w, b2.out()));
    Vec cur = w, next = b1, prev = b2;
    for (PetscInt i = 0; i < t; ++i) {
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
    if (cur != w) HP_CALL(VecCopy(cur, w));
  }
  // The last step was checked (finite and not diverging) by the monitor.
  return steps;
}

}  // namespace hp
