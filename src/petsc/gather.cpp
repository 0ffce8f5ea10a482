#include "hyperpetsc/petsc/gather.hpp"

#include <stdexcept>
#include <string>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"

namespace hp {

std::vector<double> gather_vector(Vec v, GatherTo where) {
  Scatter sc;
  Vector all;
  if (where == GatherTo::rank_zero)
    HP_CALL(VecScatterCreateToZero(v, sc.out(), all.out()));
  else
    HP_CALL(VecScatterCreateToAll(v, sc.out(), all.out()));
  HP_CALL(VecScatterBegin(sc, v, all, INSERT_VALUES, SCATTER_FORWARD));
  HP_CALL(VecScatterEnd(sc, v, all, INSERT_VALUES, SCATTER_FORWARD));
  PetscInt n = 0;
  HP_CALL(VecGetLocalSize(all, &n));
  const PetscScalar* a = nullptr;
  HP_CALL(VecGetArrayRead(all, &a));
  std::vector<double> out(a, a + n);
  HP_CALL(VecRestoreArrayRead(all, &a));
  return out;
}

void scatter_vector(const std::vector<double>& all, Vec v, const OwnedRangeFill& fill) {
  PetscInt n = 0, lo = 0, hi = 0;
  HP_CALL(VecGetSize(v, &n));
  if (static_cast<size_t>(n) != all.size())
    throw std::invalid_argument("scatter_vector: " + std::to_string(all.size()) +
                                " values for a vector of size " + std::to_string(n));
  HP_CALL(VecGetOwnershipRange(v, &lo, &hi));
  PetscScalar* a = nullptr;
  HP_CALL(VecGetArray(v, &a));
  if (fill)
    fill(lo, hi, a);
  else
    for (PetscInt i = lo; i < hi; ++i) a[i - lo] = all[static_cast<size_t>(i)];
  HP_CALL(VecRestoreArray(v, &a));
}

}  // namespace hp
