// libFuzzer target: the CSV reader through hp::read_rows on a file, then assembly. The
// first input byte picks the options (header, label_column in -4..3); the rest is the file.
#include <petscsys.h>

#include "fuzz_support.hpp"
#include "hyperpetsc/petsc/error.hpp"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  hp::fuzz::initialize_petsc();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  hp::DatasetSpec spec;
  spec.key = "problem.train";
  spec.format = "csv";
  spec.header = (data[0] & 1) != 0;
  spec.label_column = ((data[0] >> 1) & 7) - 4;
  spec.path = hp::fuzz::write_input("input.csv", data + 1, size - 1);
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
