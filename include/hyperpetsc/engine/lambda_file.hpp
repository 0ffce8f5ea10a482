// λ as a text file: one value per hyperparameter a line, in the data's feature order (a
// run's lambda.txt). `hyperparameters.init: PATH` starts from one.
#pragma once
#include <mpi.h>

#include <string>
#include <vector>

namespace hp {

// Rank 0 reads `path`, every rank gets the values. Collective; throws hp::UserError
// (on every rank) naming the file and line for a missing file, a value that is not a
// finite number, a value outside [lower, upper], or a count other than `expected`.
std::vector<double> read_lambda_file(MPI_Comm comm, const std::string& path, long long expected, double lower,
                                     double upper);

}  // namespace hp
