// `hyperpetsc` with a throw-away problem and method registered from outside the product:
// a separable quadratic bilevel problem (`toy_quadratic`, with its own keys) and a method
// (`toy_aid_cg`). cli_plugins.sh checks that both show up in --help, in the validation
// message for an unknown name and in `compare`, with no list in src/ edited.
//
//   L(w, λ) = ½ Σ_i (a_i + e^{λ_i}) w_i² − b_i w_i,   Φ = w − η ∇_wL,   E = ½ ‖w − c‖²
#include <petscvec.h>

#include <cmath>
#include <memory>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/methods/aid_method.hpp"
#include "hyperpetsc/methods/adjoint_solver.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/problem_registry.hpp"

namespace {

struct ToyOptions {
  PetscInt size = 0;
  double step = 0;
  PetscInt throw_after = 0;  // > 0: the N-th Jacobian product throws a UserError (all ranks)
};

const hp::KeyTable<ToyOptions>& toy_table() {
  static const hp::KeyTable<ToyOptions> t =
      hp::KeyTable<ToyOptions>("problem", "a separable quadratic")
          .integer("size", &ToyOptions::size, 10, 1, 1000000, "dimension of w and λ")
          .number("step", &ToyOptions::step, 0.2, hp::NumberRange::above(0), "η")
          .integer("throw_after", &ToyOptions::throw_after, 0, 0, 1000000, "test: the N-th product throws");
  return t;
}

double coefficient(PetscInt i, double base) { return base + 0.5 * std::sin(1.0 + static_cast<double>(i)); }

class ToyQuadratic final : public hp::BilevelProblem {
 public:
  ToyQuadratic(MPI_Comm comm, ToyOptions o) : comm_(comm), o_(o) {}
  MPI_Comm comm() const override { return comm_; }
  std::string name() const override { return "toy_quadratic"; }
  hp::Vector create_inner_vector() const override {
    hp::Vector v;
    HP_CALL(VecCreateMPI(comm_, PETSC_DECIDE, o_.size, v.out()));
    HP_CALL(VecSet(v, 0.0));
    return v;
  }
  hp::Vector create_outer_vector() const override { return create_inner_vector(); }
  // out = w − η((a + e^λ)⊙w − b)
  void apply_map(Vec w, Vec lambda, Vec out) override { step(w, lambda, out, true); }
  void linearize(Vec w, Vec lambda) override {
    w_lin_ = w;
    lambda_ = lambda;
  }
  void map_vjp_inner(Vec v, Vec out) override {
    if (o_.throw_after > 0 && ++products_ == o_.throw_after)
      throw hp::UserError("toy_quadratic: product " + std::to_string(products_) + " refused on purpose");
    step(v, lambda_, out, false);
  }
  void map_jvp_inner(Vec v, Vec out) override { map_vjp_inner(v, out); }
  void map_vjp_outer(Vec v, Vec out) override {  // −η e^{λ_i} w_i v_i at the linearisation
    each(v, lambda_, w_lin_, out, [this](double vi, double li, PetscInt, const double* wi) {
      return -o_.step * std::exp(li) * *wi * vi;
    });
  }
  bool jacobian_symmetric() const override { return true; }
  double outer_objective(Vec w, Vec) override {
    hp::Vector c = target(w);
    HP_CALL(VecAXPY(c, -1.0, w));
    double n = 0;
    HP_CALL(VecNorm(c, NORM_2, &n));
    return 0.5 * n * n;
  }
  void outer_gradient_inner(Vec w, Vec, Vec out) override {
    hp::Vector c = target(w);
    HP_CALL(VecWAXPY(out, -1.0, c, w));
  }
  void outer_gradient_outer(Vec, Vec, Vec out) override { HP_CALL(VecSet(out, 0.0)); }

 private:
  hp::Vector target(Vec like) const {
    hp::Vector c;
    HP_CALL(VecDuplicate(like, c.out()));
    PetscInt lo = 0, hi = 0;
    HP_CALL(VecGetOwnershipRange(c, &lo, &hi));
    for (PetscInt i = lo; i < hi; ++i) HP_CALL(VecSetValue(c, i, std::cos(static_cast<double>(i)), INSERT_VALUES));
    HP_CALL(VecAssemblyBegin(c));
    HP_CALL(VecAssemblyEnd(c));
    return c;
  }
  void step(Vec w, Vec lambda, Vec out, bool affine) {
    each(w, lambda, nullptr, out, [this, affine](double wi, double li, PetscInt i, const double*) {
      return wi - o_.step * ((coefficient(i, 1.0) + std::exp(li)) * wi - (affine ? coefficient(i, 0.0) : 0.0));
    });
  }
  template <class F>
  void each(Vec x, Vec lambda, Vec w, Vec out, F f) {
    const PetscScalar *px = nullptr, *pl = nullptr, *pw = nullptr;
    PetscScalar* po = nullptr;
    PetscInt lo = 0, hi = 0;
    HP_CALL(VecGetOwnershipRange(x, &lo, &hi));
    HP_CALL(VecGetArrayRead(x, &px));
    HP_CALL(VecGetArrayRead(lambda, &pl));
    if (w) HP_CALL(VecGetArrayRead(w, &pw));
    HP_CALL(VecGetArray(out, &po));
    for (PetscInt i = lo; i < hi; ++i) po[i - lo] = f(px[i - lo], pl[i - lo], i, pw ? pw + (i - lo) : nullptr);
    HP_CALL(VecRestoreArray(out, &po));
    if (w) HP_CALL(VecRestoreArrayRead(w, &pw));
    HP_CALL(VecRestoreArrayRead(lambda, &pl));
    HP_CALL(VecRestoreArrayRead(x, &px));
  }
  MPI_Comm comm_;
  ToyOptions o_;
  Vec lambda_ = nullptr, w_lin_ = nullptr;  // the linearisation point (the caller owns them)
  PetscInt products_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  hp::problem_registry().add(hp::make_problem_entry<ToyOptions>(
      "toy_quadratic", "test plugin: a separable quadratic", toy_table(),
      [](MPI_Comm comm, const ToyOptions& o, const hp::ProblemSettings&, const hp::HyperparameterSettings&)
          -> std::unique_ptr<hp::BilevelProblem> { return std::make_unique<ToyQuadratic>(comm, o); }));
  hp::method_registry().add({"toy_aid_cg", "test plugin: AID with CG under another name", true, [] {
                               return std::make_unique<hp::AidMethod>("toy_aid_cg",
                                                                      hp::make_krylov_adjoint("toy_aid_cg", "cg"));
                             }});
  return hp::cli_main(argc, argv);
}
