// What every command needs: settings, the loaded problem, the inner solver, λ at its
// initial value and the resolved step size. Built collectively on PETSC_COMM_WORLD.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/config/settings.hpp"
#include "hyperpetsc/inner/inner_solver.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {

struct Experiment {
  Settings settings;
  std::unique_ptr<BilevelProblem> problem;
  InnerSolver inner{"gradient_descent", 0.0};
  Vector lambda;
  double step_size = 0.0;
  double seconds_load = 0.0;
};

// `check_methods`: validated before any data is read, so a typo fails fast.
Experiment setup_experiment(MPI_Comm comm, const Settings& settings,
                            const std::vector<std::string>& check_methods);

// One hypergradient from w_0 = 0, v_0 = 0 with the given method.
HypergradientResult run_method(Experiment& ex, HypergradientMethod& method);

// A λ-space vector on rank 0 (empty elsewhere), in the natural feature order.
std::vector<double> gather_outer_on_zero(const Experiment& ex, Vec v);

// Peak resident memory: {sum over ranks, max over ranks}, in bytes.
std::pair<double, double> peak_memory_bytes(MPI_Comm comm);

}  // namespace hp
