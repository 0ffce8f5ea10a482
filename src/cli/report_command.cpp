// `hyperpetsc report RUN_DIR`: plots and report.md / report.html of a run or sweep folder
// (src/service/report/). Rank 0 does the work; its error, if any, is agreed on every rank
// so the program exits 2 everywhere with one message.
#include <cstdio>
#include <string>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"
#include "hyperpetsc/service/report/run_report.hpp"

namespace hp {

void run_report(MPI_Comm comm, const CommandLine& cl, const Settings&) {
  // Checks of the command line: the same on every rank, so thrown directly.
  const auto& args = cl.arguments;
  if (args.empty()) throw UserError("report needs a RUN_DIR: the run.dir of a hyperpetsc run or sweep");
  if (args.size() > 1)
    throw UserError("report: unexpected argument " + quote_user_text(args[1]) + "; give one RUN_DIR");
  if (!cl.json.empty()) throw UserError("report writes report.md and report.html; it has no --json");
  if (!cl.store.empty()) throw UserError("--store is an option of runs");

  std::string error, out;
  if (comm_rank(comm) == 0) {
    try {
      const ReportFiles r = write_report(args[0]);
      out = "report: " + quote_user_path(r.folder) + ": ";
      if (r.sweep) out += std::to_string(r.trials) + " trials; ";
      out += std::to_string(r.files.size() - 2) + " plots, report.md, report.html\n";
    } catch (const UserError& e) {
      error = e.what();
    }
  }
  agree_or_throw(comm, error);
  if (comm_rank(comm) == 0) {
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
  }
}

}  // namespace hp
