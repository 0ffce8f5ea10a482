// Bilevel problems by name (the `problem.type` key). Adding a problem is adding a file
// and a line in problem_registry.cpp.
#pragma once
#include <mpi.h>

#include <memory>
#include <string>
#include <vector>

#include "hyperpetsc/config/settings.hpp"
#include "hyperpetsc/problems/bilevel_problem.hpp"

namespace hp {



// Names in registration order.
std::vector<std::string> problem_names();

// Load the data and build the problem named by settings.problem.type. Collective;
// throws hp::UserError for unknown names and bad data.
std::unique_ptr<BilevelProblem> make_problem(MPI_Comm comm, const Settings& settings);

}  // namespace hp
