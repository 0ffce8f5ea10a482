// This rank's share of ⟨a, b⟩ (no communication): for callers that fold several dot
// products, or a dot product and a product, into one reduction.
#pragma once
#include <petscvec.h>

namespace hp {

double local_dot(Vec a, Vec b);

}  // namespace hp
