#include "hyperpetsc/petsc/collective.hpp"

#include <vector>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

int comm_rank(MPI_Comm comm) {
  int r = 0;
  MPI_Comm_rank(comm, &r);
  return r;
}

int comm_size(MPI_Comm comm) {
  int s = 1;
  MPI_Comm_size(comm, &s);
  return s;
}

void agree_or_throw(MPI_Comm comm, const std::string& local_error) {
  const int size = comm_size(comm);
  int mine = local_error.empty() ? size : comm_rank(comm);
  int first = size;
  MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm);
  if (first == size) return;
  int len = static_cast<int>(local_error.size());
  MPI_Bcast(&len, 1, MPI_INT, first, comm);
  std::vector<char> buf(local_error.begin(), local_error.end());
  buf.resize(static_cast<size_t>(len));
  MPI_Bcast(buf.data(), len, MPI_CHAR, first, comm);
  throw UserError(std::string(buf.begin(), buf.end()));
}

}  // namespace hp
