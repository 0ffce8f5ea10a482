#include "hyperpetsc/engine/lambda_file.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "hyperpetsc/config/key_table.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/regular_file.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

std::string read_on_root(const std::string& path, long long expected, double lower, double upper,
                         std::vector<double>& values) {
  const std::string what = "hyperparameters.init";
  std::string problem = regular_file_problem(path, what);
  if (!problem.empty()) return problem + "; give a file with one λ value per line (a run's lambda.txt)";
  std::ifstream in(path);
  if (!in) return what + ": cannot read " + quote_user_path(path);
  std::string line;
  long long number = 0;
  const std::string where = what + ": " + quote_user_path(path) + " line ";
  while (std::getline(in, line)) {
    ++number;
    const size_t a = line.find_first_not_of(" \t\r");
    if (a == std::string::npos) continue;  // blank lines are allowed
    const size_t b = line.find_last_not_of(" \t\r");
    const std::string item = line.substr(a, b - a + 1);
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(item.c_str(), &end);
    if (*end != '\0' || errno == ERANGE || !std::isfinite(v))
      return where + std::to_string(number) + ": " + quote_user_text(item) + " is not a finite number";
    if (v < lower || v > upper)
      return where + std::to_string(number) + ": " + format_number(v) + " lies outside hyperparameters.bounds [" +
             format_number(lower) + ", " + format_number(upper) + "]";
    if (static_cast<long long>(values.size()) == expected)
      return what + ": " + quote_user_path(path) + " has more than the " + std::to_string(expected) +
             " values this problem has λ entries (line " + std::to_string(number) + ")";
    values.push_back(v);
  }
  if (static_cast<long long>(values.size()) != expected)
    return what + ": " + quote_user_path(path) + " holds " + std::to_string(values.size()) + " values; this problem has " +
           std::to_string(expected) + " λ entries (check hyperparameters.shared and the data)";
  return "";
}

}  // namespace

std::vector<double> read_lambda_file(MPI_Comm comm, const std::string& path, long long expected, double lower,
                                     double upper) {
  std::vector<double> values;
  std::string error;
  if (comm_rank(comm) == 0) error = read_on_root(path, expected, lower, upper, values);
  agree_or_throw(comm, error);
  values.resize(static_cast<size_t>(expected));
  MPI_Bcast(values.data(), static_cast<int>(expected), MPI_DOUBLE, 0, comm);
  return values;
}

}  // namespace hp
