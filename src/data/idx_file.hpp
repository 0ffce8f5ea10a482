// Private to src/data: one IDX file (the MNIST family's format), gzipped or not, read
// front to back.
//
// IDX: a big-endian header, magic = 0x00 0x00 <type code> <number of dimensions>, one
// 32-bit size per dimension, then the items (dimension 0) back to back. zlib reads
// uncompressed files transparently, so one code path serves both. Everything is local:
// the caller agrees on error() across ranks (every rank reads the same bytes).
#pragma once
#include <zlib.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hp::data_detail {

class IdxFile {
 public:
  // Opens `path` (only if it is a regular file: a FIFO is never opened) and reads its
  // header. `key` names the setting the path came from ("problem.train.labels").
  IdxFile(std::string key, std::string path);
  ~IdxFile();
  IdxFile(const IdxFile&) = delete;
  IdxFile& operator=(const IdxFile&) = delete;

  // What is wrong (a whole sentence naming key, file and what to do), "" if nothing.
  const std::string& error() const { return error_; }

  const std::vector<std::uint32_t>& dims() const { return dims_; }
  std::int64_t items() const { return dims_.empty() ? 0 : dims_[0]; }
  // Bytes per item: the product of the dimensions after the first (1 for a 1-D file).
  std::int64_t item_bytes() const { return item_bytes_; }
  // "60000 x 28 x 28", for messages.
  std::string shape() const;
  // "<key>: '<path>'" (escaped), the start of every message about this file.
  std::string where() const;

  // Reads the next n bytes into out. False (error() set) if the file ends early, cannot be
  // read or is not a valid gzip stream.
  bool read(unsigned char* out, std::size_t n);

  // After the last item: false (error() set) if data follow or, gzipped, the stream's
  // checksum or end is missing.
  bool finish();

 private:
  bool read_header();
  void fail_read();  // sets error_ after a short read

  std::string key_, path_;
  gzFile gz_ = nullptr;
  std::string error_;
  std::vector<std::uint32_t> dims_;
  std::int64_t item_bytes_ = 0;
  std::uint64_t consumed_ = 0;  // decompressed bytes read so far, header included
};

}  // namespace hp::data_detail
