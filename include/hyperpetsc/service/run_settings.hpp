// The `run` section: where `hyperpetsc run` writes its outputs. Keys: src/service/run_settings.cpp.
#pragma once
#include <string>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

struct RunSettings {
  std::string dir;  // "" = runs/<config file's stem>; relative to the working folder
};

const KeyTable<RunSettings>& run_table();

// The output folder of a run of `config_path` (run.dir, or runs/<stem>).
std::string run_folder(const RunSettings& run, const std::string& config_path);

}  // namespace hp
