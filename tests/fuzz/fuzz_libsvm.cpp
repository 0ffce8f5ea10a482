// libFuzzer target: the LIBSVM reader through hp::read_rows on a file, then assembly.
// Expected outcomes: rows that keep every invariant, or hp::UserError with a safe message.
#include <petscsys.h>

#include "fuzz_support.hpp"
#include "hyperpetsc/petsc/error.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hp::fuzz::initialize_petsc();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "libsvm";
  spec.path = hp::fuzz::write_input("input.svm", data, size);
  hp::RawRows rows;
  try {
    rows = hp::read_rows(PETSC_COMM_SELF, spec);
  } catch (const hp::UserError& e) {
    hp::fuzz::check_message(e.what());
    return 0;
  }
  hp::fuzz::check_rows(rows);
  hp::fuzz::check_assembly(rows, spec.key);
  return 0;
}
