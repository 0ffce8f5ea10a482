#include "idx_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string_view>

#include "hyperpetsc/petsc/regular_file.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp::data_detail {

namespace {

constexpr unsigned kUnsignedByte = 0x08;
constexpr std::int64_t kTooLarge = std::int64_t{1} << 62;  // saturation of item_bytes

std::string hex_byte(unsigned b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", b & 0xFFu);
  return buf;
}

const char* type_name(unsigned code) {
  switch (code) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "16-bit integer";
    case 0x0C: return "32-bit integer";
    case 0x0D: return "32-bit float";
    case 0x0E: return "64-bit float";
    default: return "unknown";
  }
}

}  // namespace

IdxFile::IdxFile(std::string key, std::string path) : key_(std::move(key)), path_(std::move(path)) {
  const std::string advice = "; check " + key_ + " (relative paths resolve against the config file's folder)";
  if (path_.empty()) {
    error_ = key_ + ": no file given; set " + key_;
    return;
  }
  if (error_ = regular_file_problem(path_, key_); !error_.empty()) {
    error_ += advice;
    return;
  }
  // O_NONBLOCK: should the path have become a FIFO since the check, open() still returns
  // and the fstat below rejects it.
  const int fd = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  struct stat st {};
  if (fd < 0) {
    error_ = where() + " cannot be opened (" + std::strerror(errno) + ")" + advice;
    return;
  }
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0) {
    ::close(fd);
    error_ = where() + " is not a readable regular file" + advice;
    return;
  }
  gz_ = gzdopen(fd, "rb");
  if (!gz_) {
    ::close(fd);
    error_ = where() + " cannot be opened (out of memory)";
    return;
  }
  gzbuffer(gz_, 1u << 18);
  read_header();
}

IdxFile::~IdxFile() {
  if (gz_) gzclose_r(gz_);
}

std::string IdxFile::where() const { return key_ + ": " + quote_user_path(path_); }

std::string IdxFile::shape() const {
  std::string s;
  for (const std::uint32_t d : dims_) s += (s.empty() ? "" : " x ") + std::to_string(d);
  return s;
}

bool IdxFile::read_header() {
  unsigned char magic[4];
  if (!read(magic, sizeof magic)) return false;
  if (magic[0] != 0 || magic[1] != 0) {
    error_ = where() + " is not an IDX file (it starts with bytes " + hex_byte(magic[0]) + " " +
             hex_byte(magic[1]) + ", an IDX file with two zero bytes); give an IDX file such as "
             "train-images-idx3-ubyte.gz, gzipped or not";
    return false;
  }
  if (magic[2] != kUnsignedByte) {
    error_ = where() + " holds data of type " + hex_byte(magic[2]) + " (" + type_name(magic[2]) +
             "); only unsigned bytes (type 0x08, as in the MNIST files) are supported";
    return false;
  }
  if (magic[3] == 0) {
    error_ = where() + " declares 0 dimensions; an IDX file needs at least one (the number of items)";
    return false;
  }
  std::vector<unsigned char> sizes(4 * std::size_t{magic[3]});
  if (!read(sizes.data(), sizes.size())) return false;
  dims_.resize(magic[3]);
  item_bytes_ = 1;
  for (std::size_t k = 0; k < dims_.size(); ++k) {
    const unsigned char* b = &sizes[4 * k];
    dims_[k] = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    if (k == 0) continue;
    const std::int64_t d = dims_[k];
    item_bytes_ = d == 0 ? 0 : item_bytes_ > kTooLarge / d ? kTooLarge : item_bytes_ * d;  // no overflow
  }
  return true;
}

bool IdxFile::read(unsigned char* out, std::size_t n) {
  if (!error_.empty() || !gz_) return false;
  while (n > 0) {
    const auto want = static_cast<unsigned>(std::min<std::size_t>(n, std::size_t{1} << 30));
    const int got = gzread(gz_, out, want);
    if (got <= 0) {
      fail_read();
      return false;
    }
    consumed_ += static_cast<unsigned>(got);
    out += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

void IdxFile::fail_read() {
  int code = Z_OK;
  const char* what = gzerror(gz_, &code);
  const std::string end = dims_.empty() ? "its header" : "the data its header (" + shape() + ") describes";
  if (code == Z_ERRNO) {
    error_ = where() + ": error reading (" + std::strerror(errno) + "); check that the file is readable";
  } else if (code == Z_BUF_ERROR) {  // zlib: the compressed stream stops early
    error_ = where() + " is truncated: its gzip stream is cut off after " + std::to_string(consumed_) +
             " decompressed bytes; download the file again";
  } else if (code == Z_OK) {
    error_ = where() + " is truncated: it ends after " + std::to_string(consumed_) + " bytes, before the end of " +
             end + "; download or write the file again";
  } else {
    // zlib prefixes its message with "<fd:N>: ", which means nothing to the user.
    std::string_view detail = what ? what : "error";
    if (const std::size_t colon = detail.rfind(": "); colon != std::string_view::npos) detail.remove_prefix(colon + 2);
    error_ = where() + " is not a valid gzip stream (" + quote_user_text(detail) + " after " +
             std::to_string(consumed_) + " decompressed bytes); download the file again";
  }
}

bool IdxFile::finish() {
  if (!error_.empty() || !gz_) return false;
  unsigned char extra = 0;
  const int got = gzread(gz_, &extra, 1);
  if (got > 0) {
    error_ = where() + " holds more data than its header (" + shape() + ") describes; check that it is an IDX "
             "file written whole";
    return false;
  }
  int code = Z_OK;
  gzerror(gz_, &code);
  if (got < 0 || code != Z_OK) {
    fail_read();
    return false;
  }
  return true;
}

}  // namespace hp::data_detail
