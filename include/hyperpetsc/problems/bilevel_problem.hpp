// The contract every bilevel problem fulfils:
//
//     min_λ f(λ) = E(w(λ), λ)   with   w(λ) = Φ(w(λ), λ)
//
// Methods (itd, aid_*, exact) are written once against this interface, so a new problem
// gets every method and a new method works on every problem. All products are
// matrix-free: no dim(w) x dim(w) matrix is ever formed.
#pragma once
#include <mpi.h>
#include <petscvec.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "hyperpetsc/petsc/gather.hpp"
#include "hyperpetsc/petsc/handles.hpp"

namespace hp {

// What a problem reports about one split at a point w (BilevelProblem::evaluate).
struct SplitMetrics {
  double loss = 0;                  // the split's data loss (no penalty)
  std::optional<double> accuracy;   // fraction of rows classified correctly; classification only
};

// The metrics of each split the problem has; a split it does not have (or does not
// report) is empty.
struct Evaluation {
  std::optional<SplitMetrics> train, val, test;
};

class BilevelProblem {
 public:
  virtual ~BilevelProblem() = default;

  virtual MPI_Comm comm() const = 0;
  virtual std::string name() const = 0;

  // Vectors with the problem's layouts (w: inner variables, λ: outer variables).
  virtual Vector create_inner_vector() const = 0;
  virtual Vector create_outer_vector() const = 0;

  // Φ(w, λ) -> out (out must not alias w).
  virtual void apply_map(Vec w, Vec lambda, Vec out) = 0;

  // Fix the point (w, λ) at which the Jacobian products below are taken. Caches what
  // the products need (e.g. softmax probabilities), so k products cost k, not 2k, passes.
  virtual void linearize(Vec w, Vec lambda) = 0;
  virtual void map_vjp_inner(Vec v, Vec out) = 0;   // ∂_wΦᵀ v
  virtual void map_jvp_inner(Vec v, Vec out) = 0;   // ∂_wΦ v
  virtual void map_vjp_outer(Vec v, Vec out) = 0;   // ∂_λΦᵀ v   (out in λ space)
  virtual bool jacobian_symmetric() const = 0;      // ∂_wΦ = ∂_wΦᵀ (CG is valid)

  // y = x − ∂_wΦᵀ x, AID's operator, at the linearisation point. The default is
  // map_vjp_inner and one more pass; a problem may fold the difference into its product.
  virtual void adjoint_apply(Vec x, Vec y);
  // One product of a conjugate-gradient iteration on that operator A: p = z + beta·p
  // (p = z when beta = 0, whatever p held), q = A p, and this rank's share of ⟨p, q⟩.
  // A problem may fuse the direction update and the dot product into the product's
  // passes over w (KSP "cgfused", methods/fused_cg.hpp, uses this).
  virtual double adjoint_cg_product(Vec z, double beta, Vec p, Vec q);

  // Optional, for diagonal preconditioners of the adjoint solve (-adjoint_pc_type jacobi):
  // whether the problem provides adjoint_diagonal, and diag(I − ∂_wΦ) (the same as
  // diag(I − ∂_wΦᵀ)) at the linearisation point -> out (inner layout). Collective.
  virtual bool has_adjoint_diagonal() const { return false; }
  virtual void adjoint_diagonal(Vec out) {
    (void)out;
    throw std::logic_error("adjoint_diagonal called on a problem without it (check has_adjoint_diagonal)");
  }

  // Optional: what linearize(w, λ) computes, captured after apply_map(w, λ, ·) so
  // reverse-mode methods can restore it instead of recomputing it (ITD saves one data
  // pass per step). linearization_size() doubles on this rank (0: the problem offers
  // none); capture_linearization writes the linearisation at the w of the most recent
  // apply_map into caller-owned storage (no allocation: ITD captures once per step).
  // restore_linearization is equivalent to linearize(w, λ) with that w; saved == nullptr
  // (nothing captured) recomputes it.
  virtual size_t linearization_size() const { return 0; }
  virtual void capture_linearization(double* into) { (void)into; }
  virtual void restore_linearization(Vec w, Vec lambda, const double* saved) {
    (void)saved;
    linearize(w, lambda);
  }

  // Outer objective E(w, λ) and its gradients.
  virtual double outer_objective(Vec w, Vec lambda) = 0;
  virtual void outer_gradient_inner(Vec w, Vec lambda, Vec out) = 0;  // ∇_wE
  virtual void outer_gradient_outer(Vec w, Vec lambda, Vec out) = 0;  // ∇_λE

  // Training, validation and test metrics at (w, λ) for reports (docs/problems.md says
  // what each problem reports). Collective; the same on every rank. The default knows
  // only E: val.loss = outer_objective(w, λ).
  virtual Evaluation evaluate(Vec w, Vec lambda) {
    Evaluation e;
    e.val = SplitMetrics{outer_objective(w, lambda), std::nullopt};
    return e;
  }

  // A whole outer (λ-space) or inner (w-space) vector on `where` (empty elsewhere), in
  // the natural order of the variables: problems may distribute them in another order
  // (features balanced over ranks). Collective. Everything reported uses these.
  virtual std::vector<double> gather_outer(Vec v, GatherTo where) const { return gather_vector(v, where); }
  virtual std::vector<double> gather_inner(Vec v, GatherTo where) const { return gather_vector(v, where); }
  // The inverse: every rank passes the whole vector in natural order; out gets its share.
  virtual void scatter_outer(const std::vector<double>& natural, Vec out) const { scatter_vector(natural, out); }
  virtual void scatter_inner(const std::vector<double>& natural, Vec out) const { scatter_vector(natural, out); }
};

}  // namespace hp
