// Solvers for the adjoint system of AID,  (I − ∂_wΦ(w_t, λ)ᵀ) v = ∇_wE(w_t, λ),
// at the point last passed to BilevelProblem::linearize.
#pragma once
#include <petscksp.h>

#include <memory>
#include <string>

#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {

struct AdjointSolve {
  PetscInt iterations = 0;
  std::string reason;
};

class AdjointSolver {
 public:
  virtual ~AdjointSolver() = default;
  // v holds the initial guess on entry (zero for a cold start) and the solution on exit.
  virtual AdjointSolve solve(BilevelProblem& problem, Vec rhs, Vec v, PetscInt max_iterations,
                             double rtol) = 0;
};

// ĝ = ∇_λE(w, λ) + ∂_λΦ(w, λ)ᵀ v at the linearisation point (w, λ): the last step of
// every implicit method.
Vector implicit_hypergradient(BilevelProblem& problem, Vec w, Vec lambda, Vec v);

// v_j = ∂_wΦᵀ v_{j−1} + b  (aid_fp; aid_neumann is this with one more iteration).
std::unique_ptr<AdjointSolver> make_fixed_point_adjoint();

// A PETSc KSP of `ksp_type` (options prefix `prefix`: -adjoint_ for AID, -exact_adjoint_
// for exact) on a MATSHELL for I − ∂_wΦᵀ. Errors name `method` and suggest alternatives.
std::unique_ptr<AdjointSolver> make_krylov_adjoint(std::string method, std::string ksp_type,
                                                   std::string prefix = "adjoint_");

// The shell operator A = I − ∂_wΦᵀ (MatMult) with Aᵀ = I − ∂_wΦ (MatMultTranspose).
// The problem must outlive the matrix.
Mat create_adjoint_operator(BilevelProblem& problem, Vec layout);
Mat create_forward_operator(BilevelProblem& problem, Vec layout);  // I − ∂_wΦ

// For messages about the set-up of an adjoint KSP (options prefix `prefix`, after its
// SetFromOptions): `options` naming the preconditioner in use, if any, and what the
// matrix-free operator offers it (products; the diagonal when `has_diagonal`). Throws
// hp::UserError (the same on every rank) for preconditioners the operator cannot have
// that PETSc would reject only inside the solve or as an internal error, crash on (sor,
// eisenstat, kaczmarz need rows; pbjacobi, vpbjacobi diagonal blocks; deflation an
// assembled matrix), or apply as zero (lmvm), and for jacobi without a diagonal.
std::string describe_adjoint_preconditioner(KSP ksp, const std::string& prefix, const std::string& options,
                                            bool has_diagonal);

}  // namespace hp
