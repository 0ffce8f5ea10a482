// An exception a problem throws inside a PETSc solve (a MATSHELL product inside KSPSolve,
// the SNES function or Jacobian of `exact`) reaches the caller of compute() unchanged:
// same type, same message, on every rank, and nothing stays pending afterwards.
// The throws are collective (every rank fails at the same call), as UserError's contract
// requires.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "forwarding_problem.hpp"
#include "hyperpetsc/inner/momentum_iteration.hpp"
#include "hyperpetsc/methods/hypergradient_method.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "small_problems.hpp"
#include "test_support.hpp"

namespace {

using hp::Vector;

enum class Site { apply_map, linearize, map_vjp_inner, map_jvp_inner };
enum class Kind { user_error, custom };

const char* site_name(Site s) {
  switch (s) {
    case Site::apply_map: return "apply_map";
    case Site::linearize: return "linearize";
    case Site::map_vjp_inner: return "map_vjp_inner";
    case Site::map_jvp_inner: return "map_jvp_inner";
  }
  return "?";
}

// Not a UserError, not a PetscFailure: its type must survive the trip through PETSc.
struct CustomFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws on the Nth call of one function (then behaves normally again).
class FailingProblem final : public hp::test::ForwardingProblem {
 public:
  FailingProblem(hp::BilevelProblem& base, Site site, int nth, Kind kind)
      : ForwardingProblem(base), site_(site), nth_(nth), kind_(kind) {}

  std::string message() const {
    return std::string("test double: ") + site_name(site_) + " fails on call " + std::to_string(nth_);
  }
  int calls() const { return calls_; }

  void apply_map(Vec w, Vec lambda, Vec out) override {
    hit(Site::apply_map);
    base_.apply_map(w, lambda, out);
  }
  void linearize(Vec w, Vec lambda) override {
    hit(Site::linearize);
    base_.linearize(w, lambda);
  }
  void map_vjp_inner(Vec v, Vec out) override {
    hit(Site::map_vjp_inner);
    base_.map_vjp_inner(v, out);
  }
  void map_jvp_inner(Vec v, Vec out) override {
    hit(Site::map_jvp_inner);
    base_.map_jvp_inner(v, out);
  }

 private:
  void hit(Site s) {
    if (s != site_ || ++calls_ != nth_) return;
    if (kind_ == Kind::user_error) throw hp::UserError(message());
    throw CustomFailure(message());
  }
  Site site_;
  int nth_;
  Kind kind_;
  int calls_ = 0;
};

class CallbackErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    spec_.type = "logistic_l2";
    spec_.classes = 3;
    spec_.features = 12;
    base_ = hp::test::make_small_problem(PETSC_COMM_WORLD, spec_);
    lambda_ = base_->create_outer_vector();
    hp::test::fill(*base_, lambda_, [](PetscInt j) { return hp::test::lambda_formula(j, -2.0); });
    hp::test::configure_auto_step(*base_, lambda_);
  }

  // "<type>: <message>" of what compute() threw on this rank ("<none>" if nothing).
  std::string thrown(hp::BilevelProblem& problem, const std::string& method) {
    try {
      hp::test::run_method(problem, method, lambda_, gd_, 20, 30);
    } catch (const hp::UserError& e) {
      return std::string("UserError: ") + e.what();
    } catch (const CustomFailure& e) {
      return std::string("CustomFailure: ") + e.what();
    } catch (const std::exception& e) {
      return std::string("other exception: ") + e.what();
    }
    return "<none>";
  }

  // Throws at the Nth call of `site` during `method`; the caller sees exactly that
  // exception, the failing call was the last one made, and the next run is clean.
  void expect_rethrown(const std::string& method, Site site, int nth, Kind kind) {
    FailingProblem failing(*base_, site, nth, kind);
    const std::string expected =
        std::string(kind == Kind::user_error ? "UserError: " : "CustomFailure: ") + failing.message();
    if (kind == Kind::user_error) {
      // Same text on every rank.
      EXPECT_EQ("UserError: " + hp::test::collective_user_error(
                                    PETSC_COMM_WORLD, [&] { hp::test::run_method(failing, method, lambda_, gd_, 20, 30); }),
                expected);
    } else {
      EXPECT_EQ(thrown(failing, method), expected);
    }
    EXPECT_EQ(failing.calls(), nth) << method << ": the solve went on after the failing call";
    EXPECT_FALSE(hp::callback_exception_pending());
    // Nothing is left over: the same problem object works again.
    EXPECT_EQ(thrown(failing, method), "<none>") << method;
  }

  hp::test::SmallSpec spec_;
  std::unique_ptr<hp::BilevelProblem> base_;
  Vector lambda_;
  hp::MomentumIteration gd_{"gradient_descent", 0.0};
};

// aid_cg from v_0 = 0: every map_vjp_inner call is a MatMult inside KSPSolve.
TEST_F(CallbackErrors, AidCgRethrowsTheUserErrorFromInsideKspSolve) {
  expect_rethrown("aid_cg", Site::map_vjp_inner, 3, Kind::user_error);
}

TEST_F(CallbackErrors, AidCgRethrowsAnyExceptionTypeUnchanged) {
  expect_rethrown("aid_cg", Site::map_vjp_inner, 3, Kind::custom);
  expect_rethrown("aid_gmres", Site::map_vjp_inner, 2, Kind::custom);
}

// exact: the Newton (SNES) function and Jacobian callbacks, the MATSHELL inside the
// Newton step's KSP, and the adjoint KSP.
TEST_F(CallbackErrors, ExactRethrowsFromTheNewtonSolveAndTheAdjointSolve) {
  for (Kind kind : {Kind::user_error, Kind::custom}) {
    expect_rethrown("exact", Site::apply_map, 3, kind);
    expect_rethrown("exact", Site::linearize, 2, kind);
    expect_rethrown("exact", Site::map_jvp_inner, 4, kind);
    expect_rethrown("exact", Site::map_vjp_inner, 2, kind);
  }
}

}  // namespace
