// Small helpers shared by the MPI tests.
#pragma once
#include <petscvec.h>

#include <functional>
#include <string>
#include <vector>

namespace hp::test {

// A fresh directory visible to every rank (created by rank 0, name broadcast).
std::string shared_temp_dir(MPI_Comm comm);

// Write a text file from rank 0 only, then barrier.
void write_file(MPI_Comm comm, const std::string& path, const std::string& text);

// The whole vector on every rank, in global order.
std::vector<double> gather_all(Vec v);

// ‖a − b‖ / ‖b‖ (collective).
double relative_difference(Vec a, Vec b);

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b);
double norm2(const std::vector<double>& a);

// The message of the hp::UserError `f` throws, or "(no error)".
std::string user_error_of(const std::function<void()>& f);

}  // namespace hp::test
