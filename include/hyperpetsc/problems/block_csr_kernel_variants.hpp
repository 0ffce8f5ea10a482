// The instruction-set variants behind the entry points of block_csr_kernels.hpp, exposed so
// tests can compare them (the AVX2 build against the portable one). Production code calls
// csr_times_block & co., which pick a variant once at run time.
#pragma once
#include "hyperpetsc/problems/block_csr_kernels.hpp"

namespace hp {

struct BlockCsrKernels {
  void (*times_block)(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*, const Epilogue&);
  void (*fused_step)(const FusedStep&, PetscInt);
  void (*transpose_times_block_add)(const CsrView&, PetscInt, const PetscScalar*, PetscScalar*);
  void (*update_transpose_times_block_add)(const CsrView&, PetscInt, const PetscScalar*, double, PetscScalar*,
                                           PetscScalar*);
};

// Compiled for the compiler's baseline instruction set.
const BlockCsrKernels& generic_block_csr_kernels();
// Compiled with -mavx2 -mfma; null when the build has no such variant or this CPU lacks
// AVX2 or FMA.
const BlockCsrKernels* avx2_block_csr_kernels();
// Compiled with -mavx512f -mavx512vl (512-bit vectors); null when the build has no such
// variant or this CPU lacks AVX-512F/VL.
const BlockCsrKernels* avx512_block_csr_kernels();

}  // namespace hp
