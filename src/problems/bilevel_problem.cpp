// The defaults of BilevelProblem's optional fused products.
#include "hyperpetsc/problems/bilevel_problem.hpp"

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/local_dot.hpp"

namespace hp {

void BilevelProblem::adjoint_apply(Vec x, Vec y) {
  map_vjp_inner(x, y);
  HP_CALL(VecAYPX(y, -1.0, x));  // y = x − ∂_wΦᵀ x
}

double BilevelProblem::adjoint_cg_product(Vec z, double beta, Vec p, Vec q) {
  if (beta == 0.0)
    HP_CALL(VecCopy(z, p));
  else
    HP_CALL(VecAYPX(p, beta, z));
  adjoint_apply(p, q);
  return local_dot(p, q);
}

}  // namespace hp
