// GoogleTest main for MPI tests: PETSc is initialised once; only rank 0 prints results,
// but every rank's failure makes the process exit nonzero.
#include <gtest/gtest.h>
#include <petscsys.h>

#include "hyperpetsc/petsc/error.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (PetscInitialize(&argc, &argv, nullptr, nullptr)) return 1;
  hp::push_quiet_error_handler();  // as in main: failures are exceptions, PETSc prints nothing
  int rank = 0;
  MPI_Comm_rank(PETSC_COMM_WORLD, &rank);
  if (rank != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  int any = 0;
  MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, PETSC_COMM_WORLD);
  PetscFinalize();
  return any;
}
