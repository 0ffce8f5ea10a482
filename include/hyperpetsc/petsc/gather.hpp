// A distributed Vec as one std::vector in global order: on rank 0 only (for output) or on
// every rank (for tests and small outer vectors).
#pragma once
#include <petscvec.h>

#include <functional>
#include <vector>

namespace hp {

enum class GatherTo { rank_zero, all_ranks };

// Collective. Ranks that receive nothing get an empty vector.
std::vector<double> gather_vector(Vec v, GatherTo where);

// The inverse, without communication: every rank holds `all` (the global vector) and
// fills its owned range [lo, hi) of v: by default owned[i − lo] = all[i]; a vector stored
// in a permuted order passes its own `fill`. Throws std::invalid_argument if the sizes
// differ.
using OwnedRangeFill = std::function<void(PetscInt lo, PetscInt hi, PetscScalar* owned)>;
void scatter_vector(const std::vector<double>& all, Vec v, const OwnedRangeFill& fill = {});

}  // namespace hp
