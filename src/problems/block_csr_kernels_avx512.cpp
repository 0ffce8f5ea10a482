// The kernels compiled with -mavx512f -mavx512vl -mfma and 512-bit vectors preferred: a row
// of 20 doubles (20 classes) is 2.5 registers instead of 5. Used only when the CPU has
// AVX-512F and VL, so one binary runs everywhere.
#if defined(HP_HAVE_AVX512_KERNELS)
#define HP_KERNEL_NAMESPACE avx512
#include "block_csr_kernels_body.hpp"
#endif
