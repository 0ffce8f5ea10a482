#include "hyperpetsc/service/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

namespace fs = std::filesystem;

const char* const kSubfolders[] = {"incoming", "running", "done", "failed"};
const std::string kSuffix = ".yaml";

bool is_job_name(const std::string& name) {
  return name.size() > kSuffix.size() && name[0] != '.' &&
         name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0;
}

std::string stem_of(const std::string& name) { return name.substr(0, name.size() - kSuffix.size()); }

// The job files of `folder` (not folders named *.yaml), in name order.
std::vector<std::string> job_names(const fs::path& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::error_code type_ec;
    if (is_job_name(name) && !it->is_directory(type_ec)) names.push_back(name);
  }
  if (ec)
    throw UserError("spool folder " + quote_user_path(folder.string()) + ": cannot list it (" + ec.message() + ")");
  std::sort(names.begin(), names.end());
  return names;
}

std::string local_time() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S%z", &tm);
  return buf;
}

// One service per spool: an flock on DIR/serve.lock, released by the kernel however the
// process ends. The file holds "<pid> <host>" for the refusal message.
class SpoolLock {
 public:
  explicit SpoolLock(const fs::path& dir) {
    const std::string path = (dir / "serve.lock").string();
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw UserError("spool " + quote_user_path(dir.string()) + ": cannot create " + quote_user_path(path) + " (" +
                      std::strerror(errno) + "); give --spool a writable folder");
    // A service that was just stopped may still be on its way out: give it a few seconds.
    int error = 0;
    for (int attempt = 0; attempt < 50; ++attempt) {
      error = ::flock(fd_, LOCK_EX | LOCK_NB) == 0 ? 0 : errno;
      if (error != EWOULDBLOCK && error != EINTR) break;
      ::usleep(100000);
    }
    if (error != 0 && error != EWOULDBLOCK && error != EINTR) {
      ::close(fd_);
      fd_ = -1;
      throw UserError("spool " + quote_user_path(dir.string()) + ": cannot lock " + quote_user_path(path) + " (" +
                      std::strerror(error) + "); give --spool a folder on a file system with locks");
    }
    if (error != 0) {
      char holder[128] = {0};
      const ssize_t got = ::pread(fd_, holder, sizeof holder - 1, 0);
      ::close(fd_);
      fd_ = -1;
      throw UserError("spool " + quote_user_path(dir.string()) + " is served by another hyperpetsc process (" +
                      (got > 0 ? quote_user_text(std::string(holder, static_cast<size_t>(got))) : std::string("?")) +
                      "); stop it first (touch DIR/stop) or give --spool another folder");
    }
    char host[256] = {0};
    ::gethostname(host, sizeof host - 1);
    const std::string text = std::to_string(::getpid()) + " " + host;
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
      // The lock holds without the note; the note only improves a refusal message.
    }
  }
  ~SpoolLock() {
    if (fd_ < 0) return;
    if (::ftruncate(fd_, 0) != 0) {
      // A stale note only misleads a refusal message; the lock itself goes with the descriptor.
    }
    ::close(fd_);
  }
  SpoolLock(const SpoolLock&) = delete;
  SpoolLock& operator=(const SpoolLock&) = delete;

 private:
  int fd_ = -1;
};

// The coordinator's view of the spool: it alone reads and moves files.
class SpoolFolder {
 public:
  explicit SpoolFolder(const fs::path& dir) : dir_(dir) {}

  // Creates the folders, locks the spool, and lists what an earlier service left running.
  void open() {
    std::error_code ec;
    for (const char* sub : kSubfolders) {
      fs::create_directories(dir_ / sub, ec);
      if (ec || !fs::is_directory(dir_ / sub))
        throw UserError("spool " + quote_user_path(dir_.string()) + ": cannot create its folder " +
                        quote_user_path((dir_ / sub).string()) + " (" +
                        (ec ? ec.message() : std::string("a file has that name")) + "); give --spool a writable folder");
      if (::access((dir_ / sub).c_str(), W_OK) != 0)
        throw UserError("spool " + quote_user_path(dir_.string()) + ": its folder " +
                        quote_user_path((dir_ / sub).string()) + " is not writable; give --spool a writable folder");
    }
    lock_ = std::make_unique<SpoolLock>(dir_);
    for (const auto& name : job_names(dir_ / "running")) resumable_.push_back(name);
  }

  bool stop_requested() const {
    std::error_code ec;
    return fs::exists(fs::symlink_status(dir_ / "stop", ec));  // any kind of file, even a dangling link
  }

  // The next job: what was left in running/ first, then incoming/ in name order (moved
  // to running/). False if there is none.
  bool take_next(SpoolJob& job) {
    if (!resumable_.empty()) {
      job = make_job(resumable_.front(), true);
      resumable_.pop_front();
      return true;
    }
    for (const auto& name : job_names(dir_ / "incoming")) {
      const std::string stem = free_stem(stem_of(name));
      const fs::path to = dir_ / "running" / (stem + kSuffix);
      if (::rename((dir_ / "incoming" / name).c_str(), to.c_str()) == 0) {
        job = make_job(stem + kSuffix, false);
        if (stem != stem_of(name)) taken_as_ = name;
        return true;
      }
      if (errno != ENOENT)  // gone meanwhile (its writer took it back): look at the next
        throw UserError("spool: cannot move " + quote_user_path((dir_ / "incoming" / name).string()) + " to " +
                        quote_user_path(to.string()) + " (" + std::strerror(errno) + ")");
    }
    return false;
  }

  // The incoming name of the job take_next just returned, if it had to be renamed ("" if not).
  std::string take_renamed() { return std::exchange(taken_as_, std::string()); }

  // Moves the job from running/ to `outcome` (done or failed) and writes the note beside it.
  void file(const SpoolJob& job, const std::string& outcome, const std::string& note_name, const std::string& note) {
    const fs::path to = dir_ / outcome / job.name;
    write_file_atomically((dir_ / outcome / note_name).string(), note, "spool note");
    // ENOENT: someone took the file out of running/ meanwhile; the note still tells the outcome.
    if (::rename(job.config_path.c_str(), to.c_str()) != 0 && errno != ENOENT)
      throw UserError("spool: cannot move " + quote_user_path(job.config_path) + " to " + quote_user_path(to.string()) +
                      " (" + std::strerror(errno) + ")");
  }

 private:
  SpoolJob make_job(const std::string& name, bool resume) const {
    return {name, stem_of(name), (dir_ / "running" / name).string(), resume};
  }

  // `stem`, or stem-2, stem-3, ...: the first not used by an earlier job.
  std::string free_stem(const std::string& stem) const {
    auto used = [&](const std::string& s) {
      std::error_code ec;
      return fs::exists(dir_ / "running" / (s + kSuffix), ec) || fs::exists(dir_ / "done" / (s + kSuffix), ec) ||
             fs::exists(dir_ / "failed" / (s + kSuffix), ec) || fs::exists(dir_ / "results" / s, ec);
    };
    std::string s = stem;
    for (int n = 2; used(s); ++n) s = stem + "-" + std::to_string(n);
    return s;
  }

  fs::path dir_;
  std::unique_ptr<SpoolLock> lock_;
  std::deque<std::string> resumable_;
  std::string taken_as_;
};

// The coordinator's decision for one turn, broadcast to every rank.
struct Turn {
  enum Kind : int { idle = 0, run = 1, stop = 2 };
  int kind = idle;
  int signal = 0;  // stop: the signal, 0 for DIR/stop
  SpoolJob job;
};

void broadcast_text(MPI_Comm comm, std::string& text) {
  int n = static_cast<int>(text.size());
  MPI_Bcast(&n, 1, MPI_INT, 0, comm);
  text.resize(static_cast<size_t>(n));
  MPI_Bcast(text.data(), n, MPI_CHAR, 0, comm);
}

void broadcast_turn(MPI_Comm comm, Turn& t) {
  int head[3] = {t.kind, t.signal, t.job.resume ? 1 : 0};
  MPI_Bcast(head, 3, MPI_INT, 0, comm);
  t.kind = head[0];
  t.signal = head[1];
  t.job.resume = head[2] != 0;
  if (t.kind != Turn::run) return;
  broadcast_text(comm, t.job.name);
  broadcast_text(comm, t.job.stem);
  broadcast_text(comm, t.job.config_path);
}

}  // namespace

int serve_spool(MPI_Comm comm, const std::string& dir, const SpoolJobRunner& run_job,
                const std::function<int()>& stop_signal, const SpoolOptions& options) {
  const bool coordinator = comm_rank(comm) == 0;
  auto event = [&](const std::string& line) {
    if (coordinator && options.on_event) options.on_event(line);
  };
  std::unique_ptr<SpoolFolder> spool;
  on_rank_zero(comm, [&] {
    spool = std::make_unique<SpoolFolder>(dir);
    spool->open();
  });
  bool waiting = false;  // an idle stretch has been announced
  for (;;) {
    Turn turn;
    const int signal = stop_signal();  // collective: every rank asks at the same point
    on_rank_zero(comm, [&] {
      if (signal != 0) {
        turn.kind = Turn::stop;
        turn.signal = signal;
      } else if (spool->stop_requested()) {
        turn.kind = Turn::stop;
      } else if (spool->take_next(turn.job)) {
        turn.kind = Turn::run;
      }
    });
    broadcast_turn(comm, turn);
    if (turn.kind == Turn::stop) {
      event(turn.signal ? "stopping: signal " + std::to_string(turn.signal)
                        : "stopping: " + quote_user_path((fs::path(dir) / "stop").string()) +
                              " exists (remove it before serving again)");
      return turn.signal;
    }
    if (turn.kind == Turn::idle) {
      if (!waiting) event("waiting for *.yaml in " + quote_user_path((fs::path(dir) / "incoming").string()));
      waiting = true;
      // Every rank sleeps (a blocking broadcast would spin a core); a signal ends the sleep early.
      const double s = std::max(0.0, options.poll_seconds);
      timespec ts{static_cast<time_t>(s), static_cast<long>((s - static_cast<double>(static_cast<time_t>(s))) * 1e9)};
      ::nanosleep(&ts, nullptr);
      continue;
    }
    waiting = false;
    const SpoolJob& job = turn.job;
    if (coordinator) {
      const std::string renamed = spool->take_renamed();
      event(std::string(job.resume ? "resuming " : "running ") + quote_user_text(job.name) +
            (renamed.empty() ? "" : " (submitted as " + quote_user_text(renamed) + "; that name was used)"));
    }
    const std::string started = local_time();
    const auto t0 = std::chrono::steady_clock::now();
    SpoolJobReport report;
    std::string error;
    try {
      run_job(comm, job, report);
    } catch (const UserError& e) {
      error = e.what();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    on_rank_zero(comm, [&] {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f", seconds);
      const std::string where = report.run_dir.empty() ? "" : "run folder: " + report.run_dir + "\n";
      const std::string times = "started: " + started + (job.resume ? " (resumed)" : "") +
                                "\nfinished: " + local_time() + "\nseconds: " + secs + "\n";
      if (error.empty()) {
        spool->file(job, "done", job.stem + ".log",
                    "job: " + job.name + "\n" + where + times + (report.summary.empty() ? "" : report.summary + "\n"));
        event("done " + quote_user_text(job.name) +
              (report.run_dir.empty() ? "" : ": results in " + quote_user_path(report.run_dir)));
      } else {
        spool->file(job, "failed", job.stem + ".error.txt", error + "\n" + where + times);
        event("failed " + quote_user_text(job.name) + ": " + error);
      }
    });
  }
}

}  // namespace hp
