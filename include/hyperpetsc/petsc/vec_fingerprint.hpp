// A digest of a Vec's values, for caches keyed on "the same values" rather than on the
// same object (a Vec's id and state change when it is refilled with identical values, and
// a new Vec may get the address of a destroyed one).
#pragma once
#include <petscvec.h>

#include <cstdint>

namespace hp {

// 64 bits over the global size and every entry's bit pattern, the same on every rank:
// equal values give equal digests; different values collide with probability ~2⁻⁶⁴.
// One pass over the local values and one allreduce. Collective.
std::uint64_t vec_fingerprint(Vec v);

}  // namespace hp
