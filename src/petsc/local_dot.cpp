#include "hyperpetsc/petsc/local_dot.hpp"

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

double local_dot(Vec a, Vec b) {
  PetscInt n = 0;
  HP_CALL(VecGetLocalSize(a, &n));
  const PetscScalar* pa = nullptr;
  const PetscScalar* pb = nullptr;
  HP_CALL(VecGetArrayRead(a, &pa));
  HP_CALL(VecGetArrayRead(b, &pb));
  // Eight independent lanes: vectorisable, and no serial dependency through one sum.
  constexpr PetscInt kLanes = 8;
  double lane[kLanes] = {};
  PetscInt i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (PetscInt k = 0; k < kLanes; ++k) lane[k] += pa[i + k] * pb[i + k];
  for (; i < n; ++i) lane[0] += pa[i] * pb[i];
  HP_CALL(VecRestoreArrayRead(b, &pb));
  HP_CALL(VecRestoreArrayRead(a, &pa));
  double sum = 0;
  for (double l : lane) sum += l;
  return sum;
}

}  // namespace hp
