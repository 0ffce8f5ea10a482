// Step-size selection and the contraction check for gradient-step maps.
#include <sstream>

#include "hyperpetsc/inner/inner_solver.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/gradient_step_problem.hpp"

namespace hp {

namespace {
constexpr int kPowerIterations = 30;
}

double configure_step_size(BilevelProblem& problem, const InnerSettings& inner, Vec lambda, Vec w0) {
  auto* gs = dynamic_cast<GradientStepProblem*>(&problem);
  if (!gs) {
    if (inner.step_auto) return 0.0;  // the map carries its own step
    throw UserError("inner.step_size: problem " + problem.name() +
                    " is not a gradient-step map; remove inner.step_size");
  }
  const double beta = inner.solver == "heavy_ball" ? inner.momentum : 0.0;
  if (inner.step_auto) {
    // η = 1/L_max with L_max an upper estimate over all w: always contractive.
    const double lmax = gs->smoothness_bound(lambda, kPowerIterations);
    const double eta = lmax > 0 ? 1.0 / lmax : 1.0;
    gs->set_step_size(eta);
    return eta;
  }
  const double eta = inner.step_size;
  gs->set_step_size(eta);
  // ‖∇²L(w_0)‖ is a lower bound on L_max: a step beyond 2(1+β)/‖∇²L(w_0)‖ cannot contract.
  const double h0 = gs->hessian_norm_at(w0, lambda, kPowerIterations);
  if (eta * h0 >= 2.0 * (1.0 + beta)) {
    std::ostringstream os;
    os << "inner.step_size = " << eta << " makes the map non-contractive: the training "
       << "Hessian has an eigenvalue of about " << h0 << " at w_0, so the step must be below "
       << 2.0 * (1.0 + beta) / h0 << "; lower inner.step_size or use inner.step_size: auto";
    throw UserError(os.str());
  }
  return eta;
}

}  // namespace hp
