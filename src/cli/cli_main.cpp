// The program behind `hyperpetsc`: PETSc set-up, one command, errors to exit codes.
// Exit status: 0 success, 2 user error (same message, every rank), 3 internal failure.
#include <petscsys.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace {

int finish(int code) {
  PetscFinalize();
  return code;
}

std::string join(const std::vector<std::string>& args) {
  std::string s;
  for (const auto& a : args) s += (s.empty() ? "" : " ") + a;
  return s;
}

}  // namespace

namespace hp {

int cli_main(int argc, char** argv) {
  hp::CommandLine cl;
  std::string cli_error;
  try {
    cl = hp::parse_command_line(argc, argv);
  } catch (const hp::UserError& e) {
    cli_error = e.what();
  }
  // PETSc sees only its own options; ours (--set, --json) are not PETSc's business.
  // (-log_view and friends must be seen at initialisation.)
  std::vector<char*> pargv{argv[0]};
  for (auto& a : cl.petsc) pargv.push_back(a.data());
  int pargc = static_cast<int>(pargv.size());
  pargv.push_back(nullptr);
  char** pa = pargv.data();
  if (PetscInitialize(&pargc, &pa, nullptr, nullptr)) return 3;
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  // Errors are reported by us, once, as a sentence; PETSc's tracebacks are for bugs.
  hp::push_quiet_error_handler();

  if (!cli_error.empty()) {
    if (rank == 0) std::fprintf(stderr, "hyperpetsc: error: %s\n", cli_error.c_str());
    return finish(2);
  }
  if (cl.help) {
    if (rank == 0) std::printf("%s", hp::usage().c_str());
    return finish(0);
  }
  try {
    const hp::Settings settings = hp::load_settings(cl.config, cl.overrides);
    // YAML's petsc_options first, then the command line so it wins.
    HP_CALL(PetscOptionsInsertString(nullptr, settings.petsc_options.c_str()));
    HP_CALL(PetscOptionsInsertString(nullptr, join(cl.petsc).c_str()));
    hp::command_registry().find(cl.command)->run(PETSC_COMM_WORLD, cl, settings);
  } catch (const hp::UserError& e) {
    if (rank == 0) std::fprintf(stderr, "hyperpetsc: error: %s\n", e.what());
    return finish(2);
  } catch (const std::exception& e) {
    // Not necessarily collective: abort so no rank waits forever.
    std::fprintf(stderr, "hyperpetsc: internal error on rank %d: %s\n", rank, e.what());
    std::fflush(stderr);
    MPI_Abort(PETSC_COMM_WORLD, 3);
  }
  return finish(0);
}

}  // namespace hp
