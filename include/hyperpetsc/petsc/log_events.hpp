// PETSc log events for HyperPETSc's own kernels, so -log_view shows where time goes.
#pragma once
#include <petsclog.h>

namespace hp {

struct LogEvents {
  PetscLogEvent scores, back, fused_step, cg_update, loss, curvature, penalty, inner_step, adjoint, itd_backward, step_size;
};

// Registered on first use (collective the first time: call after PetscInitialize).
const LogEvents& log_events();

// Log stages for the phases of an outer step (-log_view prints one table per stage):
// the hypergradient, the train/val/test metrics, the coordinator's bookkeeping (files,
// store, progress), checkpoints and the optimiser's update.
struct LogStages {
  PetscLogStage hypergradient, metrics, coordinator, checkpoint, update;
};
const LogStages& log_stages();

// RAII push/pop of one stage.
class StageScope {
 public:
  explicit StageScope(PetscLogStage s) { PetscLogStagePush(s); }
  ~StageScope() { PetscLogStagePop(); }
  StageScope(const StageScope&) = delete;
  StageScope& operator=(const StageScope&) = delete;
};

// RAII begin/end of one event.
class LogScope {
 public:
  explicit LogScope(PetscLogEvent e) : e_(e) { PetscLogEventBegin(e_, 0, 0, 0, 0); }
  ~LogScope() { PetscLogEventEnd(e_, 0, 0, 0, 0); }
  LogScope(const LogScope&) = delete;
  LogScope& operator=(const LogScope&) = delete;

 private:
  PetscLogEvent e_;
};

}  // namespace hp
