// A distributed Vec as one std::vector in global order: on rank 0 only (for output) or on
// every rank (for tests and small outer vectors).
#pragma once
#include <petscvec.h>

#include <vector>

namespace hp {

enum class GatherTo { rank_zero, all_ranks };

// Collective. Ranks that receive nothing get an empty vector.
std::vector<double> gather_vector(Vec v, GatherTo where);

// The inverse, without communication: every rank holds `all` (the global vector) and
// copies its owned range into v. Throws std::invalid_argument if the sizes differ.
void scatter_vector(const std::vector<double>& all, Vec v);

}  // namespace hp
