#include "hyperpetsc/problems/data_operator.hpp"

#include <stdexcept>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/problems/dense_data_operator.hpp"
#include "hyperpetsc/problems/features_data_operator.hpp"
#include "hyperpetsc/problems/rows_data_operator.hpp"

namespace hp {

std::unique_ptr<DataOperator> make_data_operator(Mat X, PetscInt c, DataLayout layout) {
  switch (layout) {
    case DataLayout::rows: return std::make_unique<RowsDataOperator>(X, c);
    case DataLayout::features: return std::make_unique<FeaturesDataOperator>(X, c);
    case DataLayout::dense: return std::make_unique<DenseDataOperator>(X, c);
    case DataLayout::automatic: break;
  }
  throw std::logic_error("make_data_operator: resolve DataLayout::automatic first");
}

DataLayout automatic_data_layout(Mat X, PetscInt c) {
  PetscInt n = 0, d = 0;
  HP_CALL(MatGetSize(X, &n, &d));
  MatInfo info;
  HP_CALL(MatGetInfo(X, MAT_GLOBAL_SUM, &info));
  const double entries = static_cast<double>(n) * static_cast<double>(d);
  const bool dense_data = entries > 0 && info.nz_used >= 0.3 * entries;
  const bool whole_w_is_small = static_cast<double>(d) * static_cast<double>(c) * 8.0 <= 64e6;
  if (dense_data && whole_w_is_small) return DataLayout::dense;
  return d > n ? DataLayout::features : DataLayout::rows;
}

Vector create_blocked_vector(MPI_Comm comm, PetscInt local_blocks, PetscInt global_blocks, PetscInt c) {
  Vector v;
  HP_CALL(VecCreateMPI(comm, local_blocks * c, global_blocks * c, v.out()));
  HP_CALL(VecSetBlockSize(v, c));
  return v;
}

}  // namespace hp
