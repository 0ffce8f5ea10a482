#include "hyperpetsc/inner/inner_solver.hpp"

#include <cmath>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

void InnerSolver::run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t,
                      Trajectory* trajectory) const {
  LogScope scope(log_events().inner_step);
  const double beta = momentum_;
  if (trajectory) {
    // Iterate straight into the stored trajectory: no copies per step.
    auto& ws = trajectory->w;
    ws.clear();
    trajectory->linearizations.clear();
    ws.reserve(static_cast<size_t>(t) + 1);
    ws.emplace_back();
    HP_CALL(VecDuplicate(w, ws.back().out()));
    HP_CALL(VecCopy(w, ws.back()));
    for (PetscInt i = 0; i < t; ++i) {
      Vector next;
      HP_CALL(VecDuplicate(w, next.out()));
      Vec cur = ws[i];
      problem.apply_map(cur, lambda, next);
      trajectory->linearizations.push_back(problem.capture_linearization());
      // w_{−1} = w_0: no momentum term on the first step.
      if (beta != 0.0 && i > 0) HP_CALL(VecAXPBYPCZ(next, beta, -beta, 1.0, cur, ws[i - 1]));
      ws.push_back(std::move(next));
    }
    HP_CALL(VecCopy(ws.back(), w));
  } else {
    // Rotate three buffers (current, previous, next) by handle, not by copying data.
    Vector b1, b2;
    HP_CALL(VecDuplicate(w, b1.out()));
    HP_CALL(VecDuplicate(w, b2.out()));
    Vec cur = w, next = b1, prev = b2;
    for (PetscInt i = 0; i < t; ++i) {
      problem.apply_map(cur, lambda, next);
      if (beta != 0.0 && i > 0) HP_CALL(VecAXPBYPCZ(next, beta, -beta, 1.0, cur, prev));
      Vec old_prev = prev;
      prev = cur;
      cur = next;
      next = old_prev;
    }
    if (cur != w) HP_CALL(VecCopy(cur, w));
  }
  double norm = 0;
  HP_CALL(VecNorm(w, NORM_2, &norm));
  if (!std::isfinite(norm)) {
    std::ostringstream os;
    os << "inner." << "solver " << name_ << ": the iterates diverged (‖w_t‖ = " << norm
       << " after " << t << " steps); the map is not contractive for this inner.step_size: "
       << "use a smaller step or inner.step_size: auto";
    throw UserError(os.str());
  }
}

InnerSolver make_inner_solver(const InnerSettings& inner) {
  if (inner.solver == "gradient_descent") return InnerSolver("gradient_descent", 0.0);
  if (inner.solver == "heavy_ball") return InnerSolver("heavy_ball", inner.momentum);
  throw UserError("inner.solver: unknown solver '" + inner.solver +
                  "'; choose gradient_descent | heavy_ball");
}

}  // namespace hp
