#include "hyperpetsc/problems/block_csr_kernels.hpp"
#include "hyperpetsc/problems/block_csr_kernel_variants.hpp"

namespace hp {

// Declared here, defined in block_csr_kernels_{generic,avx2}.cpp.
namespace generic {
void fused(const FusedStep&, PetscInt);
void times_block(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*, const Epilogue&);
void transpose_times_block_add(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*);
void update_transpose_times_block_add(const CsrView&, PetscInt, const PetscScalar*, double, PetscScalar*, PetscScalar*);
}  // namespace generic
#if defined(HP_HAVE_AVX2_KERNELS)
namespace avx2 {
void fused(const FusedStep&, PetscInt);
void times_block(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*, const Epilogue&);
void transpose_times_block_add(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*);
void update_transpose_times_block_add(const CsrView&, PetscInt, const PetscScalar*, double, PetscScalar*, PetscScalar*);
}  // namespace avx2
#endif

namespace {
bool use_avx2() {
#if defined(HP_HAVE_AVX2_KERNELS)
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return ok;
#else
  return false;
#endif
}
}  // namespace

void csr_times_block(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y,
                     const Epilogue& e) {
#if defined(HP_HAVE_AVX2_KERNELS)
  if (use_avx2()) return avx2::times_block(A, c, x, y, e);
#endif
  (void)use_avx2;
  generic::times_block(A, c, x, y, e);
}

void csr_fused_step(const FusedStep& f, PetscInt c) {
#if defined(HP_HAVE_AVX2_KERNELS)
  if (use_avx2()) return avx2::fused(f, c);
#endif
  generic::fused(f, c);
}

void csr_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y) {
#if defined(HP_HAVE_AVX2_KERNELS)
  if (use_avx2()) return avx2::transpose_times_block_add(A, c, x, y);
#endif
  generic::transpose_times_block_add(A, c, x, y);
}

void csr_update_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* u, double beta,
                                          PetscScalar* x, PetscScalar* y) {
#if defined(HP_HAVE_AVX2_KERNELS)
  if (use_avx2()) return avx2::update_transpose_times_block_add(A, c, u, beta, x, y);
#endif
  generic::update_transpose_times_block_add(A, c, u, beta, x, y);
}

const BlockCsrKernels& generic_block_csr_kernels() {
  static const BlockCsrKernels k{generic::times_block, generic::fused, generic::transpose_times_block_add,
                                 generic::update_transpose_times_block_add};
  return k;
}

const BlockCsrKernels* avx2_block_csr_kernels() {
#if defined(HP_HAVE_AVX2_KERNELS)
  static const BlockCsrKernels k{avx2::times_block, avx2::fused, avx2::transpose_times_block_add,
                                 avx2::update_transpose_times_block_add};
  if (use_avx2()) return &k;
#endif
  return nullptr;
}

}  // namespace hp
