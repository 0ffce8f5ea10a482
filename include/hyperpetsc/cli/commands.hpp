// The subcommands of `hyperpetsc`, by name. Each takes validated settings and runs
// collectively; adding one is a file and a line in command_registry.cpp.
#pragma once
#include <mpi.h>

#include <functional>
#include <string>
#include <vector>

#include "hyperpetsc/config/registry.hpp"
#include "hyperpetsc/engine/settings.hpp"

namespace hp {

struct CommandLine {
  std::string command;                 // a name in command_registry()
  std::string config;                  // CONFIG.yaml (commands that take one)
  std::vector<std::string> arguments;  // the words after the command, for commands without a config
  std::string store;                   // --store PATH (runs; "" = the default)
  std::vector<std::string> overrides;  // --set section.key=value
  std::string json;                    // --json FILE ("" = none; "-" = standard output, runs)
  std::vector<long> sweep;             // compare --sweep T1,T2,...: errors at t = k = Ti
  std::vector<std::string> petsc;      // everything else starting with '-': PETSc options
  double max_memory_bytes = 0;         // --max-memory (per rank; 0 = the machine's)
  bool quiet = false;                  // run, serve: no progress lines
  bool resume = false;                 // run: continue from the run folder's checkpoint
  int ranks_per_trial = 0;             // run (a sweep), serve: ranks per trial (0: all)
  std::string spool;                   // serve: the spool folder
  bool help = false;
};

struct CommandEntry {
  std::string name;
  std::string help;   // what it does, one or more lines
  std::string usage;  // the arguments after the name
  std::function<void(MPI_Comm, const CommandLine&, const Settings&)> run;
  // Whether the second word is CONFIG.yaml (loaded before run). Without one, the words
  // after the command go to CommandLine::arguments, `--json` is a flag (standard output)
  // and run gets default Settings.
  bool takes_config = true;
};
Registry<CommandEntry>& command_registry();

// Parses argv; throws hp::UserError for malformed command lines.
CommandLine parse_command_line(int argc, char** argv);
std::string usage();

// The whole program: PETSc set-up, dispatch, errors to exit codes (0, 2 user error,
// 3 internal failure). main() calls it; tests call it after registering extra entries.
int cli_main(int argc, char** argv);

// The commands (one file each).
void run_hypergrad(MPI_Comm comm, const CommandLine& cl, const Settings& settings);
void run_compare(MPI_Comm comm, const CommandLine& cl, const Settings& settings);
void run_run(MPI_Comm comm, const CommandLine& cl, const Settings& settings);
// `runs list|show ID [--store PATH] [--json]`: reads the run store on rank 0.
void run_runs(MPI_Comm comm, const CommandLine& cl, const Settings& settings);
// `report RUN_DIR`: plots, report.md and report.html in RUN_DIR/report (rank 0 works).
void run_report(MPI_Comm comm, const CommandLine& cl, const Settings& settings);
// `serve --spool DIR`: the spool service (service/spool.hpp).
void run_serve(MPI_Comm comm, const CommandLine& cl, const Settings& settings);

}  // namespace hp
