// Inner solvers produce w_t from w_0 (AID needs only w_t; ITD differentiates through the
// steps, so it needs a solver whose steps form a recursion it can reverse). The momentum
// fixed-point iteration (gradient descent, heavy ball) is in momentum_iteration.hpp; any
// PETSc TAO method (AID only) in tao_inner_solver.hpp; names in inner_settings.cpp.
#pragma once
#include <petscvec.h>

#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/inner/inner_settings.hpp"
#include "hyperpetsc/inner/step_size.hpp"  // configure_step_size, for existing callers
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {

// What a forward pass keeps for reverse-mode differentiation. Two modes:
//  - keep all (snapshot_steps empty): the iterates w_0..w_t (t + 1 vectors) and the
//    problem's linearisation at w_0..w_{t−1} where it offers one (capture_linearization);
//  - checkpoints (snapshot_steps set by the caller, ItdMethod's binomial schedule): only
//    the states at those steps, a state being w_i, or (w_i, w_{i−1}) with momentum, plus
//    w_{t−1} at the end (`last`). The reverse sweep recomputes the other iterates.
// All vectors live in one anonymous mapping, pre-faulted when it is made (MAP_POPULATE),
// so the forward steps pay no first-touch page faults (they cost ~8 ms per 21 MB on the
// project's machine, and ~50 ms with MADV_HUGEPAGE under direct compaction). The block
// is reused across calls of the same shape (an outer loop keeps its ItdMethod).
// Releases a Trajectory's block (an anonymous mapping of `bytes`).
struct UnmapBlock {
  size_t bytes = 0;
  void operator()(double* p) const;
};

struct Trajectory {
  // Declared before the Vecs so they are destroyed first.
  std::unique_ptr<double[], UnmapBlock> storage;
  std::vector<Vector> w;                 // keep all: w_0..w_t; checkpoints: the state slots
  std::vector<double*> linearizations;   // keep all: t captures (empty if the problem has none)
  size_t linearization_size = 0;         // doubles per capture on this rank
  double seconds_allocating = 0;         // making + pre-faulting the block (0 when reused)

  // Checkpoint mode (input): the steps whose state to store, ascending; empty: keep all.
  std::vector<PetscInt> snapshot_steps;
  size_t snapshot_slots = 0;   // states to make room for (≥ snapshot_steps.size())
  bool with_previous = false;  // a state is (w_i, w_{i−1}): momentum β ≠ 0
  // Checkpoint mode (output of run): how many of snapshot_steps were reached.
  size_t stored = 0;

  bool keeps_all() const { return snapshot_steps.empty(); }
  // Keep all: t + 1 vectors shaped like `layout` and t captures of `linearization_doubles`.
  void allocate(Vec layout, PetscInt t, size_t linearization_doubles);
  // Checkpoint mode: slots for snapshot_slots states and `last`.
  void allocate_snapshots(Vec layout);
  // Checkpoint mode: the stored state of slot j, and its w_{i−1} (with_previous only).
  Vec state(size_t j) const { return w[with_previous ? 2 * j : j]; }
  Vec previous(size_t j) const { return w[2 * j + 1]; }
  Vec last() const { return w.back(); }
  // Checkpoint mode, called by run before step i with cur = w_i, prev = w_{i−1}.
  void remember(PetscInt i, Vec cur, Vec prev);

 private:
  // `vectors` Vecs of layout's shape plus `extra` doubles, reusing the block when equal.
  void make_block(Vec layout, size_t vectors, size_t extra, const std::string& what);
  PetscInt block_n_ = -1;  // the block's shape: local length, vectors, extra doubles
  size_t block_vectors_ = 0, block_extra_ = 0;
};

class InnerSolver {
 public:
  virtual ~InnerSolver() = default;
  // The name in inner_solvers() (messages, JSON).
  virtual const std::string& name() const = 0;
  // β of the recursion w_{i+1} = Φ(w_i) + β(w_i − w_{i−1}) that ITD reverses (0 without
  // momentum, and for solvers that follow no such recursion).
  virtual double momentum() const = 0;

  // At most t iterations from w (in: w_0, out: w_t); returns the iterations taken. With
  // rtol > 0 it stops once ‖∇_wL(w_i)‖ <= rtol·‖∇_wL(0)‖ (for a gradient step, the
  // fixed-point residual ‖Φ(w_i) − w_i‖ relative to ‖Φ(0) − 0‖). The reference is the cold
  // start, not w_0, so a warm start that begins close stops early. With `trajectory`
  // (solvers whose entry is `differentiable` only; others throw), also stores w_0..w_t
  // there. Throws hp::UserError (collectively) when the solve fails or diverges.
  virtual PetscInt run(BilevelProblem& problem, Vec lambda, Vec w, PetscInt t, Trajectory* trajectory,
                       double rtol = 0.0) const = 0;
};

// From `inner.solver` (and the keys it reads); throws hp::UserError for unknown names.
std::unique_ptr<InnerSolver> make_inner_solver(const InnerSettings& inner);

}  // namespace hp
