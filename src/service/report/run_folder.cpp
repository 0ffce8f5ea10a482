#include "hyperpetsc/service/report/run_folder.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/regular_file.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace fs = std::filesystem;

namespace {

constexpr std::uintmax_t kMaxRunFileBytes = std::uintmax_t{512} << 20;

}  // namespace

std::optional<std::string> read_run_file(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && errno == ENOENT) return std::nullopt;
  require_regular_file(path, "run folder file", "a run folder holds regular files written by hyperpetsc run");
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (!ec && size > kMaxRunFileBytes)
    throw UserError(quote_user_path(path) + " is " + std::to_string(size) +
                    " bytes; the report reads run files of at most 512 MiB");
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof())
    throw UserError(quote_user_path(path) + " cannot be read (" + std::strerror(errno) + ")");
  return text;
}

std::string folder_name(const std::string& dir) {
  std::error_code ec;
  fs::path absolute = fs::absolute(dir, ec).lexically_normal();
  if (!absolute.has_filename()) absolute = absolute.parent_path();  // "runs/x/" names x
  return absolute.filename().string();
}

std::vector<double> parse_lambda_file(const std::string& text, const std::string& file) {
  std::vector<double> lambda;
  std::string line;
  std::size_t line_no = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    line.assign(text, pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    char* end = nullptr;
    const double v = std::strtod(line.c_str(), &end);
    if (end == line.c_str() || *end != '\0')
      throw UserError(quote_user_path(file) + " line " + std::to_string(line_no) + ": " + quote_user_text(line) +
                      " is not a number (lambda.txt holds one λ value a line)");
    lambda.push_back(v);
  }
  return lambda;
}

RunFolder read_run_folder(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UserError("run folder " + quote_user_path(dir) +
                    (fs::exists(dir, ec) ? " is not a folder" : " does not exist") +
                    "; give the run.dir of a hyperpetsc run (or a sweep)");
  RunFolder run;
  run.dir = dir;
  run.name = folder_name(dir);
  const auto file = [&](const char* name) { return (fs::path(dir) / name).string(); };

  if (const auto text = read_run_file(file("metrics.csv"))) {
    run.metrics = parse_metrics_csv(*text, file("metrics.csv"));
    run.has_metrics = true;
  }
  if (const auto text = read_run_file(file("summary.json"))) {
    run.summary = parse_run_summary(*text, file("summary.json"));
    run.has_summary = true;
  }
  if (!run.has_metrics && !run.has_summary)
    throw UserError("run folder " + quote_user_path(dir) +
                    " has neither metrics.csv nor summary.json (nor trials/<id>/ folders holding them, for a sweep); "
                    "give the run.dir of a hyperpetsc run");
  if (const auto text = read_run_file(file("lambda.txt"))) run.lambda = parse_lambda_file(*text, file("lambda.txt"));
  if (const auto text = read_run_file(file("config.resolved.yaml")))
    run.config = parse_yaml(*text, file("config.resolved.yaml"));
  return run;
}

std::optional<double> RunFolder::best_val_loss() const {
  if (summary.best.val_loss && std::isfinite(*summary.best.val_loss)) return summary.best.val_loss;
  std::optional<double> best;
  if (const auto* col = metrics.column("val_loss"))
    for (double v : *col)
      if (std::isfinite(v) && (!best || v < *best)) best = v;
  return best;
}

int RunFolder::lambda_image_side() const {
  if (!config || lambda.empty()) return 0;
  const ConfigNode* problem = config->find("problem");
  const ConfigNode* train = problem ? problem->find("train") : nullptr;
  const ConfigNode* format = train ? train->find("format") : nullptr;
  if (!format || !format->is_scalar() || format->scalar != "idx") return 0;
  const auto side = static_cast<long long>(std::llround(std::sqrt(static_cast<double>(lambda.size()))));
  return side * side == static_cast<long long>(lambda.size()) && side > 1 ? static_cast<int>(side) : 0;
}

}  // namespace hp
