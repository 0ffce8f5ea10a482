// The sweep runner with fake trials, at 1, 2 and 4 ranks with 1 and 2 ranks per trial:
// every trial runs once on one whole group, failures are recorded while the others go on,
// finished trials are skipped, results are the same on every rank, the stop flag stops a
// group, and a group gets trials while world rank 0 computes without calling MPI.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/sweep_runner.hpp"
#include "test_support.hpp"

namespace {

namespace outcome = hp::trial_outcome;
using hp::TrialOutcome;
using hp::TrialSpec;

const MPI_Comm world = MPI_COMM_WORLD;

std::vector<TrialSpec> fake_trials(int n) {
  std::vector<TrialSpec> trials(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    trials[static_cast<std::size_t>(i)].index = i;
    trials[static_cast<std::size_t>(i)].label = "x=" + std::to_string(i);
  }
  return trials;
}

// The group sizes to try at this world size.
std::vector<int> group_sizes() {
  std::vector<int> r;
  for (int n : {1, 2})
    if (hp::comm_size(world) % n == 0) r.push_back(n);
  return r;
}

TrialOutcome completed(double loss) {
  TrialOutcome o;
  o.status = outcome::completed;
  o.best_val_loss = loss;
  return o;
}

// A trial must run on its whole group: every rank of it, in one collective.
void check_group(MPI_Comm group, int ranks_per_trial) {
  int members = 1;
  MPI_Allreduce(MPI_IN_PLACE, &members, 1, MPI_INT, MPI_SUM, group);
  if (members != ranks_per_trial) throw std::logic_error("a trial ran on a group of " + std::to_string(members));
}

// The report as text, to compare across ranks.
std::string report_text(const hp::SweepReport& r) {
  std::ostringstream s;
  s << r.interrupted << "\n";
  for (const auto& o : r.outcomes)
    s << o.status << " " << o.group << " " << (o.best_val_loss ? *o.best_val_loss : -1) << " " << o.seconds << " "
      << o.error << "\n";
  return s.str();
}

void expect_same_on_every_rank(const hp::SweepReport& r) {
  std::string mine = report_text(r);
  int n = static_cast<int>(mine.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, world);
  std::string root(static_cast<std::size_t>(n), '\0');
  if (hp::comm_rank(world) == 0) root = mine;
  MPI_Bcast(root.data(), n, MPI_CHAR, 0, world);
  EXPECT_EQ(mine, root) << "rank " << hp::comm_rank(world);
}

// How many ranks ran each trial, summed over the world.
std::vector<int> world_counts(std::vector<int> counts) {
  MPI_Allreduce(MPI_IN_PLACE, counts.data(), static_cast<int>(counts.size()), MPI_INT, MPI_SUM, world);
  return counts;
}

TEST(SweepRunner, EveryTrialRunsOnceOnOneWholeGroup) {
  for (int r : group_sizes()) {
    const auto trials = fake_trials(13);
    std::vector<int> ran(trials.size(), 0);
    const auto report = hp::run_sweep(
        world, r, trials, nullptr,
        [&](MPI_Comm group, const TrialSpec& t) {
          check_group(group, r);
          ++ran[static_cast<std::size_t>(t.index)];
          return completed(0.5 * t.index);
        },
        nullptr, -1);
    const int groups = hp::comm_size(world) / r;
    for (int count : world_counts(ran)) EXPECT_EQ(count, r) << "R = " << r;
    ASSERT_EQ(report.outcomes.size(), trials.size());
    for (std::size_t i = 0; i < trials.size(); ++i) {
      EXPECT_EQ(report.outcomes[i].status, outcome::completed);
      EXPECT_EQ(report.outcomes[i].best_val_loss, 0.5 * static_cast<double>(i));
      EXPECT_GE(report.outcomes[i].group, 0);
      EXPECT_LT(report.outcomes[i].group, groups);
      EXPECT_GT(report.outcomes[i].seconds, 0);  // the runner's wall time
    }
    EXPECT_FALSE(report.interrupted);
    expect_same_on_every_rank(report);
  }
}

TEST(SweepRunner, AFailedTrialIsRecordedAndTheOthersGoOn) {
  for (int r : group_sizes()) {
    const auto trials = fake_trials(9);
    const auto report = hp::run_sweep(
        world, r, trials, nullptr,
        [&](MPI_Comm group, const TrialSpec& t) {
          check_group(group, r);
          if (t.index % 3 == 1) throw hp::UserError("inner.iterations: must be >= 0, got '-" + std::to_string(t.index) + "'");
          TrialOutcome o = completed(1.0);
          o.seconds = 42;  // the trial's own time is kept
          return o;
        },
        nullptr, -1);
    for (std::size_t i = 0; i < trials.size(); ++i) {
      const auto& o = report.outcomes[i];
      if (i % 3 == 1) {
        EXPECT_EQ(o.status, outcome::failed);
        EXPECT_EQ(o.error, "inner.iterations: must be >= 0, got '-" + std::to_string(i) + "'");
        EXPECT_FALSE(o.best_val_loss.has_value());
      } else {
        EXPECT_EQ(o.status, outcome::completed);
        EXPECT_EQ(o.error, "");
        EXPECT_EQ(o.seconds, 42);
      }
    }
    expect_same_on_every_rank(report);
  }
}

TEST(SweepRunner, FinishedTrialsAreSkippedAndAskedAboutOnRankZeroOnly) {
  for (int r : group_sizes()) {
    const auto trials = fake_trials(10);
    std::vector<int> ran(trials.size(), 0);
    int asked = 0;
    const auto report = hp::run_sweep(
        world, r, trials,
        [&](const TrialSpec& t) {
          ++asked;
          return t.index % 2 == 0;
        },
        [&](MPI_Comm, const TrialSpec& t) {
          ++ran[static_cast<std::size_t>(t.index)];
          return completed(2.0);
        },
        nullptr, -1);
    EXPECT_EQ(asked, hp::comm_rank(world) == 0 ? 10 : 0);
    const auto counts = world_counts(ran);
    for (std::size_t i = 0; i < trials.size(); ++i) {
      EXPECT_EQ(counts[i], i % 2 == 0 ? 0 : r);
      EXPECT_EQ(report.outcomes[i].status, i % 2 == 0 ? outcome::skipped : outcome::completed);
    }
    expect_same_on_every_rank(report);
  }
}

TEST(SweepRunner, BadGroupSizesAreRefusedOnEveryRank) {
  const int size = hp::comm_size(world);
  const auto never = [](MPI_Comm, const TrialSpec&) -> TrialOutcome { throw std::logic_error("ran"); };
  const std::string zero = hp::test::user_error_of([&] { hp::run_sweep(world, 0, fake_trials(2), nullptr, never, nullptr, -1); });
  EXPECT_EQ(zero.find("--ranks-per-trial 0: must be at least 1"), 0u) << zero;
  const int bad = size + 1;  // never divides size (>= 1)
  const std::string uneven =
      hp::test::user_error_of([&] { hp::run_sweep(world, bad, fake_trials(2), nullptr, never, nullptr, -1); });
  EXPECT_EQ(uneven.find("--ranks-per-trial " + std::to_string(bad) + ": does not divide the " + std::to_string(size) +
                        " ranks of this run; give one of 1"),
            0u)
      << uneven;
  if (size == 4) {
    const std::string three =
        hp::test::user_error_of([&] { hp::run_sweep(world, 3, fake_trials(2), nullptr, never, nullptr, -1); });
    EXPECT_NE(three.find("give one of 1, 2, 4"), std::string::npos) << three;
  }
}

TEST(SweepRunner, TheStopFlagOnAnyRankOfAGroupStopsThatGroup) {
  for (int r : group_sizes()) {
    const auto trials = fake_trials(20);
    const int groups = hp::comm_size(world) / r;
    // Raised on the group's last rank (not the one that takes trials) after one trial.
    int done_here = 0;
    const bool raiser = hp::comm_rank(world) % r == r - 1;
    const auto report = hp::run_sweep(
        world, r, trials, nullptr,
        [&](MPI_Comm, const TrialSpec&) {
          ++done_here;
          return completed(1.0);
        },
        [&] { return raiser && done_here >= 1; }, -1);
    EXPECT_TRUE(report.interrupted);
    int ran = 0, not_run = 0;
    for (const auto& o : report.outcomes) {
      ran += o.status == outcome::completed;
      not_run += o.status == outcome::not_run;
    }
    EXPECT_EQ(ran, groups);
    EXPECT_EQ(not_run, 20 - groups);
    expect_same_on_every_rank(report);
  }
}

TEST(SweepRunner, AnInterruptedTrialStopsItsGroupOnly) {
  for (int r : group_sizes()) {
    const auto trials = fake_trials(12);
    const int groups = hp::comm_size(world) / r;
    bool signalled = false;  // the "signal" arrives during trial 0, on its group's ranks
    const auto report = hp::run_sweep(
        world, r, trials, nullptr,
        [&](MPI_Comm, const TrialSpec& t) {
          if (t.index != 0) return completed(1.0);
          signalled = true;
          TrialOutcome o;
          o.status = outcome::interrupted;
          return o;
        },
        [&] { return signalled; }, -1);
    EXPECT_TRUE(report.interrupted);
    EXPECT_EQ(report.outcomes[0].status, outcome::interrupted);
    int completed_count = 0;
    for (std::size_t i = 1; i < trials.size(); ++i) {
      completed_count += report.outcomes[i].status == outcome::completed;
      // Trial 0 was the first handed out: its group took no other.
      EXPECT_NE(report.outcomes[i].group, report.outcomes[0].group);
    }
    // The other groups, if any, finish every other trial.
    EXPECT_EQ(completed_count, groups > 1 ? 11 : 0);
    expect_same_on_every_rank(report);
  }
}

// Busy arithmetic for `seconds`, with no MPI call on one node (Open MPI's osc/sm needs
// none). Under a software-emulated atomic (tests/service/CMakeLists.txt runs this test
// with OMPI_MCA_osc=pt2pt too) a trial calls sweep_progress now and then instead.
double compute_for(double seconds) {
  const char* osc = std::getenv("OMPI_MCA_osc");
  const bool emulated = osc && std::string(osc) != "sm";
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  volatile double x = 1;
  while (std::chrono::steady_clock::now() < end) {
    for (int i = 0; i < 100000; ++i) x = x * 1.0000001 + 1e-9;
    if (emulated) hp::sweep_progress();
  }
  return x;
}

TEST(SweepRunner, GroupsTakeTrialsWhileWorldRankZeroComputes) {
  for (int r : group_sizes()) {
    const int groups = hp::comm_size(world) / r;
    if (groups < 2) continue;
    const int group = hp::comm_rank(world) / r;
    const auto trials = fake_trials(9);
    std::vector<double> finished_at(trials.size(), 0);  // seconds after the start, where run
    bool computed = false;
    // Other groups finish no trial before group 0 starts its long one, so that it gets one
    // however the ranks are scheduled.
    const std::string started = hp::test::shared_temp_dir(world) + "/group0_started";
    MPI_Barrier(world);
    const double start = MPI_Wtime();
    const auto report = hp::run_sweep(
        world, r, trials, nullptr,
        [&](MPI_Comm group_comm, const TrialSpec& t) {
          if (group == 0 && !computed) {
            computed = true;
            std::ofstream(started).put('1');
            compute_for(2.0);  // world rank 0 makes no MPI call meanwhile
          } else {
            while (!std::ifstream(started)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            MPI_Barrier(group_comm);
          }
          finished_at[static_cast<std::size_t>(t.index)] = MPI_Wtime() - start;
          return completed(0.0);
        },
        nullptr, -1);
    MPI_Allreduce(MPI_IN_PLACE, finished_at.data(), static_cast<int>(finished_at.size()), MPI_DOUBLE, MPI_MAX, world);
    // Group 0 ran only its long trial: the other groups took all the rest meanwhile, in
    // handout order, and were done long before it ended.
    int slow = -1;
    double others_done = 0;
    for (std::size_t i = 0; i < trials.size(); ++i) {
      if (report.outcomes[i].group == 0) {
        EXPECT_EQ(slow, -1) << "group 0 ran two trials";
        slow = static_cast<int>(i);
      } else {
        others_done = std::max(others_done, finished_at[i]);
      }
    }
    ASSERT_GE(slow, 0);
    EXPECT_GE(finished_at[static_cast<std::size_t>(slow)], 2.0);
    EXPECT_LT(others_done, 1.5) << "R = " << r;
    expect_same_on_every_rank(report);
  }
}

TEST(SweepRunner, PrintsOneLinePerTrialAndTheTable) {
  const std::string dir = hp::test::shared_temp_dir(world);
  const std::string path = dir + "/out.txt";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ASSERT_GE(fd, 0);
  auto trials = fake_trials(3);
  trials[2].label = "";
  const auto report = hp::run_sweep(
      world, 1, trials, nullptr,
      [&](MPI_Comm, const TrialSpec& t) {
        if (t.index == 1) throw hp::UserError("no good");
        return completed(0.25);
      },
      nullptr, fd);
  ::close(fd);
  MPI_Barrier(world);
  if (hp::comm_rank(world) != 0) return;
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  ASSERT_EQ(lines.size(), 3u + 1 + 3 + 1);  // status lines, header, rows, summary
  int status_lines = 0;
  for (int i = 0; i < 3; ++i) {
    const std::string g = std::to_string(report.outcomes[static_cast<std::size_t>(i)].group);
    const std::string expected =
        i == 1 ? "trial 1 group " + g + " FAILED x=1 best val loss - "
               : "trial " + std::to_string(i) + " group " + g + " COMPLETED " + (i == 0 ? "x=0" : "(base configuration)") +
                     " best val loss 0.25 ";
    for (int k = 0; k < 3; ++k)
      if (lines[static_cast<std::size_t>(k)].rfind(expected, 0) == 0) {
        ++status_lines;
        const std::string& l = lines[static_cast<std::size_t>(k)];
        EXPECT_EQ(l.substr(l.size() - (i == 1 ? 11 : 2)), i == 1 ? " s: no good" : " s") << l;
      }
  }
  EXPECT_EQ(status_lines, 3);
  EXPECT_EQ(lines[3], "trial  group  status     swept values          best val loss  seconds  error");
  EXPECT_EQ(lines[5].rfind("1      ", 0), 0u) << lines[5];
  EXPECT_NE(lines[5].find("FAILED     x=1                   -              "), std::string::npos) << lines[5];
  EXPECT_EQ(lines[5].substr(lines[5].size() - 7), "no good");
  EXPECT_EQ(lines[7], "2 of 3 trials completed, 1 failed");
}

}  // namespace
