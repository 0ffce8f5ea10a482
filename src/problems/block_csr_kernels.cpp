#include "hyperpetsc/problems/block_csr_kernels.hpp"

#include <vector>

namespace hp {

namespace {

template <int C>
void mult(const CsrView& A, const PetscScalar* x, PetscScalar* y, bool add) {
  for (PetscInt i = 0; i < A.rows; ++i) {
    double acc[C];
    PetscScalar* yi = y + static_cast<size_t>(i) * C;
    for (int k = 0; k < C; ++k) acc[k] = add ? yi[k] : 0.0;
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      const PetscScalar* xr = x + static_cast<size_t>(A.ja[p]) * C;
      for (int k = 0; k < C; ++k) acc[k] += v * xr[k];
    }
    for (int k = 0; k < C; ++k) yi[k] = acc[k];
  }
}

template <int C>
void mult_transpose_add(const CsrView& A, const PetscScalar* x, PetscScalar* y) {
  for (PetscInt i = 0; i < A.rows; ++i) {
    double xi[C];
    for (int k = 0; k < C; ++k) xi[k] = x[static_cast<size_t>(i) * C + k];
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      PetscScalar* yr = y + static_cast<size_t>(A.ja[p]) * C;
      for (int k = 0; k < C; ++k) yr[k] += v * xi[k];
    }
  }
}

void mult_any(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y, bool add) {
  std::vector<double> acc(static_cast<size_t>(c));
  for (PetscInt i = 0; i < A.rows; ++i) {
    PetscScalar* yi = y + static_cast<size_t>(i) * c;
    for (PetscInt k = 0; k < c; ++k) acc[k] = add ? yi[k] : 0.0;
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      const PetscScalar* xr = x + static_cast<size_t>(A.ja[p]) * c;
      for (PetscInt k = 0; k < c; ++k) acc[k] += v * xr[k];
    }
    for (PetscInt k = 0; k < c; ++k) yi[k] = acc[k];
  }
}

void mult_transpose_add_any(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y) {
  for (PetscInt i = 0; i < A.rows; ++i) {
    const PetscScalar* xi = x + static_cast<size_t>(i) * c;
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      PetscScalar* yr = y + static_cast<size_t>(A.ja[p]) * c;
      for (PetscInt k = 0; k < c; ++k) yr[k] += v * xi[k];
    }
  }
}

using MultFn = void (*)(const CsrView&, const PetscScalar*, PetscScalar*, bool);
using MultTFn = void (*)(const CsrView&, const PetscScalar*, PetscScalar*);

template <int... Cs>
struct Table {
  static constexpr MultFn mult_fns[] = {nullptr, &mult<Cs>...};
  static constexpr MultTFn mult_t_fns[] = {nullptr, &mult_transpose_add<Cs>...};
};
using Kernels = Table<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32>;
constexpr PetscInt kMaxSpecialised = 32;

}  // namespace

void csr_times_block(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y, bool add) {
  if (c >= 1 && c <= kMaxSpecialised)
    Kernels::mult_fns[c](A, x, y, add);
  else
    mult_any(A, c, x, y, add);
}

void csr_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y) {
  if (c >= 1 && c <= kMaxSpecialised)
    Kernels::mult_t_fns[c](A, x, y);
  else
    mult_transpose_add_any(A, c, x, y);
}

}  // namespace hp
