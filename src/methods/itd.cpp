// ITD (reverse mode through the inner iterations) and truncated ITD (last K steps only).
//
// Forward: w_{i+1} = Φ(w_i) + β(w_i − w_{i−1}) (β = 0 for gradient descent), storing w_i.
// Reverse, with a_i = d E(w_t)/d w_i:
//   a_t = ∇_wE(w_t);  g = ∇_λE + Σ_i ∂_λΦ(w_i)ᵀ a_{i+1};
//   a_i = ∂_wΦ(w_i)ᵀ a_{i+1} + β a_{i+1} − β a_{i+2}.
// Memory: the t + 1 iterates, t·dim(w) doubles; or, with N checkpoints, N states (2N
// vectors with momentum) and the reverse sweep recomputes the other iterates on the
// binomial schedule (binomial_checkpoints.hpp).
#include <mpi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "hyperpetsc/methods/binomial_checkpoints.hpp"
#include "hyperpetsc/methods/itd_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

namespace {

// The adjoint recursion above, one step i at a time, i = t−1 down to `last` (t − K).
class BackwardSweep {
 public:
  BackwardSweep(BilevelProblem& problem, Vec lambda, double beta, PetscInt last, Vec g)
      : problem_(problem), lambda_(lambda), beta_(beta), last_(last), g_(g) {
    a1_ = problem.create_inner_vector();
    a2_ = problem.create_inner_vector();
    a0_ = problem.create_inner_vector();
    contribution_ = problem.create_outer_vector();
    next_ = a1_;
    after_ = a2_;
    spare_ = a0_;
  }
  Vec adjoint_at_t() { return next_; }  // fill with ∇_wE(w_t) before the first step

  // Step i, with w_i at x and its captured linearisation (nullptr: recompute it).
  void step(PetscInt i, Vec x, const double* saved) {
    problem_.restore_linearization(x, lambda_, saved);
    problem_.map_vjp_outer(next_, contribution_);
    HP_CALL(VecAXPY(g_, 1.0, contribution_));
    if (i == last_ || i == 0) return;  // a_i no longer needed
    problem_.map_vjp_inner(next_, spare_);
    if (beta_ != 0.0) HP_CALL(VecAXPBYPCZ(spare_, beta_, -beta_, 1.0, next_, after_));
    Vec old_after = after_;
    after_ = next_;
    next_ = spare_;
    spare_ = old_after;
  }

 private:
  BilevelProblem& problem_;
  Vec lambda_;
  double beta_;
  PetscInt last_;
  Vec g_;
  Vector a0_, a1_, a2_, contribution_;
  Vec next_ = nullptr, after_ = nullptr, spare_ = nullptr;  // a_{i+1}, a_{i+2}, scratch
};

// Recomputes iterates from the trajectory's stored states (the same recursion as
// InnerSolver::run, β the inner solver's momentum) and stores new states.
class Recomputation {
 public:
  Recomputation(BilevelProblem& problem, Vec lambda, double beta, Trajectory& trajectory)
      : problem_(problem), lambda_(lambda), beta_(beta), traj_(trajectory) {
    for (auto& v : work_) v = problem.create_inner_vector();
  }
  PetscInt steps() const { return steps_; }

  // w_q from the state w_a stored in `slot` (q ≥ a); valid until the next call.
  Vec advance(size_t slot, PetscInt a, PetscInt q) {
    if (q == a) return traj_.state(slot);
    cur_ = work_[0];
    prev_ = work_[1];
    Vec next = work_[2];
    HP_CALL(VecCopy(traj_.state(slot), cur_));
    if (beta_ != 0.0) HP_CALL(VecCopy(traj_.previous(slot), prev_));
    for (PetscInt i = a; i < q; ++i) {
      problem_.apply_map(cur_, lambda_, next);
      if (beta_ != 0.0 && i > 0) HP_CALL(VecAXPBYPCZ(next, beta_, -beta_, 1.0, cur_, prev_));
      Vec old_prev = prev_;
      prev_ = cur_;
      cur_ = next;
      next = old_prev;
      ++steps_;
    }
    return cur_;
  }
  // Stores the state the last advance reached (q > a) in `slot`.
  void store(size_t slot) {
    HP_CALL(VecCopy(cur_, traj_.state(slot)));
    if (beta_ != 0.0) HP_CALL(VecCopy(prev_, traj_.previous(slot)));
  }

 private:
  BilevelProblem& problem_;
  Vec lambda_;
  double beta_;
  Trajectory& traj_;
  Vector work_[3];
  Vec cur_ = nullptr, prev_ = nullptr;
  PetscInt steps_ = 0;
};

// Steps [a, b) to reverse from the state at a, held in `slot`; N − slot states are free
// for them (the slot included).
struct Segment {
  PetscInt a, b;
  size_t slot;
};

// The reverse sweep of checkpointed ITD after step t − 1: the segments between the states
// the forward pass stored, right to left, each on the binomial schedule. Returns the
// forward steps recomputed.
PetscInt sweep_checkpointed(Trajectory& traj, PetscInt t, size_t N, Recomputation& rec, BackwardSweep& back) {
  std::vector<Segment> segments;
  segments.reserve(N + 2);  // pending segments hold distinct slots: no allocation below
  for (size_t j = 0; j < traj.stored; ++j) {
    const PetscInt b = j + 1 < traj.stored ? traj.snapshot_steps[j + 1] : t - 1;
    segments.push_back({traj.snapshot_steps[j], b, j});  // the last one is reversed first
  }
  while (!segments.empty()) {
    const Segment s = segments.back();
    segments.pop_back();
    if (s.b <= s.a) continue;
    const size_t free_states = N - s.slot;
    if (s.b - s.a == 1 || free_states == 1) {
      for (PetscInt i = s.b - 1; i >= s.a; --i) back.step(i, rec.advance(s.slot, s.a, i), nullptr);
      continue;
    }
    const auto m = static_cast<PetscInt>(
        binomial_split(static_cast<std::uint64_t>(s.b - s.a), static_cast<std::uint64_t>(free_states)));
    rec.advance(s.slot, s.a, s.a + m);
    rec.store(s.slot + 1);
    segments.push_back({s.a, s.a + m, s.slot});
    segments.push_back({s.a + m, s.b, s.slot + 1});
  }
  return rec.steps();
}

}  // namespace

HypergradientResult ItdMethod::compute(BilevelProblem& problem, const InnerSolver& inner,
                                       const HypergradientRequest& req) {
  HypergradientResult res;
  const double beta = inner.momentum();
  // Checkpointing: plan the stored states for the largest t (the stopping rule of
  // inner.tol may end the forward pass earlier; the reverse sweep then works from the
  // planned states it reached, still exact). N at least the steps reversed stores all.
  const PetscInt first_reversed = truncated_ ? req.t - std::min(req.k, req.t) : 0;
  const bool checkpointed = req.checkpoints > 0 && req.checkpoints < req.t - first_reversed;
  if (checkpointed && truncated_ && req.inner_tol > 0)
    throw UserError(
        "hypergradient.checkpoints: truncated_itd with inner.tol > 0 cannot checkpoint, because the K "
        "steps it reverses are the last ones before the stopping rule ends the forward pass, unknown "
        "until then; set inner.tol: 0, or hypergradient.checkpoints: 0 to store every iterate");
  trajectory_.snapshot_steps.clear();
  trajectory_.snapshot_slots = 0;
  if (checkpointed) {
    trajectory_.snapshot_steps = binomial_forward_snapshots(first_reversed, req.t, req.checkpoints);
    trajectory_.snapshot_slots = static_cast<size_t>(req.checkpoints);
  }
  trajectory_.with_previous = beta != 0.0;

  const double t0 = MPI_Wtime();
  const PetscInt t = inner.run(problem, req.lambda, req.w, req.t, &trajectory_, req.inner_tol);
  res.t = t;
  const double t1 = MPI_Wtime();
  res.seconds_trajectory = trajectory_.seconds_allocating;
  res.seconds_inner = t1 - t0 - res.seconds_trajectory;

  const PetscInt K = truncated_ ? std::min(req.k, t) : t;
  res.outer_objective = problem.outer_objective(req.w, req.lambda);
  res.hypergradient = problem.create_outer_vector();
  problem.outer_gradient_outer(req.w, req.lambda, res.hypergradient);
  BackwardSweep back(problem, req.lambda, beta, t - K, res.hypergradient);
  problem.outer_gradient_inner(req.w, req.lambda, back.adjoint_at_t());  // a_t

  LogScope scope(log_events().itd_backward);
  if (K > 0 && !checkpointed) {
    const bool captured = !trajectory_.linearizations.empty();
    for (PetscInt i = t - 1; i >= t - K; --i) {
      const auto ui = static_cast<size_t>(i);
      back.step(i, trajectory_.w[ui], captured ? trajectory_.linearizations[ui] : nullptr);
    }
  } else if (K > 0) {
    back.step(t - 1, trajectory_.last(), nullptr);  // w_{t−1}, kept by the forward pass
    Recomputation rec(problem, req.lambda, beta, trajectory_);
    res.recomputed_steps =
        sweep_checkpointed(trajectory_, t, static_cast<size_t>(req.checkpoints), rec, back);
  }
  res.k = K;
  res.linear_solver_iterations = 0;
  res.converged_reason = "ITERATIONS";
  res.seconds_adjoint = MPI_Wtime() - t1;
  return res;
}

}  // namespace hp
