#include "hyperpetsc/outer/outer_loop.hpp"

#include <mpi.h>

#include "hyperpetsc/outer/outer_optimizer.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

void lambda_statistics(Vec lambda, OuterStepRecord& r) {
  PetscInt n = 0;
  double sum = 0;
  HP_CALL(VecGetSize(lambda, &n));
  HP_CALL(VecMin(lambda, nullptr, &r.lambda_min));
  HP_CALL(VecMax(lambda, nullptr, &r.lambda_max));
  HP_CALL(VecSum(lambda, &sum));
  r.lambda_mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace

OuterRunResult run_outer_loop(HypergradientSession& session, const OuterSettings& outer,
                              const std::function<void(const OuterStepRecord&)>& on_step) {
  const Settings& s = session.settings();
  MPI_Comm comm = session.problem().comm();
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  auto method = make_method(s.hypergradient.method);
  auto optimizer = make_outer_optimizer(outer, session.lambda(), s.hyperparameters.lower, s.hyperparameters.upper);
  OuterRunResult result;
  const double start = MPI_Wtime();
  PetscInt since_best = 0;
  for (PetscInt step = 0;; ++step) {
    if (step > 0) session.refresh_step_size();  // λ moved: the step must stay contractive
    const WarmStart warm{step > 0 && s.inner.warm_start, step > 0 && s.hypergradient.warm_start};
    const HypergradientResult r = session.compute(*method, warm);
    OuterStepRecord rec;
    rec.step = step;
    rec.val_loss = r.outer_objective;
    HP_CALL(VecNorm(r.hypergradient, NORM_2, &rec.hypergradient_norm));
    rec.inner_iterations = r.t;
    rec.solver_iterations = r.linear_solver_iterations;
    lambda_statistics(session.lambda(), rec);
    rec.seconds = MPI_Wtime() - start;
    MPI_Bcast(&rec.seconds, 1, MPI_DOUBLE, 0, comm);  // the coordinator's clock decides
    if (step == 0 || rec.val_loss < result.best.val_loss) {
      result.best = rec;
      since_best = 0;
    } else {
      ++since_best;
    }
    result.final = rec;
    on_step(rec);
    if (step >= outer.iterations) {
      result.stop_reason = "iterations";
    } else if (outer.tol > 0 && rec.hypergradient_norm <= outer.tol) {
      result.stop_reason = "tol";
    } else if (outer.patience > 0 && since_best >= outer.patience) {
      result.stop_reason = "patience";
    } else if (outer.max_seconds > 0 && rec.seconds >= outer.max_seconds) {
      result.stop_reason = "max_seconds";
    }
    if (!result.stop_reason.empty()) break;
    optimizer->step(session.lambda(), r.hypergradient);
    result.steps = step + 1;
  }
  result.seconds = result.final.seconds;
  return result;
}

}  // namespace hp
