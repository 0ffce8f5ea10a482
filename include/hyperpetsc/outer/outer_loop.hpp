// The outer loop: hypergradient descent on λ through a HypergradientSession, with warm
// starts across steps, the inexactness schedules of `inner.tol` / `hypergradient.tol`, and
// the stopping rules of `outer`. Every rank runs it; decisions that depend on one rank's
// clock (max_seconds) are taken by the coordinator (rank 0) and broadcast, the rest depend
// only on reduced values and agree by construction.
//
// A step s evaluates λ_s (step 0: the initial λ): one hypergradient plus the train,
// validation and test metrics, then the optimiser moves λ. Its whole state between steps
// (λ, w_t, v_k, the optimiser's vectors and scalars, the best record, the clock) can be
// taken as an OuterSnapshot and restored, so a checkpointed run resumes exactly.
#pragma once
#include <petscsys.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hyperpetsc/engine/hypergradient_session.hpp"
#include "hyperpetsc/outer/outer_optimizer.hpp"
#include "hyperpetsc/outer/outer_settings.hpp"

namespace hp {

struct OuterStepRecord {
  PetscInt step = 0;                // 0: the initial λ, before any update
  double seconds = 0;               // since the run started (coordinator's clock, resumes included)
  std::optional<double> train_loss;  // the training data loss (no penalty)
  double val_loss = 0;              // E(w_t, λ)
  std::optional<double> val_accuracy, test_loss, test_accuracy;  // when they apply
  double hypergradient_norm = 0;
  PetscInt inner_iterations = 0;
  PetscInt solver_iterations = 0;
  double lambda_min = 0, lambda_mean = 0, lambda_max = 0;
};

// The problem's train/val/test metrics into a record (val_loss: E, unchanged if the
// problem does not report the validation split).
void apply_evaluation(const Evaluation& e, OuterStepRecord& r);

struct OuterRunResult {
  std::string stop_reason;  // iterations | max_seconds | patience | tol | signal
  int signal = 0;           // stop_reason signal: the signal's number
  PetscInt steps = 0;       // updates of λ made
  OuterStepRecord best, final;
  double seconds = 0;
  PetscInt inner_iterations = 0, solver_iterations = 0;  // totals over all steps (resumes included)
};

// The loop's state between two steps; vectors in natural order (on rank 0 when taken,
// on every rank when restored).
struct OuterSnapshot {
  PetscInt step = 0;  // the next step to evaluate
  std::map<std::string, double> scalars;
  std::map<std::string, std::vector<double>> vectors;
};

struct OuterHooks {
  // After each evaluation, on every rank.
  std::function<void(const OuterStepRecord&)> on_step = [](const OuterStepRecord&) {};
  // Collective: the number of a signal that asks the run to stop, the same on every rank
  // (0: go on). Polled between steps.
  std::function<int()> stop_signal = [] { return 0; };
  // Collective: called with the loop between steps, every `checkpoint_every` steps and
  // before stopping on a signal; it takes a snapshot() and saves it.
  std::function<void(const OuterSnapshot&)> checkpoint;
  PetscInt checkpoint_every = 0;  // 0: only on a signal
};

class OuterLoop {
 public:
  OuterLoop(HypergradientSession& session, const OuterSettings& outer);
  ~OuterLoop();

  // Continue from a snapshot (collective; its vectors on every rank).
  void restore(const OuterSnapshot& snapshot);
  // The state before step `next_step` (collective; vectors on rank 0).
  OuterSnapshot snapshot() const;

  PetscInt next_step() const { return next_step_; }

  // Runs to a stopping rule (or a signal, after a checkpoint). Collective.
  OuterRunResult run(const OuterHooks& hooks);

 private:
  // Evaluates λ_s; returns whether to stop (result_.stop_reason set).
  bool evaluate(Vec lambda, Vec* gradient, double* objective, const OuterHooks& hooks);

  HypergradientSession& session_;
  OuterSettings outer_;
  std::unique_ptr<HypergradientMethod> method_;
  std::unique_ptr<OuterOptimizer> optimizer_;
  PetscInt next_step_ = 0, first_step_ = 0;
  PetscInt since_best_ = 0;
  double seconds_before_ = 0;  // wall time of earlier processes (resume)
  double start_ = 0;           // MPI_Wtime at run()
  bool have_best_ = false;
  OuterRunResult result_;
  HypergradientResult last_;   // the hypergradient of the latest evaluation
};

}  // namespace hp
