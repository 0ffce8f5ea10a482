// Collective error agreement: a user error detected on some ranks (a bad line in their
// block of a file, say) must stop every rank with the same message, never hang.
#pragma once
#include <mpi.h>

#include <string>

namespace hp {

// Every rank calls this. If any rank passes a non-empty message, every rank throws
// hp::UserError carrying the message of the lowest such rank.
void agree_or_throw(MPI_Comm comm, const std::string& local_error);

int comm_rank(MPI_Comm comm);
int comm_size(MPI_Comm comm);

}  // namespace hp
