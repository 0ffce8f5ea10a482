// vec_fingerprint: equal values, equal digests (whatever the Vec object); any change, a
// different digest; the same digest on every rank.
#include <gtest/gtest.h>
#include <petscvec.h>

#include <cmath>
#include <cstdint>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/petsc/vec_fingerprint.hpp"

namespace {

hp::Vector ramp(PetscInt n) {
  hp::Vector v;
  HP_CALL(VecCreateMPI(PETSC_COMM_WORLD, PETSC_DECIDE, n, v.out()));
  PetscInt lo = 0, hi = 0;
  HP_CALL(VecGetOwnershipRange(v, &lo, &hi));
  for (PetscInt i = lo; i < hi; ++i) HP_CALL(VecSetValue(v, i, 0.25 * static_cast<double>(i), INSERT_VALUES));
  HP_CALL(VecAssemblyBegin(v));
  HP_CALL(VecAssemblyEnd(v));
  return v;
}

bool same_on_every_rank(std::uint64_t h) {
  std::uint64_t lo = h, hi = h;
  MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_UINT64_T, MPI_MIN, PETSC_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_UINT64_T, MPI_MAX, PETSC_COMM_WORLD);
  return lo == hi;
}

TEST(VecFingerprint, EqualValuesEqualDigestsAnyChangeAnotherDigest) {
  const PetscInt n = 37;
  hp::Vector a = ramp(n), b = ramp(n);
  const std::uint64_t h = hp::vec_fingerprint(a);
  EXPECT_TRUE(same_on_every_rank(h));
  EXPECT_EQ(hp::vec_fingerprint(b), h);  // another object, the same values
  for (PetscInt i : {PetscInt{0}, n / 2, n - 1}) {
    // The last bit of one entry.
    HP_CALL(VecSetValue(b, i, std::nextafter(0.25 * static_cast<double>(i), 1e300), INSERT_VALUES));
    HP_CALL(VecAssemblyBegin(b));
    HP_CALL(VecAssemblyEnd(b));
    const std::uint64_t changed = hp::vec_fingerprint(b);
    EXPECT_TRUE(same_on_every_rank(changed));
    EXPECT_NE(changed, h) << "entry " << i;
    HP_CALL(VecCopy(a, b));
    EXPECT_EQ(hp::vec_fingerprint(b), h);
  }
  // Swapping two entries, and a longer vector with the same prefix, are changes too.
  HP_CALL(VecSetValue(b, 0, 0.25, INSERT_VALUES));
  HP_CALL(VecSetValue(b, 1, 0.0, INSERT_VALUES));
  HP_CALL(VecAssemblyBegin(b));
  HP_CALL(VecAssemblyEnd(b));
  EXPECT_NE(hp::vec_fingerprint(b), h);
  hp::Vector longer = ramp(n + 1);
  EXPECT_NE(hp::vec_fingerprint(longer), h);
}

}  // namespace
