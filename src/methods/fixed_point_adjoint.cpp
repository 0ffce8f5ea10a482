// aid_fp / aid_neumann: the adjoint fixed-point iteration v_j = ∂_wΦᵀ v_{j−1} + b.
#include <cmath>
#include <sstream>

#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

class FixedPointAdjoint final : public AdjointSolver {
 public:
  AdjointSolve solve(BilevelProblem& problem, Vec b, Vec v, PetscInt max_iterations,
                     double rtol) override {
    Vector buffer;
    HP_CALL(VecDuplicate(v, buffer.out()));
    double bnorm = 0;
    HP_CALL(VecNorm(b, NORM_2, &bnorm));
    Vec cur = v, next = buffer;
    double step = 0;  // ‖v_j − v_{j−1}‖ = residual of v_{j−1}
    double first = 0;  // ‖v_1 − v_0‖
    AdjointSolve out;
    out.reason = "CONVERGED_ITS";
    for (PetscInt j = 1; j <= max_iterations; ++j) {
      problem.map_vjp_inner(cur, next);
      HP_CALL(VecAXPY(next, 1.0, b));
      out.iterations = j;
      const bool last = j == max_iterations;
      if (rtol > 0 || last || j == 1) {
        HP_CALL(VecAYPX(cur, -1.0, next));  // cur := v_j − v_{j−1} (old iterate not needed)
        HP_CALL(VecNorm(cur, NORM_2, &step));
      }
      if (j == 1) first = step;
      std::swap(cur, next);
      if (rtol > 0 && step <= rtol * bnorm) {
        out.reason = "CONVERGED_RTOL";
        break;
      }
    }
    if (cur != v) HP_CALL(VecCopy(cur, v));
    // For a contraction ‖v_j − v_{j−1}‖ = ‖(∂_wΦᵀ)^{j−1} b‖ ≤ q^{j−1}‖b‖.
    const double limit = problem.jacobian_symmetric() ? first * (1 + 1e-6) : 10 * first;
    if (out.iterations > 0 && (!std::isfinite(step) || step > limit)) {
      std::ostringstream os;
      os << "hypergradient.method: the adjoint fixed-point iteration diverges (‖v_k − v_{k−1}‖ = "
         << step << " > ‖v_1 − v_0‖ = " << first << " after " << out.iterations
         << " iterations): ∂_wΦ at w_t is not a contraction. Lower inner.step_size (or use "
            "auto), or use hypergradient.method: aid_cg (symmetric ∂_wΦ) or aid_gmres";
      throw UserError(os.str());
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<AdjointSolver> make_fixed_point_adjoint() {
  return std::make_unique<FixedPointAdjoint>();
}

}  // namespace hp
