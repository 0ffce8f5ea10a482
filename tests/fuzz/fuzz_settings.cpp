// libFuzzer target: the YAML settings loader, hp::load_settings(path, overrides). Lines
// "#--set KEY=VALUE" are YAML comments that also become --set overrides, so one input
// drives both. hp::UserError is the expected failure; any other exception, crash or
// sanitizer report is a finding.
#include <petscsys.h>

#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "hyperpetsc/engine/settings.hpp"
#include "hyperpetsc/petsc/error.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hp::fuzz::initialize_petsc();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  const std::string marker = "#--set ";
  for (std::size_t at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) {
    const std::size_t end = text.find('\n', at);
    overrides.push_back(text.substr(at + marker.size(), end == std::string::npos ? end : end - at - marker.size()));
  }
  const std::string path = hp::fuzz::write_input("config.yaml", data, size);
  try {
    const hp::Settings s = hp::load_settings(path, overrides);
    if (s.resolved_yaml.empty()) hp::fuzz::finding("loaded settings without a resolved YAML");
  } catch (const hp::UserError& e) {
    hp::fuzz::check_message(e.what());  // the expected outcome for a bad config
  }
  return 0;
}
