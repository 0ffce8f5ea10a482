#include <algorithm>
#include <vector>

#include "hyperpetsc/data/dataset.hpp"
#include "hyperpetsc/petsc/collective.hpp"

namespace hp {

std::vector<double> distinct_labels(MPI_Comm comm, const std::vector<const RawRows*>& sets) {
  // Deduplicate locally first so only the (few) class values cross the network.
  std::vector<double> mine;
  for (const RawRows* set : sets) mine.insert(mine.end(), set->labels.begin(), set->labels.end());
  std::sort(mine.begin(), mine.end());
  mine.erase(std::unique(mine.begin(), mine.end()), mine.end());

  const int size = comm_size(comm);
  const int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size)),
      offsets(static_cast<std::size_t>(size), 0);
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  for (int r = 1; r < size; ++r) offsets[r] = offsets[r - 1] + counts[r - 1];
  std::vector<double> all(static_cast<std::size_t>(offsets.back() + counts.back()));
  MPI_Allgatherv(mine.data(), count, MPI_DOUBLE, all.data(), counts.data(), offsets.data(),
                 MPI_DOUBLE, comm);

  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

}  // namespace hp
