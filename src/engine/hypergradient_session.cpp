#include "hyperpetsc/engine/hypergradient_session.hpp"

#include <mpi.h>
#include <sys/resource.h>

#include <cmath>

#include "hyperpetsc/engine/lambda_file.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"

namespace hp {

HypergradientSession::HypergradientSession(MPI_Comm comm, Settings settings, SessionOptions options)
    : settings_(std::move(settings)) {
  inner_ = make_inner_solver(settings_.inner);
  const double t0 = MPI_Wtime();
  problem_ = make_problem(comm, settings_.problem, settings_.hyperparameters, ProblemBuildOptions{options.refit});
  const double t1 = MPI_Wtime();
  seconds_load_ = t1 - t0;
  lambda_ = problem_->create_outer_vector();
  const HyperparameterSettings& hyper = settings_.hyperparameters;
  if (hyper.init_file.empty()) {
    HP_CALL(VecSet(lambda_, hyper.init));
  } else {
    PetscInt n = 0;
    HP_CALL(VecGetSize(lambda_, &n));
    problem_->scatter_outer(read_lambda_file(comm, hyper.init_file, n, hyper.lower, hyper.upper), lambda_);
  }
  w_ = problem_->create_inner_vector();
  v_ = problem_->create_inner_vector();
  step_selector_ = std::make_unique<StepSizeSelector>(*problem_);
  step_size_ = step_selector_->configure(settings_.inner, lambda_, w_).step_size;
  seconds_setup_ = MPI_Wtime() - t1;
}

void HypergradientSession::refresh_step_size() {
  const double t0 = MPI_Wtime();
  step_size_ = step_selector_->configure(settings_.inner, lambda_, w_).step_size;
  seconds_setup_ += MPI_Wtime() - t0;
}

HypergradientResult HypergradientSession::compute(HypergradientMethod& method, WarmStart warm, PetscInt outer_step) {
  if (!warm.inner) HP_CALL(VecSet(w_, 0.0));
  if (!warm.adjoint) HP_CALL(VecSet(v_, 0.0));
  HypergradientRequest req;
  req.lambda = lambda_;
  req.w = w_;
  req.adjoint = v_;
  req.t = settings_.inner.iterations;
  req.k = settings_.hypergradient.iterations;
  req.tol = settings_.hypergradient.tol.at(outer_step);
  req.inner_tol = settings_.inner.tol.at(outer_step);
  req.checkpoints = settings_.hypergradient.checkpoints;
  HypergradientResult r = method.compute(*problem_, *inner_, req);
  double norm = 0;
  HP_CALL(VecNorm(r.hypergradient, NORM_2, &norm));
  if (!std::isfinite(norm) || !std::isfinite(r.outer_objective))
    throw UserError("hypergradient.method " + method.name() +
                    ": the hypergradient is not finite (NaN or Inf); the map is probably not "
                    "contractive: lower inner.step_size or use inner.step_size: auto");
  return r;
}

std::vector<double> HypergradientSession::gather_outer_on_zero(Vec v) const {
  return problem_->gather_outer(v, GatherTo::rank_zero);
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
