// The spool service with a stand-in job runner: order, filing, arrivals, stops, resumption
// of running/, and the same decisions on every rank.
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/service/spool.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

// PETSC_COMM_WORLD is set by PetscInitialize, after static initialisation.
#define kComm PETSC_COMM_WORLD

bool rank0() { return hp::comm_rank(kComm) == 0; }

// Rank 0 writes, then every rank sees it.
void put(const fs::path& path, const std::string& text = "outer: {iterations: 1}\n") {
  if (rank0()) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
  }
  MPI_Barrier(kComm);
}

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> names_in(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(folder)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A job runner that records what it ran (on every rank) and lets a test act inside a job.
struct Recorder {
  std::vector<std::string> ran;  // "name" or "name (resume)"
  std::function<void(const hp::SpoolJob&)> during;

  hp::SpoolJobRunner runner() {
    return [this](MPI_Comm comm, const hp::SpoolJob& job, hp::SpoolJobReport& report) {
      int size = 0;
      MPI_Comm_size(comm, &size);
      EXPECT_EQ(size, hp::comm_size(kComm));  // the whole communicator runs each job
      EXPECT_TRUE(fs::exists(job.config_path)) << job.config_path;
      EXPECT_EQ(fs::path(job.config_path).parent_path().filename(), "running");
      ran.push_back(job.name + (job.resume ? " (resume)" : ""));
      report.run_dir = "/results/" + job.stem;
      report.summary = "ran " + job.stem;
      if (during) during(job);
      MPI_Barrier(comm);
      if (job.name.find("bad") != std::string::npos) throw hp::UserError("bad key in " + job.name);
    };
  }
};

// Stops once `jobs` jobs have run (rank 0 creates DIR/stop inside the last one).
std::function<void(const hp::SpoolJob&)> stop_after(const fs::path& dir, const Recorder& r, size_t jobs) {
  return [&r, dir, jobs](const hp::SpoolJob&) {
    if (r.ran.size() == jobs) put(dir / "stop", "");
  };
}

// No signal, but a way out for a broken service that would idle forever: after 500 looks
// (5 s at the tests' poll interval) it reports signal 99, which the tests do not expect.
std::function<int()> no_signal_within_5s() {
  return [calls = 0]() mutable { return ++calls > 500 ? 99 : 0; };
}

hp::SpoolOptions fast() {
  hp::SpoolOptions o;
  o.poll_seconds = 0.01;
  return o;
}

}  // namespace

TEST(Spool, RunsIncomingInNameOrderAndFilesEachWithANote) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "incoming" / "b.yaml");
  put(dir / "incoming" / "a.yaml");
  put(dir / "incoming" / "c.bad.yaml");
  put(dir / "incoming" / "notes.txt");  // not a job
  put(dir / "incoming" / ".d.yaml");    // a dot-file: a writer's temporary
  Recorder r;
  r.during = stop_after(dir, r, 3);
  const int stopped = hp::serve_spool(kComm, dir.string(), r.runner(), no_signal_within_5s(), fast());
  EXPECT_EQ(stopped, 0);  // DIR/stop
  EXPECT_EQ(r.ran, (std::vector<std::string>{"a.yaml", "b.yaml", "c.bad.yaml"}));
  if (rank0()) {
    EXPECT_EQ(names_in(dir / "incoming"), (std::vector<std::string>{".d.yaml", "notes.txt"}));
    EXPECT_TRUE(names_in(dir / "running").empty());
    EXPECT_EQ(names_in(dir / "done"), (std::vector<std::string>{"a.log", "a.yaml", "b.log", "b.yaml"}));
    EXPECT_EQ(names_in(dir / "failed"), (std::vector<std::string>{"c.bad.error.txt", "c.bad.yaml"}));
    const std::string log = read(dir / "done" / "a.log");
    EXPECT_NE(log.find("run folder: /results/a\n"), std::string::npos) << log;
    EXPECT_NE(log.find("ran a\n"), std::string::npos) << log;
    const std::string error = read(dir / "failed" / "c.bad.error.txt");
    EXPECT_EQ(error.rfind("bad key in c.bad.yaml\nrun folder: /results/c.bad\n", 0), 0u) << error;
    EXPECT_EQ(read(dir / "done" / "b.yaml"), "outer: {iterations: 1}\n");  // moved, not rewritten
  }
}

TEST(Spool, PicksUpFilesThatArriveDuringAJobOrWhileIdle) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "incoming" / "m.yaml");
  Recorder r;
  int polls = 0;
  r.during = [&](const hp::SpoolJob& job) {
    if (job.name == "m.yaml") put(dir / "incoming" / "a.yaml");  // sorts first, arrives later
    if (job.name == "z.yaml") put(dir / "stop", "");
  };
  // While idle after a.yaml, the third poll delivers z.yaml.
  auto signal = [&, give_up = no_signal_within_5s()] {
    if (r.ran.size() == 2 && ++polls == 3) put(dir / "incoming" / "z.yaml");
    return give_up();
  };
  EXPECT_EQ(hp::serve_spool(kComm, dir.string(), r.runner(), signal, fast()), 0);
  EXPECT_EQ(r.ran, (std::vector<std::string>{"m.yaml", "a.yaml", "z.yaml"}));
  EXPECT_GE(polls, 3);
}

TEST(Spool, StopFileAtStartRunsNothing) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "incoming" / "a.yaml");
  put(dir / "running" / "r.yaml");
  put(dir / "stop", "");
  Recorder r;
  EXPECT_EQ(hp::serve_spool(kComm, dir.string(), r.runner(), no_signal_within_5s(), fast()), 0);
  EXPECT_TRUE(r.ran.empty());
  if (rank0()) {
    EXPECT_EQ(names_in(dir / "incoming"), std::vector<std::string>{"a.yaml"});
    EXPECT_EQ(names_in(dir / "running"), std::vector<std::string>{"r.yaml"});
  }
}

TEST(Spool, ASignalStopsBetweenJobsAndReturnsIt) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "incoming" / "a.yaml");
  put(dir / "incoming" / "b.yaml");
  Recorder r;
  auto signal = [&] { return r.ran.empty() ? 0 : 10; };  // SIGUSR1 once a job has run
  EXPECT_EQ(hp::serve_spool(kComm, dir.string(), r.runner(), signal, fast()), 10);
  EXPECT_EQ(r.ran, std::vector<std::string>{"a.yaml"});
  if (rank0()) {
    EXPECT_EQ(names_in(dir / "incoming"), std::vector<std::string>{"b.yaml"});
    EXPECT_EQ(names_in(dir / "done"), (std::vector<std::string>{"a.log", "a.yaml"}));
  }
}

TEST(Spool, AnInterruptedJobStaysInRunningAndIsResumedFirstByTheNextService) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "incoming" / "a.yaml");
  put(dir / "incoming" / "b.yaml");
  Recorder first;
  // Stands in for hp::Interrupted: thrown on every rank after the run's checkpoint.
  first.during = [](const hp::SpoolJob&) { throw std::runtime_error("stopped by signal 10"); };
  EXPECT_THROW(hp::serve_spool(kComm, dir.string(), first.runner(), no_signal_within_5s(), fast()), std::runtime_error);
  if (rank0()) {
    EXPECT_EQ(names_in(dir / "running"), std::vector<std::string>{"a.yaml"});
    EXPECT_EQ(names_in(dir / "incoming"), std::vector<std::string>{"b.yaml"});
  }
  MPI_Barrier(kComm);
  put(dir / "incoming" / "0.yaml");  // sorts first, but the interrupted job goes before it
  Recorder second;
  second.during = stop_after(dir, second, 3);
  EXPECT_EQ(hp::serve_spool(kComm, dir.string(), second.runner(), no_signal_within_5s(), fast()), 0);
  EXPECT_EQ(second.ran, (std::vector<std::string>{"a.yaml (resume)", "0.yaml", "b.yaml"}));
}

TEST(Spool, ASubmittedNameThatWasUsedGetsAFreeOne) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "done" / "a.yaml");
  put(dir / "results" / "a-2" / "metrics.csv");
  put(dir / "incoming" / "a.yaml", "second\n");
  Recorder r;
  r.during = stop_after(dir, r, 1);
  std::vector<std::string> events;
  auto options = fast();
  options.on_event = [&](const std::string& line) { events.push_back(line); };
  EXPECT_EQ(hp::serve_spool(kComm, dir.string(), r.runner(), no_signal_within_5s(), options), 0);
  EXPECT_EQ(r.ran, std::vector<std::string>{"a-3.yaml"});
  if (rank0()) {
    EXPECT_EQ(read(dir / "done" / "a-3.yaml"), "second\n");
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events[0], "running 'a-3.yaml' (submitted as 'a.yaml'; that name was used)");
  } else {
    EXPECT_TRUE(events.empty());  // events are the coordinator's
  }
}

TEST(Spool, RefusesAFolderItCannotUseBeforeRunningAnything) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "file", "");
  Recorder r;
  const std::string message = hp::test::user_error_of(
      [&] { hp::serve_spool(kComm, (dir / "file" / "spool").string(), r.runner(), no_signal_within_5s(), fast()); });
  EXPECT_NE(message.find("give --spool a writable folder"), std::string::npos) << message;
  EXPECT_TRUE(r.ran.empty());
}

TEST(Spool, OneServicePerSpool) {
  const fs::path dir = hp::test::shared_temp_dir(kComm);
  put(dir / "incoming" / "a.yaml");
  Recorder outer, inner;
  std::string message;
  outer.during = [&](const hp::SpoolJob&) {
    // A second service on the same spool while the first runs a job.
    message = hp::test::user_error_of([&] { hp::serve_spool(kComm, dir.string(), inner.runner(), no_signal_within_5s(), fast()); });
    put(dir / "stop", "");
  };
  EXPECT_EQ(hp::serve_spool(kComm, dir.string(), outer.runner(), no_signal_within_5s(), fast()), 0);
  EXPECT_NE(message.find("is served by another hyperpetsc process"), std::string::npos) << message;
  EXPECT_TRUE(inner.ran.empty());
  EXPECT_EQ(outer.ran, std::vector<std::string>{"a.yaml"});
}
