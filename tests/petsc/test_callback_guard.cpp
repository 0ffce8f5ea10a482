// The error bridge on its own: a MATSHELL whose product throws, called through HP_CALL,
// and PetscFailure carrying PETSc's message. (Whole solves: tests/methods/test_callback_errors.cpp.)
#include <gtest/gtest.h>
#include <petscksp.h>
#include <petscmat.h>

#include <stdexcept>
#include <string>

#include "hyperpetsc/petsc/callback_guard.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"

namespace {

using hp::Matrix;
using hp::Vector;

struct CustomFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A PETSc call that fails in any build (VecCopy checks sizes even without debugging).
void copy_to_wrong_size(Vec x) {
  Vector small;
  HP_CALL(VecCreateMPI(PETSC_COMM_WORLD, 1, PETSC_DETERMINE, small.out()));
  HP_CALL(VecCopy(x, small));
}

// What the shell's product does on the next call.
enum class Behaviour { copy, throw_user_error, throw_custom, fail_in_petsc, bare_code };
Behaviour next_behaviour = Behaviour::copy;

PetscErrorCode shell_mult(Mat, Vec x, Vec y) {
  // A callback that fails without telling PETSc's error handler anything.
  if (next_behaviour == Behaviour::bare_code) return PETSC_ERR_PLIB;
  return hp::guard_callback([&] {
    switch (next_behaviour) {
      case Behaviour::copy: HP_CALL(VecCopy(x, y)); break;
      case Behaviour::throw_user_error: throw hp::UserError("product refused (user error)");
      case Behaviour::throw_custom: throw CustomFailure("product refused (custom)");
      case Behaviour::fail_in_petsc: copy_to_wrong_size(x); break;
      case Behaviour::bare_code: break;
    }
  });
}

class CallbackGuard : public ::testing::Test {
 protected:
  void SetUp() override {
    HP_CALL(VecCreateMPI(PETSC_COMM_WORLD, 3, PETSC_DETERMINE, x_.out()));
    HP_CALL(VecSet(x_, 1.0));
    HP_CALL(VecDuplicate(x_, y_.out()));
    HP_CALL(MatCreateShell(PETSC_COMM_WORLD, 3, 3, PETSC_DETERMINE, PETSC_DETERMINE, nullptr, a_.out()));
    HP_CALL(MatShellSetOperation(a_, MATOP_MULT, reinterpret_cast<void (*)(void)>(shell_mult)));
    next_behaviour = Behaviour::copy;
  }
  void TearDown() override { next_behaviour = Behaviour::copy; }
  void mult() { HP_CALL(MatMult(a_, x_, y_)); }

  Vector x_, y_;
  Matrix a_;
};

TEST_F(CallbackGuard, TheOriginalExceptionComesOutOfTheCallingHpCall) {
  next_behaviour = Behaviour::throw_user_error;
  try {
    mult();
    FAIL() << "no exception";
  } catch (const hp::UserError& e) {
    EXPECT_STREQ(e.what(), "product refused (user error)");
  }
  EXPECT_FALSE(hp::callback_exception_pending());

  next_behaviour = Behaviour::throw_custom;
  try {
    mult();
    FAIL() << "no exception";
  } catch (const CustomFailure& e) {
    EXPECT_STREQ(e.what(), "product refused (custom)");
  }
  EXPECT_FALSE(hp::callback_exception_pending());

  // The slot is empty again: a working product does not throw.
  next_behaviour = Behaviour::copy;
  EXPECT_NO_THROW(mult());
}

// A PETSc failure inside the callback keeps its code and PETSc's message.
TEST_F(CallbackGuard, APetscFailureInsideTheCallbackKeepsItsCodeAndMessage) {
  next_behaviour = Behaviour::fail_in_petsc;
  try {
    mult();
    FAIL() << "no exception";
  } catch (const hp::PetscFailure& e) {
    EXPECT_EQ(e.code(), PETSC_ERR_ARG_INCOMP);
    EXPECT_NE(std::string(e.what()).find("VecCopy(x, small)"), std::string::npos) << e.what();
    EXPECT_FALSE(e.petsc_message().empty());
  }
  EXPECT_FALSE(hp::callback_exception_pending());
}

// An exception parked by a callback whose error code PETSc then ignored still comes out
// of the next HP_CALL (even a successful one) instead of being dropped; once rethrown it
// is gone, and a later, unrelated failure is reported as itself.
TEST_F(CallbackGuard, AParkedExceptionIsNeverDroppedNorReusedForALaterFailure) {
  next_behaviour = Behaviour::throw_custom;
  EXPECT_NE(shell_mult(a_, x_, y_), 0);  // PETSc would have called this and ignored the code
  EXPECT_TRUE(hp::callback_exception_pending());
  EXPECT_THROW(HP_CALL(VecSet(y_, 2.0)), CustomFailure);
  EXPECT_FALSE(hp::callback_exception_pending());
  try {
    copy_to_wrong_size(x_);
    FAIL() << "no exception";
  } catch (const hp::PetscFailure& e) {
    EXPECT_EQ(e.code(), PETSC_ERR_ARG_INCOMP);
  }
  // Two parked exceptions (PETSc calling a failing callback again): the first cause wins.
  EXPECT_NE(shell_mult(a_, x_, y_), 0);
  next_behaviour = Behaviour::throw_user_error;
  EXPECT_NE(shell_mult(a_, x_, y_), 0);
  EXPECT_THROW(HP_CALL(VecSet(y_, 2.0)), CustomFailure);
  EXPECT_NO_THROW(HP_CALL(VecSet(y_, 2.0)));
}

// PetscFailure's message includes what PETSc said at the origin of the error.
TEST(PetscFailureMessage, CarriesPetscsOwnMessage) {
  hp::Krylov ksp;
  HP_CALL(KSPCreate(PETSC_COMM_WORLD, ksp.out()));
  try {
    HP_CALL(KSPSetType(ksp, "no_such_krylov_method"));
    FAIL() << "no exception";
  } catch (const hp::PetscFailure& e) {
    EXPECT_EQ(e.code(), PETSC_ERR_ARG_UNKNOWN_TYPE);
    EXPECT_NE(e.petsc_message().find("no_such_krylov_method"), std::string::npos) << e.petsc_message();
    const std::string what = e.what();
    EXPECT_NE(what.find("no_such_krylov_method"), std::string::npos) << what;
    EXPECT_NE(what.find("Unknown type"), std::string::npos) << what;
  }
}

// An error PETSc handled itself (its message recorded, never thrown) is not attached to a
// later failure that has a different cause.
TEST_F(CallbackGuard, AMessageFromAnotherErrorIsNotAttached) {
  PetscInt n = 0;
  HP_CALL(PetscOptionsSetValue(nullptr, "-hp_test_not_an_int", "abc"));
  EXPECT_NE(PetscOptionsGetInt(nullptr, nullptr, "-hp_test_not_an_int", &n, nullptr), 0);
  HP_CALL(PetscOptionsClearValue(nullptr, "-hp_test_not_an_int"));
  next_behaviour = Behaviour::bare_code;
  try {
    mult();
    FAIL() << "no exception";
  } catch (const hp::PetscFailure& e) {
    EXPECT_EQ(e.code(), PETSC_ERR_PLIB);
    EXPECT_EQ(e.petsc_message(), "") << e.what();
  }
}

}  // namespace
