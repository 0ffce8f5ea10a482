#include "test_support.hpp"

#include <petscsys.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/gather.hpp"
#include "hyperpetsc/petsc/handles.hpp"

namespace hp::test {

std::string shared_temp_dir(MPI_Comm comm) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  char buf[4096] = {0};
  if (rank == 0) {
    std::string tmpl = "/tmp/hyperpetsc-test-XXXXXX";
    const char* base = std::getenv("TMPDIR");
    if (base && *base) tmpl = std::string(base) + "/hyperpetsc-test-XXXXXX";
    std::vector<char> t(tmpl.begin(), tmpl.end());
    t.push_back('\0');
    if (!mkdtemp(t.data())) std::abort();
    std::snprintf(buf, sizeof buf, "%s", t.data());
  }
  MPI_Bcast(buf, sizeof buf, MPI_CHAR, 0, comm);
  return buf;
}

void write_file(MPI_Comm comm, const std::string& path, const std::string& text) {
  int rank = 0;
  MPI_Comm_rank(comm, &rank);
  if (rank == 0) {
    std::ofstream f(path, std::ios::binary);
    f << text;
  }
  MPI_Barrier(comm);
}

std::vector<double> gather_all(Vec v) { return gather_vector(v, GatherTo::all_ranks); }

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = a.size() == b.size() ? 0.0 : INFINITY;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::fmax(m, std::fabs(a[i] - b[i]));
  return m;
}

double norm2(const std::vector<double>& a) {
  double s = 0;
  for (double x : a) s += x * x;
  return std::sqrt(s);
}

double relative_difference(Vec a, Vec b) {
  hp::Vector d;
  HP_CALL(VecDuplicate(a, d.out()));
  HP_CALL(VecWAXPY(d, -1.0, b, a));
  double nd = 0, nb = 0;
  HP_CALL(VecNorm(d, NORM_2, &nd));
  HP_CALL(VecNorm(b, NORM_2, &nb));
  return nd / nb;
}

std::string user_error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const hp::UserError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace hp::test
