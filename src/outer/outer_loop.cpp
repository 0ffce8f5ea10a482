#include "hyperpetsc/outer/outer_loop.hpp"

#include <mpi.h>

#include <cmath>
#include <limits>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

namespace {

void lambda_statistics(Vec lambda, OuterStepRecord& r) {
  PetscInt n = 0;
  double sum = 0;
  HP_CALL(VecGetSize(lambda, &n));
  HP_CALL(VecMin(lambda, nullptr, &r.lambda_min));
  HP_CALL(VecMax(lambda, nullptr, &r.lambda_max));
  HP_CALL(VecSum(lambda, &sum));
  r.lambda_mean = n > 0 ? sum / static_cast<double>(n) : 0.0;
}

// A record as snapshot scalars ("best.val_loss", ...); NaN stands for "does not apply".
void put_record(std::map<std::string, double>& m, const std::string& prefix, const OuterStepRecord& r) {
  const double none = std::numeric_limits<double>::quiet_NaN();
  m[prefix + "step"] = static_cast<double>(r.step);
  m[prefix + "seconds"] = r.seconds;
  m[prefix + "train_loss"] = r.train_loss.value_or(none);
  m[prefix + "val_loss"] = r.val_loss;
  m[prefix + "val_accuracy"] = r.val_accuracy.value_or(none);
  m[prefix + "test_loss"] = r.test_loss.value_or(none);
  m[prefix + "test_accuracy"] = r.test_accuracy.value_or(none);
  m[prefix + "hypergradient_norm"] = r.hypergradient_norm;
  m[prefix + "inner_iterations"] = static_cast<double>(r.inner_iterations);
  m[prefix + "solver_iterations"] = static_cast<double>(r.solver_iterations);
  m[prefix + "lambda_min"] = r.lambda_min;
  m[prefix + "lambda_mean"] = r.lambda_mean;
  m[prefix + "lambda_max"] = r.lambda_max;
}

OuterStepRecord get_record(const std::map<std::string, double>& m, const std::string& prefix) {
  auto get = [&](const char* k) {
    auto it = m.find(prefix + k);
    return it == m.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
  };
  auto opt = [&](const char* k) {
    const double v = get(k);
    return std::isnan(v) ? std::optional<double>() : std::optional<double>(v);
  };
  OuterStepRecord r;
  r.step = static_cast<PetscInt>(get("step"));
  r.seconds = get("seconds");
  r.train_loss = opt("train_loss");
  r.val_loss = get("val_loss");
  r.val_accuracy = opt("val_accuracy");
  r.test_loss = opt("test_loss");
  r.test_accuracy = opt("test_accuracy");
  r.hypergradient_norm = get("hypergradient_norm");
  r.inner_iterations = static_cast<PetscInt>(get("inner_iterations"));
  r.solver_iterations = static_cast<PetscInt>(get("solver_iterations"));
  r.lambda_min = get("lambda_min");
  r.lambda_mean = get("lambda_mean");
  r.lambda_max = get("lambda_max");
  return r;
}

}  // namespace

void apply_evaluation(const Evaluation& e, OuterStepRecord& r) {
  if (e.train) r.train_loss = e.train->loss;
  if (e.val) {
    r.val_loss = e.val->loss;
    r.val_accuracy = e.val->accuracy;
  }
  if (e.test) {
    r.test_loss = e.test->loss;
    r.test_accuracy = e.test->accuracy;
  }
}

OuterLoop::OuterLoop(HypergradientSession& session, const OuterSettings& outer)
    : session_(session), outer_(outer) {
  const Settings& s = session.settings();
  method_ = make_method(s.hypergradient.method);
  optimizer_ = make_outer_optimizer(outer, session.lambda(), s.hyperparameters.lower, s.hyperparameters.upper);
}

OuterLoop::~OuterLoop() = default;

OuterSnapshot OuterLoop::snapshot() const {
  OuterSnapshot snap;
  snap.step = next_step_;
  auto& sc = snap.scalars;
  sc["seconds"] = seconds_before_ + (start_ > 0 ? MPI_Wtime() - start_ : 0.0);
  MPI_Bcast(&sc["seconds"], 1, MPI_DOUBLE, 0, session_.problem().comm());
  sc["since_best"] = static_cast<double>(since_best_);
  sc["have_best"] = have_best_ ? 1.0 : 0.0;
  sc["inner_iterations_total"] = static_cast<double>(result_.inner_iterations);
  sc["solver_iterations_total"] = static_cast<double>(result_.solver_iterations);
  if (have_best_) put_record(sc, "best.", result_.best);
  for (const auto& [k, v] : optimizer_->state_scalars()) sc["optimizer." + k] = v;
  BilevelProblem& p = session_.problem();
  snap.vectors["lambda"] = p.gather_outer(session_.lambda(), GatherTo::rank_zero);
  snap.vectors["w"] = p.gather_inner(session_.w(), GatherTo::rank_zero);
  snap.vectors["adjoint"] = p.gather_inner(session_.adjoint(), GatherTo::rank_zero);
  for (const auto& [name, v] : optimizer_->state_vectors())
    snap.vectors["optimizer." + name] = p.gather_outer(v, GatherTo::rank_zero);
  return snap;
}

void OuterLoop::restore(const OuterSnapshot& snap) {
  BilevelProblem& p = session_.problem();
  auto vec = [&](const std::string& name) -> const std::vector<double>& {
    auto it = snap.vectors.find(name);
    if (it == snap.vectors.end())
      throw UserError("the checkpoint has no vector " + name + "; it is damaged or from another version: "
                      "run without --resume in a fresh run.dir");
    return it->second;
  };
  auto scalar = [&](const std::string& name) {
    auto it = snap.scalars.find(name);
    return it == snap.scalars.end() ? 0.0 : it->second;
  };
  p.scatter_outer(vec("lambda"), session_.lambda());
  p.scatter_inner(vec("w"), session_.w());
  p.scatter_inner(vec("adjoint"), session_.adjoint());
  for (const auto& [name, v] : optimizer_->state_vectors()) p.scatter_outer(vec("optimizer." + name), v);
  std::map<std::string, double> opt;
  for (const auto& [k, v] : snap.scalars)
    if (k.rfind("optimizer.", 0) == 0) opt[k.substr(10)] = v;
  optimizer_->restore_scalars(opt);
  next_step_ = first_step_ = snap.step;
  seconds_before_ = scalar("seconds");
  since_best_ = static_cast<PetscInt>(scalar("since_best"));
  have_best_ = scalar("have_best") != 0;
  result_.inner_iterations = static_cast<PetscInt>(scalar("inner_iterations_total"));
  result_.solver_iterations = static_cast<PetscInt>(scalar("solver_iterations_total"));
  if (have_best_) result_.best = get_record(snap.scalars, "best.");
}

bool OuterLoop::evaluate(Vec lambda, Vec* gradient, double* objective, const OuterHooks& hooks) {
  const PetscInt step = next_step_;
  MPI_Comm comm = session_.problem().comm();
  if (lambda != session_.lambda()) HP_CALL(VecCopy(lambda, session_.lambda()));
  if (step > first_step_) {  // λ moved since the last evaluation (or the restored state)
    if (const int sig = hooks.stop_signal()) {
      StageScope stage(log_stages().checkpoint);
      if (hooks.checkpoint) hooks.checkpoint(snapshot());
      result_.stop_reason = "signal";
      result_.signal = sig;
      return true;
    }
    if (hooks.checkpoint && hooks.checkpoint_every > 0 && step % hooks.checkpoint_every == 0) {
      StageScope stage(log_stages().checkpoint);
      hooks.checkpoint(snapshot());
    }
  }
  const Settings& s = session_.settings();
  // Warm starts from the previous step (or from the restored w and v after a resume).
  const bool later = step > 0;
  {
    StageScope stage(log_stages().hypergradient);
    session_.refresh_step_size();  // λ moved: the step must stay contractive (cached otherwise)
    const WarmStart warm{later && s.inner.warm_start, later && s.hypergradient.warm_start};
    last_ = session_.compute(*method_, warm, step);
  }
  OuterStepRecord rec;
  rec.step = step;
  rec.val_loss = last_.outer_objective;
  {
    StageScope stage(log_stages().metrics);
    apply_evaluation(session_.problem().evaluate(session_.w(), session_.lambda()), rec);
  }
  HP_CALL(VecNorm(last_.hypergradient, NORM_2, &rec.hypergradient_norm));
  rec.inner_iterations = last_.t;
  rec.solver_iterations = last_.linear_solver_iterations;
  result_.inner_iterations += last_.t;
  result_.solver_iterations += last_.linear_solver_iterations;
  lambda_statistics(session_.lambda(), rec);
  rec.seconds = seconds_before_ + (MPI_Wtime() - start_);
  MPI_Bcast(&rec.seconds, 1, MPI_DOUBLE, 0, comm);  // the coordinator's clock decides
  if (!have_best_ || rec.val_loss < result_.best.val_loss) {
    result_.best = rec;
    have_best_ = true;
    since_best_ = 0;
  } else {
    ++since_best_;
  }
  result_.final = rec;
  {
    StageScope stage(log_stages().coordinator);
    hooks.on_step(rec);
  }
  next_step_ = step + 1;
  *gradient = last_.hypergradient;
  *objective = rec.val_loss;
  if (step >= outer_.iterations) {
    result_.stop_reason = "iterations";
  } else if (outer_.tol > 0 && rec.hypergradient_norm <= outer_.tol) {
    result_.stop_reason = "tol";
  } else if (outer_.patience > 0 && since_best_ >= outer_.patience) {
    result_.stop_reason = "patience";
  } else if (outer_.max_seconds > 0 && rec.seconds >= outer_.max_seconds) {
    result_.stop_reason = "max_seconds";
  }
  return !result_.stop_reason.empty();
}

OuterRunResult OuterLoop::run(const OuterHooks& hooks) {
  start_ = MPI_Wtime();  // each rank's own clock; only the coordinator's readings are used
  result_.stop_reason.clear();
  optimizer_->solve(session_.lambda(), [&](Vec lambda, double* f, Vec* g) { return evaluate(lambda, g, f, hooks); });
  if (result_.stop_reason.empty()) result_.stop_reason = optimizer_->stop_reason();
  // Updates made: every evaluation but the last moved λ (a signal stops before evaluating).
  result_.steps = result_.stop_reason == "signal" ? next_step_ : next_step_ - 1;
  result_.seconds = seconds_before_ + (MPI_Wtime() - start_);
  MPI_Bcast(&result_.seconds, 1, MPI_DOUBLE, 0, session_.problem().comm());
  return result_;
}

}  // namespace hp
