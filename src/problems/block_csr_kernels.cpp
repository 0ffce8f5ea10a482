#include "hyperpetsc/problems/block_csr_kernels.hpp"
#include "hyperpetsc/problems/block_csr_kernel_variants.hpp"

namespace hp {

// Declared here, defined in block_csr_kernels_{generic,avx2,avx512}.cpp.
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
#if defined(HP_HAVE_AVX512_KERNELS)
namespace avx512 {
void fused(const FusedStep&, PetscInt);
void times_block(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*, const Epilogue&);
void transpose_times_block_add(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*);
void update_transpose_times_block_add(const CsrView&, PetscInt, const PetscScalar*, double, PetscScalar*, PetscScalar*);
}  // namespace avx512
#endif

namespace {
// The widest variant this build has and this CPU runs, chosen once.
const BlockCsrKernels& chosen() {
  static const BlockCsrKernels& k = [] () -> const BlockCsrKernels& {
    if (const BlockCsrKernels* wide = avx512_block_csr_kernels()) return *wide;
    if (const BlockCsrKernels* k2 = avx2_block_csr_kernels()) return *k2;
    return generic_block_csr_kernels();
  }();
  return k;
}
}  // namespace

void csr_times_block(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y,
                     const Epilogue& e) {
  chosen().times_block(A, c, x, y, e);
}

void csr_fused_step(const FusedStep& f, PetscInt c) { chosen().fused_step(f, c); }

void csr_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* x, PetscScalar* y) {
  chosen().transpose_times_block_add(A, c, x, y);
}

void csr_update_transpose_times_block_add(const CsrView& A, PetscInt c, const PetscScalar* u, double beta,
                                          PetscScalar* x, PetscScalar* y) {
  chosen().update_transpose_times_block_add(A, c, u, beta, x, y);
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
  static const bool ok = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (ok) return &k;
#endif
  return nullptr;
}

const BlockCsrKernels* avx512_block_csr_kernels() {
#if defined(HP_HAVE_AVX512_KERNELS)
  static const BlockCsrKernels k{avx512::times_block, avx512::fused, avx512::transpose_times_block_add,
                                 avx512::update_transpose_times_block_add};
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
  if (ok) return &k;
#endif
  return nullptr;
}

}  // namespace hp
