// Shared by the libFuzzer targets: PETSc on one process, a scratch file per input, and
// the invariants every outcome must keep. A violated invariant aborts: a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "hyperpetsc/data/dataset.hpp"

namespace hp::fuzz {

// PetscInitialize without the fuzzer's arguments (they are not PETSc options) and without
// PETSc's signal handler (crashes must reach the sanitizers and libFuzzer). Once.
void initialize_petsc();

// Writes the input to this process's scratch file `name` (in a private folder removed at
// exit) and returns its path.
std::string write_input(const std::string& name, const std::uint8_t* data, std::size_t size);

// A user error's message: one line, bounded, no control bytes, valid UTF-8 (file content
// is quoted with hp::quote_user_text).
void check_message(const std::string& message);

// Phase-1 rows read on one rank: consistent CSR, sorted in-range columns, finite values.
void check_rows(const RawRows& rows);

// Phase 2 on rows that passed check_rows: X must be n x d and y of length n. Skipped for
// a huge d (a legitimate single "2147483647:1" entry would only measure allocation).
void check_assembly(const RawRows& rows, const std::string& key);

[[noreturn]] void finding(const std::string& what);

// Whether `s` is well-formed UTF-8.
bool valid_utf8(const std::string& s);

}  // namespace hp::fuzz
