#include "hyperpetsc/problems/feature_l2_model.hpp"

#include <algorithm>
#include <cmath>

#include <petsc/private/petscimpl.h>  // PetscObjectStateGet: cache exp(λ) until λ changes

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/lanczos.hpp"
#include "hyperpetsc/petsc/local_dot.hpp"
#include "hyperpetsc/petsc/log_events.hpp"

namespace hp {

FeatureL2Model::FeatureL2Model(std::string name, Split train, Split val, std::optional<Split> test,
                               bool shared_lambda, FeaturePartition partition, DataLayout layout)
    : name_(std::move(name)),
      train_(std::move(train.data)),
      val_(std::move(val.data)),
      partition_(std::move(partition)),
      train_loss_(std::move(train.loss)),
      val_loss_(std::move(val.loss)),
      shared_(shared_lambda) {
  if (test) {
    test_ = std::move(test->data);
    test_loss_ = std::move(test->loss);
  }
  HP_CALL(PetscObjectGetComm(reinterpret_cast<PetscObject>(train_.X.get()), &comm_));
  c_ = train_loss_->outputs();
  d_ = train_.d;
  n_train_ = train_.n;
  n_val_ = val_.n;
  PetscInt lo = 0, hi = 0;
  HP_CALL(MatGetOwnershipRangeColumn(train_.X, &lo, &hi));
  local_features_ = hi - lo;
  // Every split uses the same decision (made on the training set) so W has one layout.
  const DataLayout chosen =
      layout != DataLayout::automatic ? layout : automatic_data_layout(train_.X, c_);
  if (chosen == DataLayout::dense) {  // store X as MATMPIDENSE (one copy: converted in place)
    for (Dataset* s : {&train_, &val_, test_ ? &*test_ : nullptr}) {
      if (!s) continue;
      Mat x = s->X;
      HP_CALL(MatConvert(x, MATDENSE, MAT_INPLACE_MATRIX, &x));
    }
  }
  layout_ = chosen;
  mt_ = make_data_operator(train_.X, c_, chosen);
  mv_ = make_data_operator(val_.X, c_, chosen);
  zt_ = mt_->create_scores();
  HP_CALL(VecDuplicate(zt_, rt_.out()));
  HP_CALL(VecDuplicate(zt_, zt_next_.out()));
  HP_CALL(VecDuplicate(zt_, ze_.out()));
  zv_ = mv_->create_scores();
  HP_CALL(VecDuplicate(zv_, rv_.out()));
  if (test_) {
    ms_ = make_data_operator(test_->X, c_, chosen);
    zs_ = ms_->create_scores();
  }
  penalty_.assign(static_cast<size_t>(local_features_), 1.0);
  row_scale_.assign(static_cast<size_t>(local_features_), 0.0);
}

bool FeatureL2Model::ScoresOf::matches(Vec w) const {
  PetscObjectId id = 0;
  PetscObjectState state = 0;
  HP_CALL(PetscObjectGetId(reinterpret_cast<PetscObject>(w), &id));
  HP_CALL(PetscObjectStateGet(reinterpret_cast<PetscObject>(w), &state));
  return id == id_ && state == state_;
}

void FeatureL2Model::ScoresOf::set(Vec w) {
  HP_CALL(PetscObjectGetId(reinterpret_cast<PetscObject>(w), &id_));
  HP_CALL(PetscObjectStateGet(reinterpret_cast<PetscObject>(w), &state_));
}

FeatureL2Model::~FeatureL2Model() {
  if (w_lin_) (void)VecDestroy(&w_lin_);
}

std::vector<double> FeatureL2Model::gather_outer(Vec v, GatherTo where) const {
  const std::vector<double> all = gather_vector(v, where);
  return shared_ ? all : to_natural_order(all, 1, partition_);
}

std::vector<double> FeatureL2Model::gather_inner(Vec v, GatherTo where) const {
  return to_natural_order(gather_vector(v, where), c_, partition_);
}

namespace {
// A whole vector in natural feature order into `out`, stored in the distributed order.
void scatter_features(const std::vector<double>& natural, PetscInt block,
                      const FeaturePartition& partition, Vec out) {
  scatter_vector(natural, out, [&](PetscInt lo, PetscInt hi, PetscScalar* owned) {
    from_natural_order(natural, block, partition, lo / block, owned, (hi - lo) / block);
  });
}
}  // namespace

void FeatureL2Model::scatter_outer(const std::vector<double>& natural, Vec out) const {
  if (shared_)
    scatter_vector(natural, out);
  else
    scatter_features(natural, 1, partition_, out);
}

void FeatureL2Model::scatter_inner(const std::vector<double>& natural, Vec out) const {
  scatter_features(natural, c_, partition_, out);
}

Vector FeatureL2Model::create_inner_vector() const {
  Vector w = mt_->create_weights();
  HP_CALL(VecSet(w, 0.0));
  return w;
}

Vector FeatureL2Model::create_outer_vector() const {
  Vector l;
  if (shared_) {
    int rank = 0;
    MPI_Comm_rank(comm_, &rank);
    const PetscInt local = rank == 0 ? 1 : 0;
    HP_CALL(VecCreateMPI(comm_, local, 1, l.out()));
  } else {
    HP_CALL(VecCreateMPI(comm_, local_features_, d_, l.out()));
  }
  HP_CALL(VecSet(l, 0.0));
  return l;
}

void FeatureL2Model::update_penalty(Vec lambda) {
  PetscObjectState state = 0;
  HP_CALL(PetscObjectStateGet(reinterpret_cast<PetscObject>(lambda), &state));
  PetscObjectId id = 0;
  HP_CALL(PetscObjectGetId(reinterpret_cast<PetscObject>(lambda), &id));
  int changed = (id == penalty_id_ && state == penalty_state_) ? 0 : 1;
  // A shared λ is broadcast below, so every rank must take the same branch.
  if (shared_) MPI_Allreduce(MPI_IN_PLACE, &changed, 1, MPI_INT, MPI_MAX, comm_);
  if (!changed) return;
  const PetscScalar* l = nullptr;
  HP_CALL(VecGetArrayRead(lambda, &l));
  if (shared_) {
    double v = 0;
    PetscInt n = 0;
    HP_CALL(VecGetLocalSize(lambda, &n));
    if (n == 1) v = std::exp(l[0]);
    MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_DOUBLE, MPI_SUM, comm_);  // only rank 0 holds λ
    std::fill(penalty_.begin(), penalty_.end(), v);
  } else {
    for (PetscInt j = 0; j < local_features_; ++j) penalty_[j] = std::exp(l[j]);
  }
  HP_CALL(VecRestoreArrayRead(lambda, &l));
  penalty_id_ = id;
  penalty_state_ = state;
}

void FeatureL2Model::combine_with_penalty(Vec w, Vec xtr, double s_w, double s_g, Vec out, const std::vector<double>* pen) const {
  const std::vector<double>& P = pen ? *pen : penalty_;
  LogScope scope(log_events().penalty);
  // One fused pass: out[j,k] = s_w·w[j,k] + s_g·(xtr[j,k] + e_j·w[j,k]).
  const PetscScalar* pw = nullptr;
  const PetscScalar* px = nullptr;
  PetscScalar* po = nullptr;
  const bool in_place = (xtr == out);
  HP_CALL(VecGetArrayRead(w, &pw));
  if (!in_place) HP_CALL(VecGetArrayRead(xtr, &px));
  HP_CALL(VecGetArray(out, &po));
  if (in_place) px = po;
  for (PetscInt j = 0; j < local_features_; ++j) {
    const double a = s_w + s_g * P[j];
    const PetscInt base = j * c_;
    for (PetscInt k = 0; k < c_; ++k) po[base + k] = a * pw[base + k] + s_g * px[base + k];
  }
  HP_CALL(VecRestoreArray(out, &po));
  if (!in_place) HP_CALL(VecRestoreArrayRead(xtr, &px));
  HP_CALL(VecRestoreArrayRead(w, &pw));
}

void FeatureL2Model::back_and_combine(Vec w, double s_w, double s_g,
                                      const std::vector<double>& penalty, Vec out) {
  // out = s_w·w + s_g·(Xᵀ rt_ + e⊙w): fused into the product where the layout allows.
  for (PetscInt j = 0; j < local_features_; ++j) row_scale_[j] = s_w + s_g * penalty[j];
  if (mt_->back_combined(rt_, w, row_scale_.data(), s_g, out)) return;
  mt_->back(rt_, out);
  combine_with_penalty(w, out, s_w, s_g, out, &penalty);
}

void FeatureL2Model::train_scores(Vec w) {
  if (zt_of_.matches(w)) return;
  if (next_of_.matches(w)) {
    std::swap(zt_, zt_next_);  // X·w was computed by the fused step that produced w
    next_of_.clear();
  } else {
    mt_->scores(w, zt_);
  }
  zt_of_.set(w);
}

void FeatureL2Model::val_scores(Vec w) {
  if (zv_of_.matches(w)) return;
  mv_->scores(w, zv_);
  zv_of_.set(w);
}

void FeatureL2Model::apply_map(Vec w, Vec lambda, Vec out) {
  update_penalty(lambda);
  train_scores(w);
  const PetscScalar* z = nullptr;
  PetscScalar* r = nullptr;
  HP_CALL(VecGetArrayRead(zt_, &z));
  HP_CALL(VecGetArray(rt_, &r));
  {
    LogScope scope(log_events().loss);
    train_loss_->value_gradient(z, r);
  }
  HP_CALL(VecRestoreArray(rt_, &r));
  HP_CALL(VecRestoreArrayRead(zt_, &z));
  for (PetscInt j = 0; j < local_features_; ++j) row_scale_[j] = 1.0 - eta_ * penalty_[j];
  if (mt_->step_and_scores(rt_, w, row_scale_.data(), -eta_, out, zt_next_)) {
    next_of_.set(out);
    return;
  }
  back_and_combine(w, 1.0, -eta_, penalty_, out);
}

void FeatureL2Model::inner_gradient(Vec w, Vec lambda, Vec out) {
  update_penalty(lambda);
  mt_->scores(w, zt_);
  zt_of_.set(w);
  const PetscScalar* z = nullptr;
  PetscScalar* r = nullptr;
  HP_CALL(VecGetArrayRead(zt_, &z));
  HP_CALL(VecGetArray(rt_, &r));
  {
    LogScope scope(log_events().loss);
    train_loss_->value_gradient(z, r);
  }
  HP_CALL(VecRestoreArray(rt_, &r));
  HP_CALL(VecRestoreArrayRead(zt_, &z));
  back_and_combine(w, 0.0, 1.0, penalty_, out);
}

double FeatureL2Model::inner_objective_gradient(Vec w, Vec lambda, Vec gradient) {
  update_penalty(lambda);
  train_scores(w);
  const PetscScalar* z = nullptr;
  PetscScalar* r = nullptr;
  double value = 0;
  HP_CALL(VecGetArrayRead(zt_, &z));
  HP_CALL(VecGetArray(rt_, &r));
  {
    LogScope scope(log_events().loss);
    value = train_loss_->value_gradient(z, r);
  }
  HP_CALL(VecRestoreArray(rt_, &r));
  HP_CALL(VecRestoreArrayRead(zt_, &z));
  // ½ Σ_j e^λ_j ‖W_{j,:}‖² over this rank's features, reduced with the loss in one call.
  const PetscScalar* pw = nullptr;
  HP_CALL(VecGetArrayRead(w, &pw));
  double penalty = 0;
  for (PetscInt j = 0; j < local_features_; ++j) {
    double row = 0;
    for (PetscInt k = 0; k < c_; ++k) row += pw[j * c_ + k] * pw[j * c_ + k];
    penalty += penalty_[j] * row;
  }
  HP_CALL(VecRestoreArrayRead(w, &pw));
  value += 0.5 * penalty;
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, comm_);
  back_and_combine(w, 0.0, 1.0, penalty_, gradient);
  return value;
}

void FeatureL2Model::set_linearization_point(Vec w, Vec lambda) {
  update_penalty(lambda);
  lin_penalty_ = penalty_;
  HP_CALL(PetscObjectReference(reinterpret_cast<PetscObject>(w)));
  if (w_lin_) HP_CALL(VecDestroy(&w_lin_));
  w_lin_ = w;
}

// The linearisation is the training scores X·W at the point (n_local·c doubles): enough
// to rebuild the loss Hessian without another pass over the data.
size_t FeatureL2Model::linearization_size() const {
  PetscInt n = 0;
  HP_CALL(VecGetLocalSize(zt_, &n));
  return static_cast<size_t>(n);
}

void FeatureL2Model::capture_linearization(double* into) {
  const PetscScalar* z = nullptr;
  PetscInt n = 0;
  HP_CALL(VecGetLocalSize(zt_, &n));
  HP_CALL(VecGetArrayRead(zt_, &z));
  std::copy(z, z + n, into);  // zt_ still holds X·W from the last apply_map
  HP_CALL(VecRestoreArrayRead(zt_, &z));
}

void FeatureL2Model::restore_linearization(Vec w, Vec lambda, const double* saved) {
  set_linearization_point(w, lambda);
  if (saved) {
    train_loss_->prepare_hessian(saved);
    return;
  }
  // Nothing captured (checkpointed ITD): the scores of w, reusing the fused step's X·w
  // when the step that produced w computed it.
  train_scores(w);
  const PetscScalar* z = nullptr;
  HP_CALL(VecGetArrayRead(zt_, &z));
  train_loss_->prepare_hessian(z);
  HP_CALL(VecRestoreArrayRead(zt_, &z));
}

void FeatureL2Model::linearize(Vec w, Vec lambda) {
  set_linearization_point(w, lambda);
  mt_->scores(w, zt_);
  zt_of_.set(w);
  const PetscScalar* z = nullptr;
  HP_CALL(VecGetArrayRead(zt_, &z));
  train_loss_->prepare_hessian(z);
  HP_CALL(VecRestoreArrayRead(zt_, &z));
}

void FeatureL2Model::curvature_of_scores() {
  const PetscScalar* z = nullptr;
  PetscScalar* r = nullptr;
  HP_CALL(VecGetArrayRead(zt_, &z));
  HP_CALL(VecGetArray(rt_, &r));
  {
    LogScope scope(log_events().curvature);
    train_loss_->hessian_apply(z, r);
  }
  HP_CALL(VecRestoreArray(rt_, &r));
  HP_CALL(VecRestoreArrayRead(zt_, &z));
}

void FeatureL2Model::hessian_vector(Vec v, Vec out, double s_w, double s_g) {
  mt_->scores(v, zt_);
  zt_of_.clear();  // X·v is not the scores of any point
  curvature_of_scores();
  back_and_combine(v, s_w, s_g, lin_penalty_, out);
}

void FeatureL2Model::map_vjp_inner(Vec v, Vec out) {
  // ∂_WΦ = I − η ∇²L, symmetric.
  hessian_vector(v, out, 1.0, -eta_);
}

void FeatureL2Model::adjoint_apply(Vec x, Vec y) {
  // I − ∂_WΦᵀ = η ∇²L: the identity cancels, so one product and no cancellation error.
  hessian_vector(x, y, 0.0, eta_);
}

double FeatureL2Model::adjoint_cg_product(Vec z, double beta, Vec p, Vec q) {
  // The direction update rides on X·p's pass over p, ⟨p, q⟩ on the pass that writes q.
  if (!mt_->update_and_scores(z, beta, p, zt_)) {
    if (beta == 0.0)
      HP_CALL(VecCopy(z, p));
    else
      HP_CALL(VecAYPX(p, beta, z));
    mt_->scores(p, zt_);
  }
  zt_of_.clear();
  curvature_of_scores();
  for (PetscInt j = 0; j < local_features_; ++j) row_scale_[j] = eta_ * lin_penalty_[j];
  double dot = 0;
  if (mt_->back_combined(rt_, p, row_scale_.data(), eta_, q, &dot)) return dot;
  back_and_combine(p, 0.0, eta_, lin_penalty_, q);
  return local_dot(p, q);
}

void FeatureL2Model::map_vjp_outer(Vec v, Vec out) {
  // ∂_λ_j Φ = −η exp(λ_j) W_{j,:}, so (∂_λΦᵀ v)_j = −η e_j ⟨W_{j,:}, v_{j,:}⟩.
  const PetscScalar* pw = nullptr;
  const PetscScalar* pv = nullptr;
  HP_CALL(VecGetArrayRead(w_lin_, &pw));
  HP_CALL(VecGetArrayRead(v, &pv));
  PetscScalar* po = nullptr;
  HP_CALL(VecGetArray(out, &po));
  double total = 0;
  for (PetscInt j = 0; j < local_features_; ++j) {
    double dot = 0;
    for (PetscInt k = 0; k < c_; ++k) dot += pw[j * c_ + k] * pv[j * c_ + k];
    const double g = -eta_ * lin_penalty_[j] * dot;
    if (shared_)
      total += g;
    else
      po[j] = g;
  }
  if (shared_) {
    MPI_Allreduce(MPI_IN_PLACE, &total, 1, MPI_DOUBLE, MPI_SUM, comm_);
    PetscInt n = 0;
    HP_CALL(VecGetLocalSize(out, &n));
    if (n == 1) po[0] = total;
  }
  HP_CALL(VecRestoreArray(out, &po));
  HP_CALL(VecRestoreArrayRead(v, &pv));
  HP_CALL(VecRestoreArrayRead(w_lin_, &pw));
}

double FeatureL2Model::outer_objective(Vec w, Vec) {
  val_scores(w);
  const PetscScalar* z = nullptr;
  HP_CALL(VecGetArrayRead(zv_, &z));
  double value = val_loss_->value_gradient(z, nullptr);
  HP_CALL(VecRestoreArrayRead(zv_, &z));
  MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, comm_);
  return value;
}

void FeatureL2Model::outer_gradient_inner(Vec w, Vec, Vec out) {
  val_scores(w);
  const PetscScalar* z = nullptr;
  PetscScalar* r = nullptr;
  HP_CALL(VecGetArrayRead(zv_, &z));
  HP_CALL(VecGetArray(rv_, &r));
  val_loss_->value_gradient(z, r);
  HP_CALL(VecRestoreArray(rv_, &r));
  HP_CALL(VecRestoreArrayRead(zv_, &z));
  mv_->back(rv_, out);
}

void FeatureL2Model::outer_gradient_outer(Vec, Vec, Vec out) {
  HP_CALL(VecSet(out, 0.0));  // E does not depend on λ directly
}

namespace {
// This rank's share of one split's {loss, correct rows} into sums[0..1]; whether the
// loss classifies (a regression loss has no accuracy: the same answer on every rank).
bool split_sums(const DataLoss& loss, Vec z, double* sums) {
  const PetscScalar* pz = nullptr;
  HP_CALL(VecGetArrayRead(z, &pz));
  sums[0] = loss.value_gradient(pz, nullptr);
  const std::optional<double> correct = loss.correct_count(pz);
  HP_CALL(VecRestoreArrayRead(z, &pz));
  sums[1] = correct.value_or(0.0);
  return correct.has_value();
}

SplitMetrics split_metrics(const double* sums, bool classifies, PetscInt rows) {
  SplitMetrics m;
  m.loss = sums[0];
  if (classifies) m.accuracy = sums[1] / static_cast<double>(rows);
  return m;
}
}  // namespace

Evaluation FeatureL2Model::evaluate(Vec w, Vec) {
  // Training scores at w: those apply_map or the fused step left, if they are w's.
  Vec zt = ze_;
  if (zt_of_.matches(w)) {
    zt = zt_;
  } else if (next_of_.matches(w)) {
    zt = zt_next_;
  } else if (!ze_of_.matches(w)) {
    mt_->scores(w, ze_);
    ze_of_.set(w);
  }
  val_scores(w);
  if (test_ && !zs_of_.matches(w)) {
    ms_->scores(w, zs_);
    zs_of_.set(w);
  }
  // {loss, correct rows} for train, val, test: one reduction for all of them.
  double sums[6] = {0, 0, 0, 0, 0, 0};
  bool classifies[3] = {false, false, false};
  {
    LogScope scope(log_events().loss);
    classifies[0] = split_sums(*train_loss_, zt, sums);
    classifies[1] = split_sums(*val_loss_, zv_, sums + 2);
    if (test_) classifies[2] = split_sums(*test_loss_, zs_, sums + 4);
  }
  MPI_Allreduce(MPI_IN_PLACE, sums, 6, MPI_DOUBLE, MPI_SUM, comm_);
  Evaluation e;
  e.train = split_metrics(sums, classifies[0], n_train_);
  e.val = split_metrics(sums + 2, classifies[1], n_val_);
  if (test_) e.test = split_metrics(sums + 4, classifies[2], test_->n);
  return e;
}

namespace {
// The contraction check compares η·‖∇²L(w_0)‖ with 2(1 + β): a relative error of 1e-6 in
// the norm is irrelevant there, and each step costs a full Hessian-vector product.
constexpr double kHessianTolerance = 1e-6;
}  // namespace

void FeatureL2Model::fill_start_vector(Vec x, PetscInt block) const {
  // Depends on the natural index only, so the estimates (and η) are the same for any rank
  // count; a Weyl sequence rather than a constant so that no eigenvector is missed by
  // symmetry, and cheap (no transcendental per entry).
  PetscInt lo = 0, hi = 0;
  HP_CALL(VecGetOwnershipRange(x, &lo, &hi));
  const PetscInt first = lo / block, count = (hi - lo) / block;
  std::vector<PetscInt> natural(static_cast<size_t>(count));
  if (partition_.position) {
    const std::vector<PetscInt>& pos = *partition_.position;
    for (PetscInt j = 0; j < d_; ++j)
      if (pos[j] >= first && pos[j] < first + count) natural[pos[j] - first] = j;
  } else {
    for (PetscInt p = 0; p < count; ++p) natural[p] = first + p;
  }
  constexpr double kGolden = 0.6180339887498949;
  PetscScalar* px = nullptr;
  HP_CALL(VecGetArrayWrite(x, &px));
  for (PetscInt p = 0; p < count; ++p)
    for (PetscInt k = 0; k < block; ++k) {
      const double i = static_cast<double>(natural[p] * block + k);
      px[p * block + k] = 1.0 + 0.5 * (i * kGolden - std::floor(i * kGolden));
    }
  HP_CALL(VecRestoreArrayWrite(x, &px));
}

double FeatureL2Model::gram_norm_bound(int lanczos_steps) {
  if (gram_steps_ >= lanczos_steps) return gram_bound_;  // the data do not change
  // λmax(XᵀX) on one column block (not MAIJ), from a rank-independent start.
  Vector x, xr;
  HP_CALL(MatCreateVecs(train_.X, x.out(), xr.out()));
  fill_start_vector(x, 1);
  const RitzEstimate e = lanczos_extremes(
      [&](Vec in, Vec out) {
        HP_CALL(MatMult(train_.X, in, xr));
        HP_CALL(MatMultTranspose(train_.X, xr, out));
      },
      x, lanczos_steps);
  // θ + residual: above λmax once θ has converged (a safety margin otherwise), so that
  // η = 1/L_max stays contractive.
  gram_bound_ = (e.largest + e.residual) / static_cast<double>(n_train_);
  gram_steps_ = lanczos_steps;
  return gram_bound_;
}

double FeatureL2Model::smoothness_bound(Vec lambda, int lanczos_steps) {
  update_penalty(lambda);
  double pmax = 0;
  for (double p : penalty_) pmax = std::max(pmax, p);
  MPI_Allreduce(MPI_IN_PLACE, &pmax, 1, MPI_DOUBLE, MPI_MAX, comm_);
  return train_loss_->curvature_bound() * gram_norm_bound(lanczos_steps) + pmax;
}

double FeatureL2Model::hessian_norm_at(Vec w, Vec lambda, int lanczos_steps) {
  linearize(w, lambda);
  Vector x = mt_->create_weights();
  fill_start_vector(x, c_);
  const RitzEstimate e = lanczos_extremes(
      [&](Vec in, Vec out) { hessian_vector(in, out, 0.0, 1.0); }, x, lanczos_steps,
      kHessianTolerance);
  return e.largest;  // a Ritz value: never above ‖∇²L(w)‖, so a refusal is certain
}

double FeatureL2Model::strong_convexity_bound(Vec lambda) {
  update_penalty(lambda);
  double pmin = INFINITY;
  for (double p : penalty_) pmin = std::min(pmin, p);
  MPI_Allreduce(MPI_IN_PLACE, &pmin, 1, MPI_DOUBLE, MPI_MIN, comm_);
  return pmin;
}

}  // namespace hp
