// Refusing, before allocating, what cannot fit: a one-line LIBSVM file with feature index
// 2147483647, problem.n_features = 2147483647 or inner.iterations = 2147483647 with ITD
// would otherwise make every rank allocate tens of GB (bad_alloc, a PETSc error, or the
// OOM killer taking the machine down). Callers estimate the bytes their big allocations
// need on each rank and call check_memory first.
//
// The limit per rank is what the machine can give: min(MemAvailable from /proc/meminfo,
// the cgroup's memory limit minus its usage, reclaimable file cache excepted) divided by
// the ranks on this node — and, if set, the user's own per-rank limit (the CLI's
// --max-memory), whichever is smaller.
#pragma once
#include <mpi.h>

#include <string>

namespace hp {

// A per-rank limit from the user (bytes > 0), named in messages by `origin` (e.g.
// "--max-memory"); 0 removes it. Process-wide; set it on every rank.
void set_memory_limit_per_rank(double bytes, const std::string& origin);

// Bytes this node can give each of its ranks in `comm` now (no user limit). Collective.
double machine_memory_per_rank(MPI_Comm comm);

// Throws hp::UserError on every rank, with the same message, when `bytes_per_rank` (this
// rank's estimate; ranks may differ) exceeds the limit on any rank:
//   "<what> needs about X GB per rank, more than the Y GB per rank that <origin> allows
//    | this machine has available (…); <remedy>".
// `what` and `remedy` must be the same on every rank (quote user data with
// quote_user_text). Collective: one allreduce, plus a node split and a read of
// /proc/meminfo.
void check_memory(MPI_Comm comm, double bytes_per_rank, const std::string& what,
                  const std::string& remedy);

}  // namespace hp
