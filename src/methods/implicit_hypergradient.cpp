#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

Vector implicit_hypergradient(BilevelProblem& problem, Vec w, Vec lambda, Vec v) {
  Vector g = problem.create_outer_vector();
  Vector direct = problem.create_outer_vector();
  problem.map_vjp_outer(v, g);
  problem.outer_gradient_outer(w, lambda, direct);
  HP_CALL(VecAXPY(g, 1.0, direct));
  return g;
}

}  // namespace hp
