#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

const LogEvents& log_events() {
  static const LogEvents events = [] {
    LogEvents e{};
    PetscClassId id = 0;
    PetscClassIdRegister("HyperPETSc", &id);
    PetscLogEventRegister("HpXTimesW", id, &e.scores);
    PetscLogEventRegister("HpXtTimesR", id, &e.back);
    PetscLogEventRegister("HpFusedStep", id, &e.fused_step);  // a gradient step + the next X·W
    PetscLogEventRegister("HpCGUpdate", id, &e.cg_update);    // cgfused's x, r, ‖r‖² pass
    PetscLogEventRegister("HpLossGrad", id, &e.loss);
    PetscLogEventRegister("HpLossHessVec", id, &e.curvature);
    PetscLogEventRegister("HpPenaltyStep", id, &e.penalty);
    PetscLogEventRegister("HpInnerSolve", id, &e.inner_step);
    PetscLogEventRegister("HpAdjointSolve", id, &e.adjoint);
    PetscLogEventRegister("HpItdBackward", id, &e.itd_backward);
    PetscLogEventRegister("HpStepSize", id, &e.step_size);
    return e;
  }();
  return events;
}

const LogStages& log_stages() {
  static const LogStages stages = [] {
    LogStages s{};
    PetscLogStageRegister("Outer: hypergradient", &s.hypergradient);
    PetscLogStageRegister("Outer: metrics", &s.metrics);
    PetscLogStageRegister("Outer: coordinator", &s.coordinator);
    PetscLogStageRegister("Outer: checkpoint", &s.checkpoint);
    PetscLogStageRegister("Outer: update", &s.update);
    return s;
  }();
  return stages;
}

}  // namespace hp
