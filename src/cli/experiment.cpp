#include "hyperpetsc/cli/experiment.hpp"

#include <mpi.h>
#include <sys/resource.h>

#include <cmath>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/gather.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"

namespace hp {

Experiment setup_experiment(MPI_Comm comm, const Settings& settings,
                            const std::vector<std::string>& check_methods) {
  Experiment ex;
  ex.settings = settings;
  for (const auto& m : check_methods) (void)make_method(m);
  ex.inner = make_inner_solver(settings.inner);
  const double t0 = MPI_Wtime();
  ex.problem = make_problem(comm, settings);
  ex.seconds_load = MPI_Wtime() - t0;
  ex.lambda = ex.problem->create_outer_vector();
  HP_CALL(VecSet(ex.lambda, settings.hyperparameters.init));
  Vector w0 = ex.problem->create_inner_vector();
  ex.step_size = configure_step_size(*ex.problem, settings.inner, ex.lambda, w0);
  return ex;
}

HypergradientResult run_method(Experiment& ex, HypergradientMethod& method) {
  Vector w = ex.problem->create_inner_vector();  // w_0 = 0
  HypergradientRequest req;
  req.lambda = ex.lambda;
  req.w = w;
  req.t = ex.settings.inner.iterations;
  req.k = ex.settings.hypergradient.iterations;
  req.tol = ex.settings.hypergradient.tol;
  HypergradientResult r = method.compute(*ex.problem, ex.inner, req);
  double norm = 0;
  HP_CALL(VecNorm(r.hypergradient, NORM_2, &norm));
  if (!std::isfinite(norm) || !std::isfinite(r.outer_objective))
    throw UserError("hypergradient.method " + method.name() +
                    ": the hypergradient is not finite (NaN or Inf); the map is probably not "
                    "contractive: lower inner.step_size or use inner.step_size: auto");
  return r;
}

std::vector<double> gather_outer_on_zero(const Experiment& ex, Vec v) {
  return ex.problem->gather_outer(v, GatherTo::rank_zero);
}

std::pair<double, double> peak_memory_bytes(MPI_Comm comm) {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  double mine = static_cast<double>(u.ru_maxrss) * 1024.0;  // Linux: kilobytes
  double sum = 0, max = 0;
  MPI_Allreduce(&mine, &sum, 1, MPI_DOUBLE, MPI_SUM, comm);
  MPI_Allreduce(&mine, &max, 1, MPI_DOUBLE, MPI_MAX, comm);
  return {sum, max};
}

}  // namespace hp
