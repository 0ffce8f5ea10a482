#include "hyperpetsc/petsc/gather.hpp"

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

}  // namespace hp
