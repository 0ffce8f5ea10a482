#include "hyperpetsc/inner/divergence_monitor.hpp"

#include <mpi.h>

#include <cmath>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {
constexpr double kGrowth = 1e3;
// Steps below this fraction of ‖w_i‖ are rounding noise (a run started at its fixed point
// has s_1 = 0 and later steps of a few ulps).
constexpr double kRoundingLevel = 1e-10;
}  // namespace

DivergenceMonitor::DivergenceMonitor(std::string solver, double momentum, PetscInt steps)
    : solver_(std::move(solver)), growth_limit_(kGrowth / (1.0 - momentum)), steps_(steps) {}

void DivergenceMonitor::check(PetscInt i, Vec w_i, Vec w_prev) {
  // ‖w_i − w_{i−1}‖² and ‖w_i‖² in one pass and one allreduce: the same on every rank.
  PetscInt n = 0;
  HP_CALL(VecGetLocalSize(w_i, &n));
  const PetscScalar* a = nullptr;
  const PetscScalar* b = nullptr;
  HP_CALL(VecGetArrayRead(w_i, &a));
  HP_CALL(VecGetArrayRead(w_prev, &b));
  double sums[2] = {0, 0};
  for (PetscInt k = 0; k < n; ++k) {
    const double diff = a[k] - b[k];
    sums[0] += diff * diff;
    sums[1] += a[k] * a[k];
  }
  HP_CALL(VecRestoreArrayRead(w_prev, &b));
  HP_CALL(VecRestoreArrayRead(w_i, &a));
  MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM,
                PetscObjectComm(reinterpret_cast<PetscObject>(w_i)));
  const double step = std::sqrt(sums[0]), norm = std::sqrt(sums[1]);
  if (i == 1) first_step_ = step;
  const bool finite = std::isfinite(step) && std::isfinite(norm);
  if (finite && (step <= growth_limit_ * first_step_ || step <= kRoundingLevel * norm)) return;
  std::ostringstream os;
  os << "inner.solver " << solver_ << ": the iterates diverge (";
  if (finite)
    os << "at step " << i << " of " << steps_ << " the step ‖w_" << i << " − w_" << i - 1
       << "‖ = " << step << " is " << step / first_step_ << " times the first step's";
  else
    os << "‖w_" << i << "‖ is not finite at step " << i << " of " << steps_;
  os << "); the map is not contractive for this inner.step_size: lower inner.step_size or use "
        "inner.step_size: auto";
  throw UserError(os.str());
}

}  // namespace hp
