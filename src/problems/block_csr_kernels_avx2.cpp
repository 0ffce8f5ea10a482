// The kernels compiled with -mavx2 -mfma (CMake adds the flags on x86-64): 4-wide FMAs
// make X·W and Xᵀ·R about 1.3x faster on news20-shaped data. Used only when the CPU has
// both, so one binary runs everywhere.
#if defined(HP_HAVE_AVX2_KERNELS)
#define HP_KERNEL_NAMESPACE avx2
#include "block_csr_kernels_body.hpp"
#endif
