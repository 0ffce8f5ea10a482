// check_memory: the machine's limit per rank, the user's limit, and one collective
// verdict with the same message on every rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <fstream>
#include <string>

#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/memory_budget.hpp"

namespace {

// The hp::UserError message if every rank threw one, "<none>" if none did; a mismatch
// between ranks fails the test.
std::string collective_message(const std::function<void()>& f) {
  std::string msg = "<none>";
  try {
    f();
  } catch (const hp::UserError& e) {
    msg = e.what();
  }
  const int len = static_cast<int>(msg.size());
  int lo = len, hi = len;
  MPI_Allreduce(MPI_IN_PLACE, &lo, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  MPI_Allreduce(MPI_IN_PLACE, &hi, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  EXPECT_EQ(lo, hi) << "ranks disagree: " << msg;
  std::string first = msg;
  first.resize(static_cast<size_t>(hi));
  MPI_Bcast(first.data(), hi, MPI_CHAR, 0, MPI_COMM_WORLD);
  EXPECT_EQ(first, msg) << "ranks disagree";
  return msg;
}

double mem_total_bytes() {
  std::ifstream f("/proc/meminfo");
  std::string name, unit;
  double kb = 0;
  while (f >> name >> kb >> unit)
    if (name == "MemTotal:") return kb * 1024;
  return 0;
}

TEST(MemoryBudget, TheMachineLimitIsAShareOfTheAvailableMemory) {
  int ranks = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);  // the tests run on one node
  const double per_rank = hp::machine_memory_per_rank(MPI_COMM_WORLD);
  EXPECT_GT(per_rank, 0.0);
  EXPECT_LE(per_rank * ranks, mem_total_bytes());
}

TEST(MemoryBudget, RefusesOnEveryRankWhatSomeRankCannotFit) {
  EXPECT_EQ(collective_message([] { hp::check_memory(MPI_COMM_WORLD, 1e6, "x", "y"); }), "<none>");
  // 1 EB fits nowhere; the estimate and the remedy are in the message.
  std::string msg = collective_message(
      [] { hp::check_memory(MPI_COMM_WORLD, 1e18, "the thing", "lower some.key"); });
  EXPECT_NE(msg.find("the thing needs about 1000000000.0 GB per rank"), std::string::npos) << msg;
  EXPECT_NE(msg.find("this machine has available"), std::string::npos) << msg;
  EXPECT_NE(msg.find("; lower some.key"), std::string::npos) << msg;
  // Only the last rank is over: every rank throws, with the largest estimate.
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  msg = collective_message(
      [&] { hp::check_memory(MPI_COMM_WORLD, rank == size - 1 ? 2e18 : 1.0, "part", "r"); });
  EXPECT_NE(msg.find("part needs about 2000000000.0 GB"), std::string::npos) << msg;
}

TEST(MemoryBudget, AUserLimitBindsWhenBelowTheMachines) {
  hp::set_memory_limit_per_rank(5e6, "--max-memory");
  const std::string msg =
      collective_message([] { hp::check_memory(MPI_COMM_WORLD, 6e6, "six MB", "lower it"); });
  EXPECT_NE(msg.find("six MB needs about 0.006 GB per rank, more than the 0.005 GB per rank that "
                     "--max-memory allows; lower it"),
            std::string::npos)
      << msg;
  EXPECT_EQ(collective_message([] { hp::check_memory(MPI_COMM_WORLD, 4e6, "x", "y"); }), "<none>");
  // A user limit above the machine's does not lift the machine's.
  hp::set_memory_limit_per_rank(1e30, "--max-memory");
  EXPECT_NE(collective_message([] { hp::check_memory(MPI_COMM_WORLD, 1e18, "x", "y"); })
                .find("this machine has available"),
            std::string::npos);
  hp::set_memory_limit_per_rank(0, "");  // removed
  EXPECT_EQ(collective_message([] { hp::check_memory(MPI_COMM_WORLD, 6e6, "x", "y"); }), "<none>");
}

}  // namespace
