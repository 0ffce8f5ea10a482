// The spool service behind `hyperpetsc serve --spool DIR`: inside one allocation, runs the
// configuration files dropped into DIR/incoming/ one after another, each on every rank of
// `comm`, and files each under done/ or failed/ with a note beside it.
//
//   DIR/incoming/   *.yaml waiting, taken in name order (other names and dot-files are
//                   left alone: write a file elsewhere, or as NAME.part, and rename it in)
//   DIR/running/    the job being run; after a stop by signal it stays here, and the next
//                   service resumes it first (SpoolJob::resume)
//   DIR/done/       NAME.yaml and NAME.log (the run folder, times, the run's last line)
//   DIR/failed/     NAME.yaml and NAME.error.txt (the error message and the run folder)
//   DIR/stop        when it exists the service stops between jobs (and does not start)
//   DIR/serve.lock  flock'ed by the serving process: one service per spool (a second
//                   waits 5 s for one that is stopping, then is refused)
//
// A taken file keeps its name unless done/, failed/ or results/ already hold that name
// (the same file submitted again): then it becomes NAME-2.yaml, NAME-3.yaml, ...
//
// The coordinator (rank 0 of `comm`) alone looks at and moves files; it broadcasts each
// decision, so every rank runs the same job and stops at the same point.
#pragma once
#include <mpi.h>

#include <functional>
#include <string>

namespace hp {

struct SpoolJob {
  std::string name;         // its file name in DIR/running/, e.g. "a.yaml" (user data: quote it)
  std::string stem;         // the name without ".yaml": names its results and notes
  std::string config_path;  // DIR/running/<name>
  bool resume = false;      // it was in running/ when the service started: continue its run
};

// What the job runner tells the spool for the note beside the filed job; fill `run_dir` as
// soon as it is known, so that a failure's note names it too.
struct SpoolJobReport {
  std::string run_dir;  // where the job's results are
  std::string summary;  // one line on how it went (done/NAME.log)
};

// Collective on the communicator it is given. Throws hp::UserError (collectively) when the
// job fails: it is filed under failed/ with the message and the service goes on. Any other
// exception (hp::Interrupted after a checkpoint on a signal, an internal error) leaves the
// job in running/ and ends the service: serve_spool rethrows it.
using SpoolJobRunner = std::function<void(MPI_Comm, const SpoolJob&, SpoolJobReport&)>;

struct SpoolOptions {
  double poll_seconds = 1.0;  // how often an idle service looks into incoming/
  // Called on the coordinator with one line per event (job taken, done, failed, waiting,
  // stopping); empty: silent.
  std::function<void(const std::string&)> on_event;
};

// Serves DIR until DIR/stop exists or `stop_signal` returns a signal number (checked
// between jobs and while idle), then returns that number (0: stopped by DIR/stop).
// Creates DIR and its folders if missing. Collective; `stop_signal` is called on every rank
// at the same points and must return the same value on every rank. Throws hp::UserError on
// every rank, before running anything, when DIR cannot be used (not a writable folder, or
// served by another process).
int serve_spool(MPI_Comm comm, const std::string& dir, const SpoolJobRunner& run_job,
                const std::function<int()>& stop_signal, const SpoolOptions& options = {});

}  // namespace hp
