// Collective error agreement: a user error detected on some ranks (a bad line in their
// block of a file, say) must stop every rank with the same message, never hang.
#pragma once
#include <mpi.h>

#include <string>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

// Every rank calls this. If any rank passes a non-empty message, every rank throws
// hp::UserError carrying the message of the lowest such rank.
void agree_or_throw(MPI_Comm comm, const std::string& local_error);

// Runs `f` on rank 0 of comm only (a coordinator's file or store work); an hp::UserError
// it throws reaches every rank (agree_or_throw). Collective.
template <class F>
void on_rank_zero(MPI_Comm comm, F&& f);

int comm_rank(MPI_Comm comm);
int comm_size(MPI_Comm comm);

template <class F>
void on_rank_zero(MPI_Comm comm, F&& f) {
  std::string err;
  if (comm_rank(comm) == 0) try {
      f();
    } catch (const UserError& e) {
      err = e.what();
    }
  agree_or_throw(comm, err);
}

}  // namespace hp
