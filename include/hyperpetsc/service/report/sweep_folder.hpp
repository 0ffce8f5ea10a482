// A sweep's folder: RUN_DIR/trials/<id>/, each a run folder (see run_folder.hpp). The
// swept values of each trial come from the `params` object of its summary.json when the
// trials have one, otherwise from the keys whose values differ between the trials'
// config.resolved.yaml (run.dir aside, which differs by construction).
#pragma once
#include <string>
#include <vector>

#include "hyperpetsc/service/report/run_folder.hpp"

namespace hp {

struct SweepFolder {
  std::string dir;
  std::vector<RunFolder> trials;                       // by id: numerically when ids are numbers
  std::vector<std::string> swept_keys;                 // e.g. hyperparameters.init
  std::vector<std::vector<std::string>> swept_values;  // [trial][key]; "" where a trial lacks the key

  // The index of the trial with the lowest best validation loss, or -1 if none has one.
  int best_trial() const;
};

// Whether `dir` holds a sweep: some trials/<id>/metrics.csv (or summary.json, when every
// trial failed before its first step). A sweep folder's own files, if any, are not read.
bool is_sweep_folder(const std::string& dir);

// Reads every trial folder (a folder under trials/ holding metrics.csv or summary.json).
// Throws hp::UserError as read_run_folder does, naming the trial's file.
SweepFolder read_sweep_folder(const std::string& dir);

}  // namespace hp
