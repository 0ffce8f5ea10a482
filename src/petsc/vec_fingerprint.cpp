#include "hyperpetsc/petsc/vec_fingerprint.hpp"

#include <mpi.h>

#include <cstring>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {
// splitmix64's finaliser: every input bit affects every output bit.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

std::uint64_t vec_fingerprint(Vec v) {
  MPI_Comm comm = PetscObjectComm(reinterpret_cast<PetscObject>(v));
  PetscInt n = 0, N = 0;
  HP_CALL(VecGetLocalSize(v, &n));
  HP_CALL(VecGetSize(v, &N));
  const PetscScalar* a = nullptr;
  HP_CALL(VecGetArrayRead(v, &a));
  // A cheap multiplicative chain over the entries, finalised with the rank so that equal
  // blocks on different ranks do not cancel in the XOR below.
  std::uint64_t h = 0x9e3779b97f4a7c15ULL;
  for (PetscInt i = 0; i < n; ++i) {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &a[i], sizeof bits);
    h = (h ^ bits) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  HP_CALL(VecRestoreArrayRead(v, &a));
  std::uint64_t mine = mix(h ^ mix(static_cast<std::uint64_t>(comm_rank(comm)) + 1) ^
                           mix(static_cast<std::uint64_t>(n) << 20));
  std::uint64_t all = 0;
  MPI_Allreduce(&mine, &all, 1, MPI_UINT64_T, MPI_BXOR, comm);
  return mix(all ^ static_cast<std::uint64_t>(N));
}

}  // namespace hp
