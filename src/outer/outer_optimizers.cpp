// sgd (heavy-ball momentum) and adam on the distributed λ, projected onto [lower, upper].
// Each step is one pass over this rank's entries: no communication, no allocation.
#include <cmath>

#include "hyperpetsc/outer/outer_optimizer.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/petsc/log_events.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

double project(double v, double lo, double hi) { return std::fmin(hi, std::fmax(lo, v)); }

// buf ← μ·buf + g;  λ ← Π(λ − lr·buf)
class Sgd final : public OuterOptimizer {
 public:
  Sgd(const OuterSettings& s, Vec like, double lo, double hi) : lr_(s.learning_rate), mu_(s.momentum), lo_(lo), hi_(hi) {
    HP_CALL(VecDuplicate(like, buf_.out()));
    HP_CALL(VecSet(buf_, 0.0));
  }
  void step(Vec lambda, Vec g) override {
    PetscInt n = 0;
    HP_CALL(VecGetLocalSize(lambda, &n));
    PetscScalar *l = nullptr, *b = nullptr;
    const PetscScalar* pg = nullptr;
    HP_CALL(VecGetArray(lambda, &l));
    HP_CALL(VecGetArray(buf_, &b));
    HP_CALL(VecGetArrayRead(g, &pg));
    for (PetscInt i = 0; i < n; ++i) {
      b[i] = mu_ * b[i] + pg[i];
      l[i] = project(l[i] - lr_ * b[i], lo_, hi_);
    }
    HP_CALL(VecRestoreArrayRead(g, &pg));
    HP_CALL(VecRestoreArray(buf_, &b));
    HP_CALL(VecRestoreArray(lambda, &l));
  }
  std::vector<std::pair<std::string, Vec>> state_vectors() override { return {{"sgd_momentum", buf_}}; }

 private:
  double lr_, mu_, lo_, hi_;
  Vector buf_;
};

// Kingma & Ba (2015): m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², λ ← Π(λ − lr·m̂/(√v̂ + ε)).
class Adam final : public OuterOptimizer {
 public:
  Adam(const OuterSettings& s, Vec like, double lo, double hi)
      : lr_(s.learning_rate), b1_(s.beta1), b2_(s.beta2), eps_(s.epsilon), lo_(lo), hi_(hi) {
    HP_CALL(VecDuplicate(like, m_.out()));
    HP_CALL(VecDuplicate(like, v_.out()));
    HP_CALL(VecSet(m_, 0.0));
    HP_CALL(VecSet(v_, 0.0));
  }
  void step(Vec lambda, Vec g) override {
    ++t_;
    const double c1 = 1.0 - std::pow(b1_, static_cast<double>(t_));
    const double c2 = 1.0 - std::pow(b2_, static_cast<double>(t_));
    PetscInt n = 0;
    HP_CALL(VecGetLocalSize(lambda, &n));
    PetscScalar *l = nullptr, *m = nullptr, *v = nullptr;
    const PetscScalar* pg = nullptr;
    HP_CALL(VecGetArray(lambda, &l));
    HP_CALL(VecGetArray(m_, &m));
    HP_CALL(VecGetArray(v_, &v));
    HP_CALL(VecGetArrayRead(g, &pg));
    for (PetscInt i = 0; i < n; ++i) {
      m[i] = b1_ * m[i] + (1.0 - b1_) * pg[i];
      v[i] = b2_ * v[i] + (1.0 - b2_) * pg[i] * pg[i];
      l[i] = project(l[i] - lr_ * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps_), lo_, hi_);
    }
    HP_CALL(VecRestoreArrayRead(g, &pg));
    HP_CALL(VecRestoreArray(v_, &v));
    HP_CALL(VecRestoreArray(m_, &m));
    HP_CALL(VecRestoreArray(lambda, &l));
  }
  std::vector<std::pair<std::string, Vec>> state_vectors() override { return {{"adam_m", m_}, {"adam_v", v_}}; }
  std::map<std::string, double> state_scalars() const override { return {{"adam_t", static_cast<double>(t_)}}; }
  void restore_scalars(const std::map<std::string, double>& s) override {
    auto it = s.find("adam_t");
    if (it != s.end()) t_ = static_cast<long>(it->second);
  }

 private:
  double lr_, b1_, b2_, eps_, lo_, hi_;
  long t_ = 0;
  Vector m_, v_;
};

}  // namespace

void OuterOptimizer::solve(Vec lambda, const OuterEvaluation& evaluate) {
  double f = 0;
  Vec g = nullptr;
  while (!evaluate(lambda, &f, &g)) {
    StageScope stage(log_stages().update);
    step(lambda, g);
  }
}

Registry<OuterOptimizerEntry>& outer_optimizers() {
  static Registry<OuterOptimizerEntry> r({
      {"adam", "Adam with bias correction, projected onto hyperparameters.bounds",
       {"learning_rate", "beta1", "beta2", "epsilon"},
       [](const OuterSettings& s, Vec like, double lo, double hi) { return std::make_unique<Adam>(s, like, lo, hi); }},
      {"sgd", "gradient descent with heavy-ball momentum, projected onto hyperparameters.bounds",
       {"learning_rate", "momentum"},
       [](const OuterSettings& s, Vec like, double lo, double hi) { return std::make_unique<Sgd>(s, like, lo, hi); }},
      {"tao", "any PETSc TAO method (-outer_tao_type blmvm | bncg | bqnls | ...; default blmvm) with "
              "hyperparameters.bounds as variable bounds; every (E, ĝ) evaluation TAO asks for is one outer step",
       {}, make_tao_optimizer},
  });
  return r;
}

std::unique_ptr<OuterOptimizer> make_outer_optimizer(const OuterSettings& s, Vec like, double lower, double upper) {
  const OuterOptimizerEntry* e = outer_optimizers().find(s.optimizer);
  if (!e)
    throw UserError("outer.optimizer: unknown optimizer " + quote_user_text(s.optimizer) + "; choose " +
                    choice_names(outer_optimizers().choices()));
  return e->make(s, like, lower, upper);
}

}  // namespace hp
