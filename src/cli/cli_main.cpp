// The program behind `hyperpetsc`: PETSc set-up, one command, errors to exit codes.
// Exit status: 0 success, 2 user error (same message, every rank), 3 internal failure.
#include <mpi.h>
#include <petscsys.h>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"
#include "hyperpetsc/petsc/user_options.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace {

// A PETSc start-up or shut-down failure may leave other ranks waiting inside PETSc (it
// opens files on rank 0 alone): say what PETSc said and end every rank with status 2.
[[noreturn]] void abort_on_petsc_failure(const char* when) {
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const std::string said = hp::take_petsc_error_message();
  std::fprintf(stderr, "hyperpetsc: error: PETSc failed %s on rank %d%s%s; check the PETSc options\n", when, rank,
               said.empty() ? "" : ": ", said.empty() ? "" : hp::quote_user_text(said, 200).c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, 2);
  std::exit(2);
}

int finish(int code) {
  if (PetscFinalize()) abort_on_petsc_failure("while finishing");
  MPI_Finalize();
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
  // MPI before PETSc (which then leaves MPI to us), so the ranks can agree on the options
  // files before PetscInitialize reads them.
  MPI_Init(&argc, &argv);
  std::string options_error;
  try {
    hp::agree_or_throw(MPI_COMM_WORLD, hp::options_file_problem(cl.petsc));
  } catch (const hp::UserError& e) {
    options_error = e.what();
  }
  // PETSc sees only its own options; ours (--set, --json) are not PETSc's business.
  // (-log_view and friends must be seen at initialisation.)
  std::vector<char*> pargv{argv[0]};
  if (options_error.empty())
    for (auto& a : cl.petsc) pargv.push_back(a.data());
  int pargc = static_cast<int>(pargv.size());
  pargv.push_back(nullptr);
  char** pa = pargv.data();
  // Errors are reported by us, once, as a sentence; PETSc's tracebacks are for bugs.
  // Installed first so that PetscInitialize prints nothing either.
  hp::push_quiet_error_handler();
  if (PetscInitialize(&pargc, &pa, nullptr, nullptr)) abort_on_petsc_failure("to start");
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);

  if (cli_error.empty()) cli_error = options_error;
  if (!cli_error.empty()) {
    if (rank == 0) std::fprintf(stderr, "hyperpetsc: error: %s\n", cli_error.c_str());
    return finish(2);
  }
  if (cl.help) {
    if (rank == 0) std::printf("%s", hp::usage().c_str());
    return finish(0);
  }
  try {
    if (cl.max_memory_bytes > 0) hp::set_memory_limit_per_rank(cl.max_memory_bytes, "--max-memory");
    const hp::CommandEntry& command = *hp::command_registry().find(cl.command);
    const hp::Settings settings = command.takes_config ? hp::load_settings(cl.config, cl.overrides) : hp::Settings{};
    // YAML's petsc_options first, then the command line so it wins.
    hp::apply_user_options(PETSC_COMM_WORLD, "the config's petsc_options", [&] {
      HP_CALL(PetscOptionsInsertString(nullptr, settings.petsc_options.c_str()));
    });
    hp::apply_user_options(PETSC_COMM_WORLD, "the PETSc options on the command line", [&] {
      HP_CALL(PetscOptionsInsertString(nullptr, join(cl.petsc).c_str()));
    });
    hp::prepare_log_view(PETSC_COMM_WORLD);
    command.run(PETSC_COMM_WORLD, cl, settings);
  } catch (const hp::UserError& e) {
    if (rank == 0) std::fprintf(stderr, "hyperpetsc: error: %s\n", e.what());
    return finish(2);
  } catch (const hp::Interrupted& e) {
    if (rank == 0) std::fprintf(stderr, "hyperpetsc: %s\n", e.what());
    return finish(hp::kExitInterrupted);
  } catch (const std::exception& e) {
    // Not necessarily collective: abort so no rank waits forever.
    std::fprintf(stderr, "hyperpetsc: internal error on rank %d: %s\n", rank, e.what());
    std::fflush(stderr);
    MPI_Abort(PETSC_COMM_WORLD, 3);
  }
  return finish(0);
}

}  // namespace hp
