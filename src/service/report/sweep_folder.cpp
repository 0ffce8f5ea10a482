#include "hyperpetsc/service/report/sweep_folder.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace fs = std::filesystem;

namespace {

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Trial ids in a human order: 2 before 10, numbers before names.
bool trial_order(const std::string& a, const std::string& b) {
  const bool na = all_digits(a), nb = all_digits(b);
  if (na && nb) return std::stoll(a) != std::stoll(b) ? std::stoll(a) < std::stoll(b) : a < b;
  if (na != nb) return na;
  return a < b;
}

// Every scalar (or list, as flow text) of `node` by its dotted key.
void flatten(const ConfigNode& node, const std::string& prefix, std::map<std::string, std::string>& out) {
  if (node.is_map()) {
    for (const auto& [key, value] : node.entries) flatten(value, prefix.empty() ? key : prefix + "." + key, out);
    return;
  }
  std::string text = node.is_scalar() ? node.scalar : node.is_null() ? "null" : emit_yaml(node);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  out[prefix] = text;
}

void derive_swept_values(SweepFolder& sweep) {
  const std::size_t n = sweep.trials.size();
  const bool any_params = std::any_of(sweep.trials.begin(), sweep.trials.end(),
                                      [](const RunFolder& t) { return !t.summary.params.empty(); });
  std::vector<std::map<std::string, std::string>> per_trial(n);
  if (any_params) {
    for (std::size_t t = 0; t < n; ++t)
      for (const auto& [key, value] : sweep.trials[t].summary.params) {
        if (std::find(sweep.swept_keys.begin(), sweep.swept_keys.end(), key) == sweep.swept_keys.end())
          sweep.swept_keys.push_back(key);
        per_trial[t][key] = value;
      }
  } else {
    std::map<std::string, std::string> first_value;
    std::map<std::string, std::size_t> seen_in;
    std::vector<std::string> differing;
    for (std::size_t t = 0; t < n; ++t)
      if (sweep.trials[t].config) flatten(*sweep.trials[t].config, "", per_trial[t]);
    for (std::size_t t = 0; t < n; ++t)
      for (const auto& [key, value] : per_trial[t]) {
        ++seen_in[key];
        const auto [it, inserted] = first_value.emplace(key, value);
        if (!inserted && it->second != value && key != "run.dir" &&
            std::find(differing.begin(), differing.end(), key) == differing.end())
          differing.push_back(key);
      }
    // A key some trials lack is swept too (a trial without the key took its default).
    const std::size_t with_config = static_cast<std::size_t>(std::count_if(
        sweep.trials.begin(), sweep.trials.end(), [](const RunFolder& t) { return t.config.has_value(); }));
    for (const auto& [key, count] : seen_in)
      if (count != with_config && key != "run.dir" &&
          std::find(differing.begin(), differing.end(), key) == differing.end())
        differing.push_back(key);
    std::sort(differing.begin(), differing.end());
    sweep.swept_keys = differing;
  }
  sweep.swept_values.assign(n, std::vector<std::string>(sweep.swept_keys.size()));
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t k = 0; k < sweep.swept_keys.size(); ++k) {
      const auto it = per_trial[t].find(sweep.swept_keys[k]);
      if (it != per_trial[t].end()) sweep.swept_values[t][k] = it->second;
    }
}

}  // namespace

bool is_sweep_folder(const std::string& dir) {
  std::error_code ec;
  const fs::path trials = fs::path(dir) / "trials";
  if (!fs::is_directory(trials, ec)) return false;
  for (fs::directory_iterator it(trials, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (fs::exists(it->path() / "metrics.csv", ec2) || fs::exists(it->path() / "summary.json", ec2)) return true;
  }
  return false;
}

SweepFolder read_sweep_folder(const std::string& dir) {
  SweepFolder sweep;
  sweep.dir = dir;
  const fs::path trials = fs::path(dir) / "trials";
  std::vector<std::string> ids;
  std::error_code ec;
  for (fs::directory_iterator it(trials, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code ec2;
    if (it->is_directory(ec2) &&
        (fs::exists(it->path() / "metrics.csv", ec2) || fs::exists(it->path() / "summary.json", ec2)))
      ids.push_back(it->path().filename().string());
  }
  if (ec)
    throw UserError("sweep folder " + quote_user_path(trials.string()) + " cannot be listed (" + ec.message() + ")");
  std::sort(ids.begin(), ids.end(), trial_order);
  sweep.trials.reserve(ids.size());
  for (const auto& id : ids) sweep.trials.push_back(read_run_folder((trials / id).string()));
  derive_swept_values(sweep);
  return sweep;
}

int SweepFolder::best_trial() const {
  int best = -1;
  for (std::size_t t = 0; t < trials.size(); ++t) {
    const auto v = trials[t].best_val_loss();
    if (v && (best < 0 || *v < *trials[best].best_val_loss())) best = static_cast<int>(t);
  }
  return best;
}

}  // namespace hp
