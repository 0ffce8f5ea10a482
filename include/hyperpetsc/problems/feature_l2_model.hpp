// Linear model with one L2 penalty per feature, trained by gradient steps:
//
//   L(W, λ) = ℓ_train(X W) + ½ Σ_j exp(λ_j) ‖W_{j,:}‖²,   E(W) = ℓ_val(X_val W),
//   Φ(W, λ) = W − η ∇_W L(W, λ).
//
// W ∈ R^{d×c} is stored row-major as an interlaced Vec (block size c) distributed by
// feature (`partition`); X·W and Xᵀ·R are a DataOperator of the given layout (automatic:
// chosen from the training data). ridge_l2 (squared loss, c = 1) and logistic_l2 (softmax cross-entropy) are
// this class with different DataLoss objects.
//
// evaluate() reports per split (train, val, and test when given) the data loss alone —
// for train ℓ_train(X W) without the penalty, for val E — and, for classification
// losses, the accuracy: one product X·W per split at most (none where the scores at
// that w are still at hand) and one reduction.
#pragma once
#include <petscmat.h>

#include <memory>
#include <optional>
#include <string>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"
#include "hyperpetsc/problems/data_loss.hpp"
#include "hyperpetsc/problems/data_operator.hpp"
#include "hyperpetsc/problems/feature_partition.hpp"
#include "hyperpetsc/problems/gradient_step_problem.hpp"

namespace hp {

class FeatureL2Model final : public BilevelProblem, public GradientStepProblem {
 public:
  // One split: its rows and its loss (averaged over its rows).
  struct Split {
    Dataset data;
    std::unique_ptr<DataLoss> loss;
  };
  // `test` is only evaluated (evaluate()).
  FeatureL2Model(std::string name, Split train, Split val, std::optional<Split> test, bool shared_lambda,
                 FeaturePartition partition = {}, DataLayout layout = DataLayout::automatic);
  ~FeatureL2Model() override;

  MPI_Comm comm() const override { return comm_; }
  std::string name() const override { return name_; }
  Vector create_inner_vector() const override;
  Vector create_outer_vector() const override;

  void apply_map(Vec w, Vec lambda, Vec out) override;
  void linearize(Vec w, Vec lambda) override;
  void map_vjp_inner(Vec v, Vec out) override;
  void map_jvp_inner(Vec v, Vec out) override { map_vjp_inner(v, out); }
  void map_vjp_outer(Vec v, Vec out) override;
  bool jacobian_symmetric() const override { return true; }
  void adjoint_apply(Vec x, Vec y) override;
  double adjoint_cg_product(Vec z, double beta, Vec p, Vec q) override;
  size_t linearization_size() const override;
  void capture_linearization(double* into) override;
  void restore_linearization(Vec w, Vec lambda, const double* saved) override;
  // diag(I − ∂_WΦ) = η·diag(∇²_W L) = η·(Σ_i X_ij² h_ik + e^λ_j), h_ik the diagonal of
  // row i's loss Hessian block: one product with X∘X (feature_l2_adjoint_diagonal.cpp).
  bool has_adjoint_diagonal() const override { return true; }
  void adjoint_diagonal(Vec out) override;

  double outer_objective(Vec w, Vec lambda) override;
  void outer_gradient_inner(Vec w, Vec lambda, Vec out) override;
  void outer_gradient_outer(Vec w, Vec lambda, Vec out) override;
  Evaluation evaluate(Vec w, Vec lambda) override;
  std::vector<double> gather_outer(Vec v, GatherTo where) const override;
  std::vector<double> gather_inner(Vec v, GatherTo where) const override;
  void scatter_outer(const std::vector<double>& natural, Vec out) const override;
  void scatter_inner(const std::vector<double>& natural, Vec out) const override;

  double step_size() const override { return eta_; }
  void set_step_size(double eta) override { eta_ = eta; }
  void inner_gradient(Vec w, Vec lambda, Vec out) override;
  double inner_objective_gradient(Vec w, Vec lambda, Vec gradient) override;
  void inner_hessian_vector(Vec v, Vec out) override { hessian_vector(v, out, 0.0, 1.0); }
  double smoothness_bound(Vec lambda, int lanczos_steps) override;
  double hessian_norm_at(Vec w, Vec lambda, int lanczos_steps) override;
  double strong_convexity_bound(Vec lambda) override;

  PetscInt features() const { return d_; }
  PetscInt outputs() const { return c_; }
  PetscInt train_rows() const { return n_train_; }
  PetscInt val_rows() const { return n_val_; }
  PetscInt test_rows() const { return test_ ? test_->n : 0; }

 private:
  // Which Vec (object id + modification state) a score vector holds X·w of, so a product
  // at an unchanged w is not repeated. PETSc changes the state on every rank for any
  // collective modification, so every rank makes the same decision.
  class ScoresOf {
   public:
    bool matches(Vec w) const;
    void set(Vec w);
    void clear() { id_ = -1; }

   private:
    PetscObjectId id_ = -1;
    PetscObjectState state_ = -1;
  };
  // out = a·(∇_W ℓ_train + penalty)(W) combined with W:  out = s_w·W + s_g·(Xᵀ R + e⊙W).
  void combine_with_penalty(Vec w, Vec xtr, double s_w, double s_g, Vec out, const std::vector<double>* pen = nullptr) const;
  void update_penalty(Vec lambda);
  void hessian_vector(Vec v, Vec out, double s_w, double s_g);
  void curvature_of_scores();  // rt_ = (loss Hessian at the linearisation point)·zt_
  void set_linearization_point(Vec w, Vec lambda);
  void train_scores(Vec w);  // zt_ = X·w, reusing the fused step's result when it is w's
  void val_scores(Vec w);    // zv_ = X_val·w unless it holds that already
  void back_and_combine(Vec w, double s_w, double s_g, const std::vector<double>& penalty, Vec out);
  // x[p·block + k] = a fixed function of natural index j·block + k (j the feature at p).
  void fill_start_vector(Vec x, PetscInt block) const;
  // An upper estimate of λmax(XᵀX)/n for the training X, computed once per step budget.
  double gram_norm_bound(int lanczos_steps);

  MPI_Comm comm_;
  std::string name_;
  Dataset train_, val_;
  FeaturePartition partition_;  // the data's columns (W's rows, λ) in distributed order
  std::unique_ptr<DataOperator> mt_, mv_;  // X_train·W, X_val·W and their transposes
  DataLayout layout_ = DataLayout::automatic;  // the layout chosen for every split
  // (X_train∘X_train)ᵀ·H for adjoint_diagonal, built by its first call: one more copy of
  // the training data; with its scratch H (n_train·c) and product (d·c).
  std::unique_ptr<DataOperator> squared_;
  Vector squared_h_, squared_back_;
  Vector zt_, rt_;      // train scores and their loss gradient (n_train·c)
  ScoresOf zt_of_;
  // X·Φ(w) from the fused step, valid for the Vec with this id and state: the next
  // apply_map on that Vec skips its X·W (see DataOperator::step_and_scores).
  Vector zt_next_;
  ScoresOf next_of_;
  Vector zv_, rv_;      // validation scores and loss gradient
  ScoresOf zv_of_;
  // evaluate()'s training scores when neither zt_ nor zt_next_ holds them: its own
  // vector, so an evaluation never disturbs what apply_map and the linearisation cache.
  Vector ze_;
  ScoresOf ze_of_;
  std::unique_ptr<DataLoss> train_loss_, val_loss_;
  std::optional<Dataset> test_;
  std::unique_ptr<DataOperator> ms_;  // X_test·W
  Vector zs_;                         // test scores
  ScoresOf zs_of_;
  std::unique_ptr<DataLoss> test_loss_;
  bool shared_;
  PetscInt d_ = 0, c_ = 1, local_features_ = 0, n_train_ = 0, n_val_ = 0;
  double eta_ = 1.0;
  std::vector<double> penalty_;  // exp(λ_j) for this rank's features
  // The λ the cache was built from: object id + modification state (a pointer could be
  // reused by a new Vec).
  PetscObjectState penalty_state_ = -1;
  PetscObjectId penalty_id_ = -1;
  std::vector<double> row_scale_;     // scratch: s_w + s_g·exp(λ_j) per feature
  std::vector<double> lin_penalty_;  // exp(λ) at the linearisation point
  Vec w_lin_ = nullptr;           // linearisation point (a reference, not a copy)
  double gram_bound_ = 0;  // gram_norm_bound's result and the budget it was computed with
  int gram_steps_ = 0;
};

}  // namespace hp
