#include "hyperpetsc/cli/commands.hpp"

namespace hp {

Registry<CommandEntry>& command_registry() {
  static Registry<CommandEntry> r({
      {"hypergrad",
       "one hypergradient at the initial hyperparameters; JSON with method, t, k,\n"
       "outer_objective, hypergradient, hypergradient_norm, seconds, ...",
       "CONFIG.yaml [--set section.key=value ...] [--json FILE] [PETSc options]", run_hypergrad},
      {"compare",
       "every method of the paper at the config's t and k against `exact`, as a table;\n"
       "--sweep 10,20,50,100 adds the error of every method at t = k = each value",
       "CONFIG.yaml [--set ...] [--sweep T1,T2,...] [--json FILE] [PETSc options]", run_compare},
      {"run",
       "hypergradient descent on λ (outer.*), warm-started across steps; writes\n"
       "config.resolved.yaml, metrics.csv, lambda.txt, summary.json, log.txt in run.dir",
       "CONFIG.yaml [--set ...] [--quiet] [PETSc options]", run_run},
      {"runs",
       "the run store's trials: `list` as a table (id, experiment, status, swept values,\n"
       "validation losses, test accuracy, seconds, error), `show ID` one trial with its steps;\n"
       "--json prints JSON instead (default store: runs/runs.db)",
       "list|show ID [--store PATH] [--json]", run_runs, /*takes_config=*/false},
      {"report", "PNG plots (gnuplot), report.md and a self-contained report.html of a run or sweep folder,\n"
       "written to RUN_DIR/report/", "RUN_DIR", run_report, /*takes_config=*/false},
      {"serve",
       "the spool service: runs each DIR/incoming/*.yaml in name order as `run` would (its\n"
       "results in its run.dir, else DIR/results/<name>), filed under DIR/done/ or DIR/failed/\n"
       "with a note; resumes DIR/running/ first. Exit 0 when DIR/stop appears, 75 after a\n"
       "SIGTERM/SIGUSR1 (the job in hand checkpoints; serve again resumes it)",
       "--spool DIR [--ranks-per-trial R] [--store PATH] [--quiet]", run_serve, /*takes_config=*/false},
  });
  return r;
}

}  // namespace hp
