// The kernels' bodies, compiled once per instruction set (block_csr_kernels_*.cpp) inside
// namespace HP_KERNEL_NAMESPACE; block_csr_kernels.cpp picks one at run time.
// Included only by those files.
#include <type_traits>
#include <vector>

#include "hyperpetsc/problems/block_csr_kernels.hpp"

namespace hp {
namespace HP_KERNEL_NAMESPACE {


template <typename Width>
inline void finish_row(PetscInt i, Width width, const double* acc, PetscScalar* yi, const Epilogue& e) {
  const int c = static_cast<int>(width);  // a compile-time constant for the specialised widths
  switch (e.mode) {
    case Epilogue::overwrite:
      for (int k = 0; k < c; ++k) yi[k] = acc[k];
      break;
    case Epilogue::add:
      for (int k = 0; k < c; ++k) yi[k] += e.beta * acc[k];
      break;
    case Epilogue::combine: {
      const double s = e.row_scale[i];
      const PetscScalar* wi = e.w + static_cast<size_t>(i) * c;
      for (int k = 0; k < c; ++k) yi[k] = s * wi[k] + e.beta * acc[k];
      break;
    }
  }
  if (e.dot_acc) {
    const PetscScalar* di = e.dot_with + static_cast<size_t>(i) * c;
    for (int k = 0; k < c; ++k) e.dot_acc[k] += yi[k] * di[k];
  }
}

template <int C>
void mult(const CsrView& A, const PetscScalar* x, PetscScalar* y, const Epilogue& e) {
  for (PetscInt i = 0; i < A.rows; ++i) {
    double acc[C] = {};
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      const PetscScalar* xr = x + static_cast<size_t>(A.ja[p]) * C;
      for (int k = 0; k < C; ++k) acc[k] += v * xr[k];
    }
    finish_row(i, std::integral_constant<int, C>{}, acc, y + static_cast<size_t>(i) * C, e);
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

template <int C>
void update_mult_transpose_add(const CsrView& A, const PetscScalar* u, double beta, PetscScalar* x, PetscScalar* y) {
  for (PetscInt i = 0; i < A.rows; ++i) {
    double xi[C];
    const PetscScalar* ui = u + static_cast<size_t>(i) * C;
    PetscScalar* xo = x + static_cast<size_t>(i) * C;
    if (beta == 0.0)
      for (int k = 0; k < C; ++k) xi[k] = ui[k];
    else
      for (int k = 0; k < C; ++k) xi[k] = ui[k] + beta * xo[k];
    for (int k = 0; k < C; ++k) xo[k] = xi[k];
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      PetscScalar* yr = y + static_cast<size_t>(A.ja[p]) * C;
      for (int k = 0; k < C; ++k) yr[k] += v * xi[k];
    }
  }
}

void update_mult_transpose_add_any(const CsrView& A, PetscInt c, const PetscScalar* u, double beta, PetscScalar* x,
                                   PetscScalar* y) {
  for (PetscInt i = 0; i < A.rows; ++i) {
    const PetscScalar* ui = u + static_cast<size_t>(i) * c;
    PetscScalar* xi = x + static_cast<size_t>(i) * c;
    for (PetscInt k = 0; k < c; ++k) xi[k] = beta == 0.0 ? ui[k] : ui[k] + beta * xi[k];
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      PetscScalar* yr = y + static_cast<size_t>(A.ja[p]) * c;
      for (PetscInt k = 0; k < c; ++k) yr[k] += v * xi[k];
    }
  }
}

void mult_any(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y, const Epilogue& e) {
  std::vector<double> acc(static_cast<size_t>(c));
  for (PetscInt i = 0; i < A.rows; ++i) {
    for (PetscInt k = 0; k < c; ++k) acc[k] = 0.0;
    for (PetscInt p = A.ia[i]; p < A.ia[i + 1]; ++p) {
      const double v = A.a[p];
      const PetscScalar* xr = x + static_cast<size_t>(A.ja[p]) * c;
      for (PetscInt k = 0; k < c; ++k) acc[k] += v * xr[k];
    }
    finish_row(i, c, acc.data(), y + static_cast<size_t>(i) * c, e);
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

using MultFn = void (*)(const CsrView&, const PetscScalar*, PetscScalar*, const Epilogue&);
using MultTFn = void (*)(const CsrView&, const PetscScalar*, PetscScalar*);
using UpdateMultTFn = void (*)(const CsrView&, const PetscScalar*, double, PetscScalar*, PetscScalar*);

template <int... Cs>
struct Table {
  static constexpr MultFn mult_fns[] = {nullptr, &mult<Cs>...};
  static constexpr MultTFn mult_t_fns[] = {nullptr, &mult_transpose_add<Cs>...};
  static constexpr UpdateMultTFn update_mult_t_fns[] = {nullptr, &update_mult_transpose_add<Cs>...};
};
using Kernels = Table<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                      23, 24, 25, 26, 27, 28, 29, 30, 31, 32>;
constexpr PetscInt kMaxSpecialised = 32;



// acc and o live in `Buffer` (stack arrays for the specialised widths, so they stay in
// registers; heap for wider blocks).
template <int C>
struct StackBuffer {
  double acc[C], o[C];
  explicit StackBuffer(int) {}
};
struct HeapBuffer {
  std::vector<double> acc_v, o_v;
  double *acc, *o;
  explicit HeapBuffer(int c) : acc_v(static_cast<size_t>(c)), o_v(static_cast<size_t>(c)), acc(acc_v.data()), o(o_v.data()) {}
};

template <typename Buffer, typename Width>
void fused_step(const FusedStep& f, Width width) {
  const int c = static_cast<int>(width);
  const bool ghosts = f.offd.ia != nullptr && f.offd.rows > 0;
  Buffer buf(c);
  auto& acc = buf.acc;
  auto& o = buf.o;
  for (PetscInt i = 0; i < f.diag.rows; ++i) {
    for (int k = 0; k < c; ++k) acc[k] = 0.0;
    for (PetscInt p = f.diag.ia[i]; p < f.diag.ia[i + 1]; ++p) {
      const double v = f.diag.a[p];
      const PetscScalar* xr = f.r_local + static_cast<size_t>(f.diag.ja[p]) * c;
      for (int k = 0; k < c; ++k) acc[k] += v * xr[k];
    }
    if (ghosts)
      for (PetscInt p = f.offd.ia[i]; p < f.offd.ia[i + 1]; ++p) {
        const double v = f.offd.a[p];
        const PetscScalar* xr = f.r_ghost + static_cast<size_t>(f.offd.ja[p]) * c;
        for (int k = 0; k < c; ++k) acc[k] += v * xr[k];
      }
    const double s = f.row_scale[i];
    const PetscScalar* wi = f.w + static_cast<size_t>(i) * c;
    PetscScalar* oi = f.out + static_cast<size_t>(i) * c;
    for (int k = 0; k < c; ++k) oi[k] = o[k] = s * wi[k] + f.beta * acc[k];
    for (PetscInt p = f.diag.ia[i]; p < f.diag.ia[i + 1]; ++p) {
      const double v = f.diag.a[p];
      PetscScalar* zr = f.z_local + static_cast<size_t>(f.diag.ja[p]) * c;
      for (int k = 0; k < c; ++k) zr[k] += v * o[k];
    }
    if (ghosts)
      for (PetscInt p = f.offd.ia[i]; p < f.offd.ia[i + 1]; ++p) {
        const double v = f.offd.a[p];
        PetscScalar* zr = f.z_ghost + static_cast<size_t>(f.offd.ja[p]) * c;
        for (int k = 0; k < c; ++k) zr[k] += v * o[k];
      }
  }
}

template <int C>
void fused_step_fixed(const FusedStep& f) {
  fused_step<StackBuffer<C>>(f, std::integral_constant<int, C>{});
}

template <int... Cs>
struct FusedTable {
  static constexpr void (*fns[])(const FusedStep&) = {nullptr, &fused_step_fixed<Cs>...};
};
using FusedKernels = FusedTable<1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
                                21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32>;

void fused(const FusedStep& f, PetscInt c) {
  if (c >= 1 && c <= kMaxSpecialised)
    FusedKernels::fns[c](f);
  else
    fused_step<HeapBuffer>(f, c);
}

void times_block(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y, const Epilogue& e) {
  if (c >= 1 && c <= kMaxSpecialised)
    Kernels::mult_fns[c](A, x, y, e);
  else
    mult_any(A, c, x, y, e);
}

void transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y) {
  if (c >= 1 && c <= kMaxSpecialised)
    Kernels::mult_t_fns[c](A, x, y);
  else
    mult_transpose_add_any(A, c, x, y);
}

void update_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* u, double beta,
                                      PetscScalar* x, PetscScalar* y) {
  if (c >= 1 && c <= kMaxSpecialised)
    Kernels::update_mult_t_fns[c](A, u, beta, x, y);
  else
    update_mult_transpose_add_any(A, c, u, beta, x, y);
}

}  // namespace HP_KERNEL_NAMESPACE
}  // namespace hp
