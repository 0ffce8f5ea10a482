// The subcommands of `hyperpetsc`. Each takes validated settings and runs collectively.
#pragma once
#include <mpi.h>

#include <string>
#include <vector>

#include "hyperpetsc/config/settings.hpp"

namespace hp {

struct CommandLine {
  std::string command;                 // hypergrad | compare
  std::string config;                  // CONFIG.yaml
  std::vector<std::string> overrides;  // --set section.key=value
  std::string json;                    // --json FILE ("" = none)
  std::vector<long> sweep;             // compare --sweep T1,T2,...: errors at t = k = Ti
  std::vector<std::string> petsc;      // everything else starting with '-': PETSc options
  bool help = false;
};

// Parses argv; throws hp::UserError for malformed command lines.
CommandLine parse_command_line(int argc, char** argv);
std::string usage();

// `hyperpetsc hypergrad`: one hypergradient at the initial λ.
void run_hypergrad(MPI_Comm comm, const CommandLine& cl, const Settings& settings);

// `hyperpetsc compare`: every method against `exact`, printed as a table.
void run_compare(MPI_Comm comm, const CommandLine& cl, const Settings& settings);

}  // namespace hp
