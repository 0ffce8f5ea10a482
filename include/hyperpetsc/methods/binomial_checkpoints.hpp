// The binomial checkpointing schedule (Griewank 1992; Griewank & Walther, "Algorithm 799:
// revolve", 2000) for reversing l steps of a recursion with s stored states.
//
// Model: the state at the first step is stored (it counts in s). To reverse steps
// [a, b) from a stored state at a with s states: one step (b − a = 1) needs nothing; with
// s = 1, advance from a to each i = b−1, …, a+1 in turn; otherwise advance m steps to a+m,
// store that state, reverse [a+m, b) with s − 1 states, drop it, and reverse [a, a+m)
// with s. The fewest advances over all choices of m are (Griewank's formula)
//     T(l, s) = r·l − C(s + r, s + 1),   r the integer with C(s+r−1, s) < l ≤ C(s+r, s),
// and binomial_split picks an m that attains it. The advances along the rightmost path
// (a → a+m → … → b−1, l − 1 of them) are the forward pass itself; the other
// T(l, s) − (l − 1) are recomputation.
#pragma once
#include <petscsys.h>

#include <cstdint>
#include <vector>

namespace hp {

// T(l, s): advances of the optimal schedule (l ≥ 0, s ≥ 1).
std::uint64_t binomial_advances(std::uint64_t l, std::uint64_t s);

// Forward steps the reverse sweep recomputes: T(l, s) − (l − 1) (0 for l ≤ 1).
std::uint64_t binomial_recomputations(std::uint64_t l, std::uint64_t s);

// An optimal first split m (1 ≤ m < l) for l ≥ 2 steps and s ≥ 2 states.
std::uint64_t binomial_split(std::uint64_t l, std::uint64_t s);

// The steps whose state the forward pass stores to reverse [lo, t) with s states: lo and
// each a+m down the schedule's rightmost path. Ascending, at most s entries.
std::vector<PetscInt> binomial_forward_snapshots(PetscInt lo, PetscInt t, PetscInt s);

}  // namespace hp
