#include "hyperpetsc/service/run_settings.hpp"

#include <filesystem>

namespace hp {

const KeyTable<RunSettings>& run_table() {
  static const KeyTable<RunSettings> t =
      KeyTable<RunSettings>("run", "outputs of hyperpetsc run")
          .text("dir", &RunSettings::dir, "",
                "output folder (relative: to the working folder); empty: runs/<config file's stem>");
  return t;
}

std::string run_folder(const RunSettings& run, const std::string& config_path) {
  if (!run.dir.empty()) return run.dir;
  return (std::filesystem::path("runs") / std::filesystem::path(config_path).stem()).string();
}

}  // namespace hp
