// Private to src/data: parallel line-oriented reading of a text file.
//
// The file's bytes are split evenly over the ranks; a rank owns the lines that START in
// its byte range, so every line belongs to exactly one rank, ranks' rows come out in file
// order, and no rank ever reads more than its range plus the tail of its last line.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace hp::data_detail {

// One line handed to a visitor, without its "\n" (and without a trailing "\r").
struct Line {
  std::string_view text;
  std::int64_t index = 0;   // 0-based among this rank's lines
  bool file_start = false;  // true only for line 1 of the file
};

// Returns an empty string to continue, or what is wrong with the line (no key, path or
// line number: LineBlock adds those) to stop this rank's scan.
using LineVisitor = std::function<std::string(const Line&)>;

class LineBlock {
 public:
  // Collective: every rank opens `path` and locates its byte range. Throws UserError on
  // every rank if any rank cannot open it.
  LineBlock(MPI_Comm comm, std::string key, std::string path);

  // Local: visits this rank's lines in order; stops at the first failure and keeps it.
  void scan(const LineVisitor& visit);

  // Local: records a failure at an earlier line than the one scan() kept (or the only one).
  void fail_at(std::int64_t index, std::string what);

  // Collective: numbers the lines globally and throws UserError on every rank naming the
  // first failing line of the file, if any rank recorded one.
  void agree() const;

  // The error prefix every message starts with: "<key>: '<path>'" (escaped).
  std::string where() const;

 private:
  struct FileCloser {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };

  MPI_Comm comm_;
  std::string key_;
  std::string path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  std::uint64_t begin_ = 0;  // this rank's byte range [begin_, end_)
  std::uint64_t end_ = 0;
  std::uint64_t size_ = 0;  // file size as seen by rank 0
  std::int64_t lines_seen_ = 0;
  std::int64_t error_index_ = -1;  // -1: no error; otherwise a local line index
  std::string error_;
  bool file_error_ = false;  // an I/O failure: reported without a line number
};

}  // namespace hp::data_detail
