#include "hyperpetsc/service/sweep_runner.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace {

// The index of the next trial to take: a long long on rank 0 of `comm`, taken and
// incremented atomically by any rank with MPI_Fetch_and_op under a shared lock (passive
// target: rank 0 need not call MPI for it to progress on shared memory or RDMA).
class TrialCounter {
 public:
  explicit TrialCounter(MPI_Comm comm) {
    const bool host = comm_rank(comm) == 0;
    MPI_Win_allocate(host ? static_cast<MPI_Aint>(sizeof(long long)) : 0, sizeof(long long), MPI_INFO_NULL, comm,
                     &value_, &win_);
    if (host) {
      MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win_);
      *value_ = 0;
      MPI_Win_unlock(0, win_);
    }
    MPI_Barrier(comm);  // nobody takes before it is 0
  }
  // Not freed when unwinding: MPI_Win_free is collective, and the other ranks would wait
  // forever for a rank that left on an exception (the CLI aborts then anyway).
  TrialCounter(const TrialCounter&) = delete;
  TrialCounter& operator=(const TrialCounter&) = delete;

  long long take() {
    const long long one = 1;
    long long taken = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win_);
    MPI_Fetch_and_op(&one, &taken, MPI_LONG_LONG, 0, 0, MPI_SUM, win_);
    MPI_Win_unlock(0, win_);
    return taken;
  }
  // Collective.
  void free() { MPI_Win_free(&win_); }

 private:
  long long* value_ = nullptr;
  MPI_Win win_ = MPI_WIN_NULL;
};

// The running sweep's own communicator (a duplicate of its world): sweep_progress probes
// it, where no message ever arrives, just to enter MPI's progress engine.
MPI_Comm progress_comm = MPI_COMM_NULL;

// Waits for every rank of `comm` without spinning a core: groups that finish early must
// not slow the trials still running on shared or oversubscribed cores.
void quiet_barrier(MPI_Comm comm) {
  MPI_Request request = MPI_REQUEST_NULL;
  MPI_Ibarrier(comm, &request);
  for (int done = 0;;) {
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    const timespec pause{0, 5 * 1000 * 1000};
    nanosleep(&pause, nullptr);
  }
}

void write_all(int fd, const std::string& text) {
  if (fd < 0) return;
  std::fflush(stdout);  // what printf buffered comes first
  for (std::size_t at = 0; at < text.size();) {
    const ssize_t n = ::write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed terminal must not end the sweep
    at += static_cast<std::size_t>(n);
  }
}

std::string loss_text(const std::optional<double>& v) {
  if (!v) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", *v);
  return buf;
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

std::string label_of(const TrialSpec& t) { return t.label.empty() ? "(base configuration)" : t.label; }

std::string status_line(const TrialSpec& t, const TrialOutcome& o) {
  std::string line = "trial " + std::to_string(t.index) + " group " + std::to_string(o.group) + " " + o.status + " " +
                     label_of(t) + " best val loss " + loss_text(o.best_val_loss) + " " + seconds_text(o.seconds) + " s";
  if (!o.error.empty()) line += ": " + o.error;
  return line + "\n";
}

// Outcomes cross ranks as bytes: index, group, status, loss, seconds, error.
class Bytes {
 public:
  template <class T>
  void put(const T& v) {
    const auto* p = reinterpret_cast<const char*>(&v);
    data_.insert(data_.end(), p, p + sizeof v);
  }
  void put(const std::string& s) {
    put(static_cast<long long>(s.size()));
    data_.insert(data_.end(), s.begin(), s.end());
  }
  std::vector<char>& data() { return data_; }

 private:
  std::vector<char> data_;
};

class BytesReader {
 public:
  explicit BytesReader(const std::vector<char>& d) : d_(d) {}
  bool done() const { return at_ >= d_.size(); }
  template <class T>
  T get() {
    T v;
    std::memcpy(&v, d_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string get_string() {
    const auto n = static_cast<std::size_t>(get<long long>());
    std::string s(d_.data() + at_, n);
    at_ += n;
    return s;
  }

 private:
  const std::vector<char>& d_;
  std::size_t at_ = 0;
};

void put_outcome(Bytes& out, int index, const TrialOutcome& o) {
  out.put(index);
  out.put(o.group);
  out.put(o.status);
  out.put(static_cast<char>(o.best_val_loss.has_value()));
  out.put(o.best_val_loss.value_or(0.0));
  out.put(o.seconds);
  out.put(o.error);
}

// Every rank's recorded outcomes, on every rank.
std::vector<char> all_gathered(MPI_Comm comm, std::vector<char>& mine) {
  const int size = comm_size(comm);
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size)), offsets(static_cast<std::size_t>(size));
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm);
  long long total = 0;
  for (int r = 0; r < size; ++r) {
    offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
    total += counts[static_cast<std::size_t>(r)];
  }
  std::vector<char> all(static_cast<std::size_t>(total));
  MPI_Allgatherv(mine.data(), count, MPI_CHAR, all.data(), counts.data(), offsets.data(), MPI_CHAR, comm);
  return all;
}


std::vector<char> finished_trials(MPI_Comm world, const std::vector<TrialSpec>& trials,
                                  const std::function<bool(const TrialSpec&)>& already_finished) {
  std::vector<char> finished(trials.size(), 0);
  std::string error;
  if (comm_rank(world) == 0 && already_finished) {
    try {
      for (std::size_t i = 0; i < trials.size(); ++i) finished[i] = already_finished(trials[i]) ? 1 : 0;
    } catch (const UserError& e) {
      error = e.what();
    }
  }
  agree_or_throw(world, error);
  MPI_Bcast(finished.data(), static_cast<int>(finished.size()), MPI_CHAR, 0, world);
  return finished;
}

}  // namespace

void check_group_size(int ranks_per_trial, int world_size) {
  if (ranks_per_trial >= 1 && world_size % ranks_per_trial == 0) return;
  std::string divisors;
  for (int d = 1; d <= world_size; ++d)
    if (world_size % d == 0) divisors += (divisors.empty() ? "" : ", ") + std::to_string(d);
  const std::string what = ranks_per_trial < 1 ? "must be at least 1" : "does not divide the " + std::to_string(world_size) + " ranks of this run";
  throw UserError("--ranks-per-trial " + std::to_string(ranks_per_trial) + ": " + what +
                  "; give one of " + divisors + " (or run on a multiple of " +
                  std::to_string(ranks_per_trial < 1 ? 1 : ranks_per_trial) + " ranks)");
}

SweepReport run_sweep(MPI_Comm world, int ranks_per_trial, const std::vector<TrialSpec>& trials,
                      const std::function<bool(const TrialSpec&)>& already_finished,
                      const TrialFunction& run_trial, const std::function<bool()>& stop_requested_local,
                      int output_fd) {
  const int world_rank = comm_rank(world);
  check_group_size(ranks_per_trial, comm_size(world));
  const int group = world_rank / ranks_per_trial;
  const std::vector<char> finished = finished_trials(world, trials, already_finished);
  const auto n = static_cast<long long>(trials.size());

  MPI_Comm group_comm = MPI_COMM_NULL;
  MPI_Comm_split(world, group, world_rank, &group_comm);
  if (progress_comm == MPI_COMM_NULL) MPI_Comm_dup(world, &progress_comm);
  const bool leader = comm_rank(group_comm) == 0;
  TrialCounter counter(world);

  Bytes recorded;  // on each group's rank 0: the outcomes of its trials
  int stopped = 0;
  while (true) {
    int stop = stop_requested_local && stop_requested_local() ? 1 : 0;
    MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_LOR, group_comm);
    if (stop) {
      stopped = 1;
      break;
    }
    long long next = leader ? counter.take() : 0;
    MPI_Bcast(&next, 1, MPI_LONG_LONG, 0, group_comm);
    if (next >= n) break;
    const auto i = static_cast<std::size_t>(next);
    if (finished[i]) continue;

    const double start = MPI_Wtime();
    TrialOutcome outcome;
    try {
      outcome = run_trial(group_comm, trials[i]);
    } catch (const UserError& e) {
      outcome = TrialOutcome{};
      outcome.status = trial_outcome::failed;
      outcome.error = e.what();
    }
    if (outcome.seconds <= 0) outcome.seconds = MPI_Wtime() - start;
    outcome.group = group;
    // The group's rank 0 decides, so every rank of the group leaves the loop together.
    int interrupted = outcome.status == trial_outcome::interrupted ? 1 : 0;
    MPI_Bcast(&interrupted, 1, MPI_INT, 0, group_comm);
    if (leader) {
      write_all(output_fd, status_line(trials[i], outcome));
      put_outcome(recorded, static_cast<int>(i), outcome);
    }
    if (interrupted) {
      stopped = 1;
      break;
    }
  }

  quiet_barrier(world);  // the counter is needed until every group is done
  counter.free();
  MPI_Comm_free(&group_comm);
  MPI_Comm_free(&progress_comm);

  SweepReport report;
  report.outcomes.resize(trials.size());
  for (std::size_t i = 0; i < trials.size(); ++i)
    report.outcomes[i].status = finished[i] ? trial_outcome::skipped : trial_outcome::not_run;
  const std::vector<char> all = all_gathered(world, recorded.data());
  for (BytesReader in(all); !in.done();) {
    const auto i = static_cast<std::size_t>(in.get<int>());
    TrialOutcome& o = report.outcomes[i];
    o.group = in.get<int>();
    o.status = in.get_string();
    const bool has_loss = in.get<char>() != 0;
    const double loss = in.get<double>();
    if (has_loss) o.best_val_loss = loss;
    o.seconds = in.get<double>();
    o.error = in.get_string();
  }
  MPI_Allreduce(MPI_IN_PLACE, &stopped, 1, MPI_INT, MPI_LOR, world);
  report.interrupted = stopped != 0;
  if (world_rank == 0) write_all(output_fd, sweep_table(trials, report));
  return report;
}

void sweep_progress() {
  if (progress_comm == MPI_COMM_NULL) return;
  int arrived = 0;
  MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, progress_comm, &arrived, MPI_STATUS_IGNORE);
}

std::string sweep_table(const std::vector<TrialSpec>& trials, const SweepReport& report) {
  std::vector<std::vector<std::string>> rows = {{"trial", "group", "status", "swept values", "best val loss", "seconds", "error"}};
  for (std::size_t i = 0; i < trials.size() && i < report.outcomes.size(); ++i) {
    const TrialOutcome& o = report.outcomes[i];
    const bool ran = o.group >= 0;
    rows.push_back({std::to_string(trials[i].index), ran ? std::to_string(o.group) : "-", o.status, label_of(trials[i]),
                    loss_text(o.best_val_loss), ran ? seconds_text(o.seconds) : "-", o.error});
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows)
    for (std::size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], r[c].size());
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t c = 0; c < r.size(); ++c) {
      line += r[c];
      if (c + 1 < r.size()) line += std::string(width[c] - r[c].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  int completed = 0, failed = 0;
  for (const auto& o : report.outcomes) {
    completed += o.status == trial_outcome::completed;
    failed += o.status == trial_outcome::failed;
  }
  out += std::to_string(completed) + " of " + std::to_string(trials.size()) + " trials completed, " +
         std::to_string(failed) + " failed" + (report.interrupted ? "; interrupted (resume to finish)" : "") + "\n";
  return out;
}

}  // namespace hp
