#include "fuzz_support.hpp"

#include <petscmat.h>
#include <stdlib.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "hyperpetsc/petsc/error.hpp"

namespace hp::fuzz {

namespace {

std::string scratch_dir;

void remove_scratch_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(scratch_dir, ignored);
}

}  // namespace

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const std::size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += len;
  }
  return true;
}

void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::abort();
}

void initialize_petsc() {
  static char arg0[] = "fuzz", arg1[] = "-no_signal_handler";
  static char* args[] = {arg0, arg1, nullptr};
  static char** argv = args;
  static int argc = 2;
  // Open MPI's own crash handler would pre-empt libFuzzer's: no artifact, no report.
  setenv("OMPI_MCA_opal_signal", "", 1);
  if (PetscInitialize(&argc, &argv, nullptr, nullptr) != 0) finding("PetscInitialize failed");

  std::string tmpl = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                     "/hyperpetsc-fuzz-XXXXXX";
  if (!mkdtemp(tmpl.data())) finding("cannot create a scratch folder");
  scratch_dir = tmpl;
  std::atexit(remove_scratch_dir);
}

std::string write_input(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch_dir + "/" + name;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  if (!f.flush()) finding("cannot write the scratch file " + path);
  return path;
}

void check_message(const std::string& m) {
  if (m.empty()) finding("empty error message");
  if (m.size() > 1000) finding("message of " + std::to_string(m.size()) + " bytes: " + m.substr(0, 300));
  for (const char c : m) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7F) finding("control byte " + std::to_string(b) + " in message");
  }
  if (!valid_utf8(m)) finding("message is not valid UTF-8");
}

void check_rows(const RawRows& r) {
  const std::size_t n = r.labels.size();
  if (r.row_ptr.size() != n + 1 || r.row_ptr[0] != 0) finding("row_ptr size or start");
  if (static_cast<std::size_t>(r.row_ptr[n]) != r.cols.size() || r.cols.size() != r.vals.size())
    finding("row_ptr end, cols and vals disagree");
  if (r.global_rows != static_cast<PetscInt>(n) || n == 0) finding("global_rows on one rank");
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(r.labels[i])) finding("non-finite label");
    if (r.row_ptr[i + 1] < r.row_ptr[i]) finding("row_ptr decreases");
    for (PetscInt e = r.row_ptr[i]; e < r.row_ptr[i + 1]; ++e) {
      if (r.cols[e] < 0 || r.cols[e] > r.max_col) finding("column outside [0, max_col]");
      if (e > r.row_ptr[i] && r.cols[e - 1] >= r.cols[e]) finding("columns not strictly sorted");
      if (!std::isfinite(r.vals[e]) || r.vals[e] == 0) finding("stored value zero or non-finite");
    }
  }
}

void check_assembly(const RawRows& rows, const std::string& key) {
  if (rows.max_col >= (PetscInt{1} << 20)) return;
  try {
    const Dataset ds = assemble(PETSC_COMM_SELF, rows, rows.max_col + 1, PETSC_DECIDE, key);
    PetscInt n = 0, d = 0, ny = 0;
    HP_CALL(MatGetSize(ds.X, &n, &d));
    HP_CALL(VecGetSize(ds.y, &ny));
    if (n != rows.global_rows || d != rows.max_col + 1 || ny != n) finding("assembled sizes");
  } catch (const UserError& e) {
    check_message(e.what());
    if (rows.max_col >= 0) finding(std::string("assemble refused valid rows: ") + e.what());
  }
}

}  // namespace hp::fuzz
