#include "hyperpetsc/service/run_settings.hpp"

#include <filesystem>

namespace hp {

const KeyTable<RunSettings>& run_table() {
  static const KeyTable<RunSettings> t =
      KeyTable<RunSettings>("run", "outputs of hyperpetsc run")
          .text("dir", &RunSettings::dir, "",
                "output folder (relative: to the working folder); empty: runs/<config file's stem>")
          .integer("checkpoint_every", &RunSettings::checkpoint_every, 5, 0, 100000000,
                   "outer steps between checkpoints (also on SIGTERM/SIGUSR1); 0: only on a signal")
          .boolean("refit", &RunSettings::refit, false,
                   "after the run, re-train on train ∪ validation with the final λ and report test metrics");
  return t;
}

std::string run_folder(const RunSettings& run, const std::string& config_path) {
  if (!run.dir.empty()) return run.dir;
  return (std::filesystem::path("runs") / std::filesystem::path(config_path).stem()).string();
}

}  // namespace hp
