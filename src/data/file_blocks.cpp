#include "file_blocks.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/regular_file.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp::data_detail {

namespace {

constexpr std::size_t kChunk = std::size_t{1} << 20;  // read granularity per fread

std::string check_path(const std::string& key) {
  return "; check " + key + ".path (relative paths resolve against the config file's folder)";
}

}  // namespace

LineBlock::LineBlock(MPI_Comm comm, std::string key, std::string path)
    : comm_(comm), key_(std::move(key)), path_(std::move(path)) {
  std::string err;
  std::uint64_t local_size = 0;
  if (path_.empty()) {
    err = key_ + ": no file given; set " + key_ + ".path";
  } else if (err = regular_file_problem(path_, key_); !err.empty()) {
    err += check_path(key_);  // a FIFO or device is never opened: that could block
  } else {
    // O_NONBLOCK: should the path have become a FIFO since the check, open() still returns
    // and the fstat below rejects it.
    const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st {};
    if (fd < 0) {
      err = where() + " cannot be opened (" + std::strerror(errno) + ")" + check_path(key_);
    } else if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
               fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
      ::close(fd);
      err = where() + " is not a readable regular file" + check_path(key_);
    } else {
      file_.reset(fdopen(fd, "rb"));
      if (!file_) {
        err = where() + " cannot be opened (" + std::strerror(errno) + ")";
        ::close(fd);
      } else {
        local_size = static_cast<std::uint64_t>(st.st_size);
        // Our own chunk buffer does the buffering; stdio's would only add a copy.
        std::setvbuf(file_.get(), nullptr, _IONBF, 0);
      }
    }
  }
  agree_or_throw(comm_, err);

  // Rank 0's size defines the split, so all ranks agree on it even if the file grows.
  size_ = local_size;
  MPI_Bcast(&size_, 1, MPI_UINT64_T, 0, comm_);
  const auto p = static_cast<std::uint64_t>(comm_size(comm_));
  const auto r = static_cast<std::uint64_t>(comm_rank(comm_));
  const std::uint64_t base = size_ / p, rem = size_ % p;
  begin_ = r * base + std::min(r, rem);
  end_ = begin_ + base + (r < rem ? 1 : 0);
}

std::string LineBlock::where() const { return key_ + ": " + quote_user_path(path_); }

void LineBlock::scan(const LineVisitor& visit) {
  if (begin_ >= end_ || error_index_ >= 0 || file_error_) return;

  std::vector<char> buf(static_cast<std::size_t>(std::min<std::uint64_t>(kChunk, size_)));
  std::uint64_t buf_offset = 0;  // file offset of buf[0]
  std::uint64_t next_read = 0;   // file offset of the next fread
  std::size_t have = 0, at = 0;  // valid bytes in buf, read position in buf

  // Reads the next chunk; false at the end of the file (or on an I/O failure, recorded).
  auto refill = [&]() -> bool {
    if (next_read >= size_) return false;
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), size_ - next_read));
    const std::size_t got = std::fread(buf.data(), 1, want, file_.get());
    if (got != want) {
      file_error_ = true;
      error_ = std::ferror(file_.get()) ? std::strerror(errno) : "the file shrank while reading";
      return false;
    }
    buf_offset = next_read;
    next_read += got;
    have = got;
    at = 0;
    return true;
  };

  // Start one byte early: if that byte is '\n', the line at begin_ is ours.
  next_read = begin_ > 0 ? begin_ - 1 : 0;
  if (fseeko(file_.get(), static_cast<off_t>(next_read), SEEK_SET) != 0) {
    file_error_ = true;
    error_ = std::strerror(errno);
    return;
  }
  if (begin_ > 0) {  // skip the tail of the line owned by the previous rank
    for (;;) {
      if (at == have && !refill()) return;
      const void* nl = std::memchr(buf.data() + at, '\n', have - at);
      if (nl) {
        at = static_cast<std::size_t>(static_cast<const char*>(nl) - buf.data()) + 1;
        break;
      }
      at = have;
    }
  }

  std::string carry;  // a line that straddles chunks
  Line line;
  for (;;) {
    if (at == have && !refill()) return;
    const std::uint64_t start = buf_offset + at;
    if (start >= end_) return;

    carry.clear();
    bool complete = false;
    while (!complete) {
      const char* p = buf.data() + at;
      const auto* nl = static_cast<const char*>(std::memchr(p, '\n', have - at));
      const std::size_t len = nl ? static_cast<std::size_t>(nl - p) : have - at;
      if (nl && carry.empty()) {
        line.text = std::string_view(p, len);  // the common case: no copy
      } else {
        carry.append(p, len);
        line.text = carry;
      }
      at += len;
      if (nl) {
        ++at;
        complete = true;
      } else if (!refill()) {
        if (file_error_) return;
        complete = true;  // last line of the file, no final newline
      }
    }
    if (!line.text.empty() && line.text.back() == '\r') line.text.remove_suffix(1);
    line.index = lines_seen_++;
    line.file_start = start == 0;
    std::string what = visit(line);
    if (!what.empty()) {
      fail_at(line.index, std::move(what));
      return;
    }
  }
}

void LineBlock::fail_at(std::int64_t index, std::string what) {
  if (file_error_) return;  // an I/O failure makes later line numbers meaningless
  if (error_index_ < 0 || index <= error_index_) {
    error_index_ = index;
    error_ = std::move(what);
  }
}

void LineBlock::agree() const {
  std::int64_t before = 0;  // lines owned by lower ranks
  MPI_Exscan(&lines_seen_, &before, 1, MPI_INT64_T, MPI_SUM, comm_);
  if (comm_rank(comm_) == 0) before = 0;  // MPI_Exscan leaves rank 0's result undefined

  std::string msg;
  if (file_error_) {
    msg = where() + ": error reading (" + error_ + "); check that the file is readable";
  } else if (error_index_ >= 0) {
    msg = where() + " line " + std::to_string(before + error_index_ + 1) + ": " + error_;
  }
  agree_or_throw(comm_, msg);
}

}  // namespace hp::data_detail
