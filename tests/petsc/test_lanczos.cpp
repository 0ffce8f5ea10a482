// lanczos_extremes on diagonal operators with known spectra, at any rank count.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <functional>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/petsc/lanczos.hpp"

namespace {

hp::Vector vector_of(PetscInt n, const std::function<double(PetscInt)>& f) {
  hp::Vector v;
  HP_CALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, n, v.out()));
  PetscInt lo = 0, hi = 0;
  HP_CALL(VecGetOwnershipRange(v, &lo, &hi));
  PetscScalar* a = nullptr;
  HP_CALL(VecGetArray(v, &a));
  for (PetscInt i = lo; i < hi; ++i) a[i - lo] = f(i);
  HP_CALL(VecRestoreArray(v, &a));
  return v;
}

// y = D x for the diagonal D.
std::function<void(Vec, Vec)> diagonal(Vec d) {
  return [d](Vec x, Vec y) { HP_CALL(VecPointwiseMult(y, d, x)); };
}

const PetscInt kN = 400;
// Eigenvalues 1/400 … 1 evenly spaced, the top one 1.
double spread(PetscInt i) { return static_cast<double>(i + 1) / kN; }
double start_entry(PetscInt i) { return 1.0 + 0.5 * std::sin(1.0 + static_cast<double>(i)); }

TEST(Lanczos, LargestRitzValueConvergesFromBelowAndTheResidualBracketsIt) {
  hp::Vector d = vector_of(kN, spread);
  double previous = 0;
  for (int steps : {5, 10, 20, 40}) {
    hp::Vector b = vector_of(kN, start_entry);
    const hp::RitzEstimate e = hp::lanczos_extremes(diagonal(d), b, steps, 0.0);
    EXPECT_EQ(e.steps, steps);
    EXPECT_LE(e.largest, 1.0 + 1e-14) << steps;      // a Ritz value: never above λmax
    EXPECT_GE(e.largest, previous - 1e-14) << steps;  // and it only grows with k
    EXPECT_GE(e.largest + e.residual, 1.0 - 1e-14) << steps;  // θ + r is above λmax here
    EXPECT_GE(e.smallest, spread(0) - 1e-14);
    previous = e.largest;
  }
  // 40 steps, against the Rayleigh quotient of 40 power iterations from the same start
  // (what the step-size estimates used before): at least 10 times closer to λmax.
  hp::Vector x = vector_of(kN, start_entry), y = vector_of(kN, start_entry);
  double norm = 0, rayleigh = 0;
  HP_CALL(VecNormalize(x, &norm));
  for (int it = 0; it < 40; ++it) {
    diagonal(d)(x, y);
    HP_CALL(VecDot(x, y, &rayleigh));
    HP_CALL(VecNormalize(y, &norm));
    HP_CALL(VecSwap(x, y));
  }
  EXPECT_LT(1.0 - previous, 0.1 * (1.0 - rayleigh)) << "power iteration: " << rayleigh;
  EXPECT_NEAR(previous, 1.0, 1e-3);
}

TEST(Lanczos, StopsOnceTheResidualMeetsTheTolerance) {
  // A well separated top eigenvalue (2 against ≤ 1) converges in a few steps.
  hp::Vector d = vector_of(kN, [](PetscInt i) { return i == kN / 3 ? 2.0 : spread(i); });
  hp::Vector b = vector_of(kN, start_entry);
  const hp::RitzEstimate e = hp::lanczos_extremes(diagonal(d), b, 200, 1e-9);
  EXPECT_LT(e.steps, 40);
  EXPECT_LE(e.residual, 1e-9 * e.largest);
  EXPECT_NEAR(e.largest, 2.0, 1e-12);
}

TEST(Lanczos, AnInvariantStartEndsAfterOneStepWithItsEigenvalue) {
  hp::Vector d = vector_of(kN, spread);
  hp::Vector b = vector_of(kN, [](PetscInt i) { return i == 7 ? 3.0 : 0.0; });  // an eigenvector
  const hp::RitzEstimate e = hp::lanczos_extremes(diagonal(d), b, 50, 0.0);
  EXPECT_EQ(e.steps, 1);
  EXPECT_DOUBLE_EQ(e.largest, spread(7));
  EXPECT_EQ(e.residual, 0.0);
  // A zero start gives no estimate rather than NaN.
  hp::Vector zero = vector_of(kN, [](PetscInt) { return 0.0; });
  const hp::RitzEstimate z = hp::lanczos_extremes(diagonal(d), zero, 50);
  EXPECT_EQ(z.steps, 0);
  EXPECT_EQ(z.largest, 0.0);
}

}  // namespace
