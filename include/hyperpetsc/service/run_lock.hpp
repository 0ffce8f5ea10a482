// One process per run folder: the coordinator holds RUN_DIR/.lock while it runs, so a
// second `hyperpetsc run` on the same folder is refused before it writes anything and the
// first is unharmed.
//
// The lock is an fcntl (POSIX record) write lock on the whole file: the kernel drops it
// when the process dies, however it dies (SIGKILL included), so a stale .lock file never
// blocks a later run, and it works across hosts on NFS (through the NFS lock manager).
// The file holds "<pid> <hostname>" of the holder, for the refusal message; it is never
// deleted (deleting it would let two processes lock two different files of one name).
//
// fcntl locks belong to a process, not to a file descriptor: a second lock on the same
// file from the same process would silently succeed, and closing any descriptor of the
// file would silently release it. RunLock therefore keeps a process-wide set of the
// lock files it holds, refuses a second RunLock on a held folder the same way as another
// process, and never opens a held lock file again.
#pragma once
#include <string>

namespace hp {

class RunLock {
 public:
  // Creates `run_dir` (and its parents) if needed, then `run_dir/.lock`, and locks it.
  // Throws hp::UserError if the folder or lock file cannot be created, or if the folder is
  // in use: "run folder DIR is in use by another hyperpetsc process (pid P on host H);
  // wait for it to finish or set run.dir to another folder". Not collective: only the
  // coordinator locks; it must share the outcome with its ranks (agree_or_throw).
  explicit RunLock(const std::string& run_dir);
  // Releases the lock (the file stays, emptied).
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;  // run_dir/.lock
  int fd_ = -1;
  unsigned long long device_ = 0, inode_ = 0;  // the held file's identity, in the process-wide set
};

}  // namespace hp
