// `hyperpetsc run`: hypergradient descent on λ (the outer loop) with its outputs in the run
// folder. Every rank computes; the coordinator (rank 0) writes the files and the progress.
#include <mpi.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "hyperpetsc/cli/commands.hpp"
#include "hyperpetsc/engine/hypergradient_session.hpp"
#include "hyperpetsc/outer/outer_loop.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/run_outputs.hpp"

namespace hp {

namespace {

std::string progress_line(const OuterStepRecord& r, PetscInt total) {
  char buf[256];
  const double per_step = r.step > 0 ? r.seconds / static_cast<double>(r.step) : r.seconds;
  const double eta = per_step * static_cast<double>(total - r.step);
  std::snprintf(buf, sizeof buf, "step %d/%d  val loss %.6e  |g| %.3e  inner %d  solver %d  %.3f s/step  ETA %.0f s",
                static_cast<int>(r.step), static_cast<int>(total), r.val_loss, r.hypergradient_norm,
                static_cast<int>(r.inner_iterations), static_cast<int>(r.solver_iterations), per_step, eta);
  return buf;
}

// Runs `f` on the coordinator only; its UserError reaches every rank.
template <class F>
void on_coordinator(MPI_Comm comm, F&& f) {
  std::string err;
  if (comm_rank(comm) == 0) try {
      f();
    } catch (const UserError& e) {
      err = e.what();
    }
  agree_or_throw(comm, err);
}

}  // namespace

void run_run(MPI_Comm comm, const CommandLine& cl, const Settings& settings) {
  const bool coordinator = comm_rank(comm) == 0;
  // The folder is checked before any computation.
  std::unique_ptr<RunOutputs> out;
  on_coordinator(comm, [&] {
    out = std::make_unique<RunOutputs>(run_folder(settings.run, settings.config_path));
    out->write_config(settings.resolved_yaml);
  });
  HypergradientSession session(comm, settings);
  const bool terminal = coordinator && isatty(fileno(stdout));
  OuterRunResult result;
  try {
    result = run_outer_loop(session, settings.outer, [&](const OuterStepRecord& r) {
      if (!coordinator) return;
      const std::string line = progress_line(r, settings.outer.iterations);
      out->add_metrics_row(r);
      out->log(line);
      if (cl.quiet) return;
      if (terminal)
        std::printf("\r\033[K%s", line.c_str());
      else
        std::printf("%s\n", line.c_str());
      std::fflush(stdout);
    });
  } catch (const UserError& e) {
    if (coordinator) {
      if (terminal && !cl.quiet) std::printf("\n");
      out->log(std::string("error: ") + e.what());
      try {
        out->write_summary("FAILED", nullptr, comm_size(comm), e.what());
      } catch (const UserError&) {
        // The run's own error is the one to report.
      }
    }
    throw;
  }
  const std::vector<double> lambda = session.gather_outer_on_zero(session.lambda());
  on_coordinator(comm, [&] {
    if (terminal && !cl.quiet) std::printf("\n");
    out->write_lambda(lambda);
    out->write_summary("COMPLETED", &result, comm_size(comm), "");
    char buf[256];
    std::snprintf(buf, sizeof buf, "stopped (%s) after %d steps, %.2f s: best val loss %.8g at step %d, final %.8g",
                  result.stop_reason.c_str(), static_cast<int>(result.steps), result.seconds, result.best.val_loss,
                  static_cast<int>(result.best.step), result.final.val_loss);
    out->log(buf);
    if (!cl.quiet) std::printf("%s\nresults in %s\n", buf, out->dir().c_str());
    std::fflush(stdout);
  });
}

}  // namespace hp
