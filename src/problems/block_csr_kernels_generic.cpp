// The kernels for any x86-64 / other CPU (the compiler's baseline instruction set).
#define HP_KERNEL_NAMESPACE generic
#include "block_csr_kernels_body.hpp"
