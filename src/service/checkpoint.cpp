#include "hyperpetsc/service/checkpoint.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <stdexcept>
#include <utility>

#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/petsc/atomic_file.hpp"
#include "hyperpetsc/petsc/collective.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/handles.hpp"
#include "hyperpetsc/petsc/json_writer.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

namespace fs = std::filesystem;

using Viewer = Handle<PetscViewer, PetscViewerDestroy>;

constexpr const char* metadata_name = "checkpoint.json";
constexpr const char* format_name = "hyperpetsc-checkpoint";
constexpr long long format_version = 1;
// checkpoint.json is a few kilobytes; anything far larger is not ours.
constexpr std::uintmax_t max_metadata_bytes = 64u << 20;

// What PETSc's binary format spends on one Vec: VEC_FILE_CLASSID (int32), the length
// (PetscInt), then the values.
long long vec_file_bytes(long long n) {
  return static_cast<long long>(sizeof(std::int32_t) + sizeof(PetscInt)) + n * static_cast<long long>(sizeof(double));
}

// A checkpoint that cannot be read as written; the caller adds the path and the remedy.
struct Damaged : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The data file's length and FNV-1a 64 hash, read in large blocks; optionally fsync'd
// (the data must be on disk before checkpoint.json names it).
struct FileDigest {
  long long bytes = 0;
  std::uint64_t fnv1a = 0;
};

FileDigest digest_file(const std::string& path, bool sync, int& error) {
  FileDigest d;
  d.fnv1a = 0xcbf29ce484222325ull;
  error = 0;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = errno;
    return d;
  }
  std::vector<unsigned char> block(1 << 20);
  for (;;) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      error = errno;
      break;
    }
    if (n == 0) break;
    std::uint64_t h = d.fnv1a;
    for (ssize_t i = 0; i < n; ++i) h = (h ^ block[static_cast<size_t>(i)]) * 0x100000001b3ull;
    d.fnv1a = h;
    d.bytes += n;
  }
  if (error == 0 && sync && ::fsync(fd) != 0) error = errno;
  ::close(fd);
  return d;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

// Makes a rename durable; best effort (some file systems cannot fsync a folder).
void sync_folder(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// A scalar as a JSON token that strtod reads back to the same double: %.17g for finite
// values, a string for infinities and NaN (JSON has no such numbers).
std::string scalar_token(double v) {
  if (std::isnan(v)) return "\"nan\"";
  if (std::isinf(v)) return v > 0 ? "\"inf\"" : "\"-inf\"";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::string metadata_text(const CheckpointData& data, const std::string& data_file, const FileDigest& digest) {
  JsonWriter j;
  j.begin_object();
  j.key_value("format", format_name);
  j.key_value("version", format_version);
  j.key_value("step", data.step);
  j.key_value("data_file", data_file);
  j.key_value("data_bytes", digest.bytes);
  j.key_value("data_fnv1a64", hex64(digest.fnv1a));
  j.begin_array("vectors");  // in file order
  for (const auto& [name, values] : data.vectors) {
    j.begin_object("");
    j.key_value("name", name);
    j.key_value("size", static_cast<long long>(values.size()));
    j.end_object();
  }
  j.end_array();
  j.begin_object("scalars");
  for (const auto& [name, value] : data.scalars) j.key_raw(name, scalar_token(value));
  j.end_object();
  j.begin_object("config");
  for (const auto& [key, value] : data.config) j.key_value(key, value);
  j.end_object();
  j.end_object();
  return j.str() + "\n";
}

// checkpoint.json read back: everything but the vectors' values.
struct Metadata {
  CheckpointData data;                                     // vectors left empty
  std::vector<std::pair<std::string, long long>> layout;  // vector names and sizes, in file order
  std::string data_file;
  long long data_bytes = 0;
  std::string fnv1a;
};

const ConfigNode& field(const ConfigNode& map, const char* key) {
  const ConfigNode* n = map.find(key);
  if (!n) throw Damaged(std::string("checkpoint.json has no \"") + key + "\"");
  return *n;
}

const std::string& scalar_of(const ConfigNode& n, const std::string& what) {
  if (!n.is_scalar()) throw Damaged("checkpoint.json: " + what + " is not a single value");
  return n.scalar;
}

long long integer_of(const ConfigNode& n, const std::string& what, long long max) {
  const std::string& s = scalar_of(n, what);
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0 || v < 0 || v > max)
    throw Damaged("checkpoint.json: " + what + " is " + quote_user_text(s) + ", not an integer in [0, " +
                  std::to_string(max) + "]");
  return v;
}

double number_of(const ConfigNode& n, const std::string& what) {
  const std::string& s = scalar_of(n, what);
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0')
    throw Damaged("checkpoint.json: " + what + " is " + quote_user_text(s) + ", not a number");
  return v;
}

// A data file name we write ourselves: a plain name in the run folder, never a path.
bool is_data_file_name(const std::string& name) {
  const std::string prefix = "checkpoint-", suffix = ".petsc";
  return name.size() > prefix.size() + suffix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
         name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0 &&
         name.find('/') == std::string::npos && name.find(".tmp.") == std::string::npos;
}

Metadata parse_metadata(const std::string& text, const std::string& path) {
  ConfigNode root;
  try {
    root = parse_yaml(text, path);  // JSON is YAML, and only config/ may parse YAML
  } catch (const UserError& e) {
    throw Damaged(std::string("checkpoint.json does not parse (") + e.what() + ")");
  }
  if (!root.is_map()) throw Damaged("checkpoint.json is not a JSON object");
  if (scalar_of(field(root, "format"), "format") != format_name)
    throw Damaged("checkpoint.json is not a HyperPETSc checkpoint");
  const long long version = integer_of(field(root, "version"), "version", 1000000);
  if (version != format_version)
    throw Damaged("checkpoint.json has format version " + std::to_string(version) + " and this HyperPETSc reads " +
                  std::to_string(format_version));
  constexpr long long no_limit = std::numeric_limits<long long>::max();
  Metadata m;
  m.data.step = integer_of(field(root, "step"), "step", no_limit);
  m.data_file = scalar_of(field(root, "data_file"), "data_file");
  if (!is_data_file_name(m.data_file))
    throw Damaged("checkpoint.json: data_file " + quote_user_text(m.data_file) + " is not a checkpoint data file name");
  m.data_bytes = integer_of(field(root, "data_bytes"), "data_bytes", no_limit);
  m.fnv1a = scalar_of(field(root, "data_fnv1a64"), "data_fnv1a64");

  const ConfigNode& vectors = field(root, "vectors");
  if (vectors.kind != ConfigNode::Kind::list) throw Damaged("checkpoint.json: vectors is not a list");
  std::set<std::string> seen;
  long long layout_bytes = 0;
  for (const ConfigNode& v : vectors.items) {
    if (!v.is_map()) throw Damaged("checkpoint.json: an entry of vectors is not an object");
    const std::string& name = scalar_of(field(v, "name"), "a vector's name");
    const long long size = integer_of(field(v, "size"), "the size of vector " + quote_user_text(name), PETSC_MAX_INT);
    if (!seen.insert(name).second) throw Damaged("checkpoint.json lists vector " + quote_user_text(name) + " twice");
    m.layout.emplace_back(name, size);
    layout_bytes += vec_file_bytes(size);
  }
  if (layout_bytes != m.data_bytes)
    throw Damaged("checkpoint.json: its vectors take " + std::to_string(layout_bytes) + " bytes but data_bytes is " +
                  std::to_string(m.data_bytes));

  // An empty JSON object may come back as a null node.
  const ConfigNode& scalars = field(root, "scalars");
  if (!scalars.is_map() && !scalars.is_null()) throw Damaged("checkpoint.json: scalars is not an object");
  for (const auto& [name, value] : scalars.entries)
    m.data.scalars[name] = number_of(value, "scalar " + quote_user_text(name));
  const ConfigNode& config = field(root, "config");
  if (!config.is_map() && !config.is_null()) throw Damaged("checkpoint.json: config is not an object");
  for (const auto& [key, value] : config.entries)
    m.data.config[key] = scalar_of(value, "config key " + quote_user_text(key));
  return m;
}

// The whole of a small file; Damaged if it cannot be read or is implausibly large.
std::string read_metadata_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Damaged("checkpoint.json is not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec || size > max_metadata_bytes) throw Damaged("checkpoint.json is not a checkpoint's metadata (too large)");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw Damaged("checkpoint.json cannot be read");
  return text.str();
}

// The data file the committed checkpoint.json names, or "" if there is none we can read.
std::string committed_data_file(const std::string& metadata_path) {
  std::error_code ec;
  if (!fs::exists(metadata_path, ec)) return {};
  try {
    return parse_metadata(read_metadata_file(metadata_path), metadata_path).data_file;
  } catch (const Damaged&) {
    return {};  // about to be replaced anyway
  }
}

std::string cannot_save(const std::string& run_dir, const std::string& why) {
  return "cannot save a checkpoint in run folder " + quote_user_path(run_dir) + ": " + why +
         "; check that run.dir is writable and its disk has space";
}

// A new empty "<final_path>.tmp.<random>", created exclusively (a file planted at that name
// is never reused) with the permissions of any new file (0666 & ~umask); PETSc then
// reopens it by name.
std::string create_temporary(const std::string& run_dir, const std::string& final_path) {
  static constexpr char digits[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::random_device entropy;
  int error = 0;
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::uint64_t bits = (std::uint64_t{entropy()} << 32) ^ entropy();
    std::string tmp = final_path + ".tmp.";
    for (int i = 0; i < 12; ++i, bits >>= 5) tmp += digits[bits & 31];
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) {
      ::close(fd);
      return tmp;
    }
    error = errno;
    if (error != EEXIST) break;
  }
  throw UserError(cannot_save(run_dir, std::string("cannot create a file in it (") + std::strerror(error) + ")"));
}

// Rank 0's part of save_checkpoint.
void write_checkpoint(const std::string& run_dir, const CheckpointData& data) {
  if (data.step < 0) throw std::invalid_argument("save_checkpoint: negative step");
  std::error_code ec;
  if (!fs::is_directory(run_dir, ec)) throw UserError(cannot_save(run_dir, "the folder does not exist"));
  const std::string metadata_path = checkpoint_metadata_path(run_dir);

  // Never overwrite the file the committed checkpoint names (a save at the same step).
  std::string name = "checkpoint-" + std::to_string(data.step) + ".petsc";
  if (name == committed_data_file(metadata_path)) name = "checkpoint-" + std::to_string(data.step) + ".1.petsc";
  const std::string final_path = (fs::path(run_dir) / name).string();

  const std::string tmp = create_temporary(run_dir, final_path);

  long long expected_bytes = 0;
  try {
    {
      Viewer viewer;
      HP_CALL(PetscViewerCreate(PETSC_COMM_SELF, viewer.out()));
      HP_CALL(PetscViewerSetType(viewer, PETSCVIEWERBINARY));
      HP_CALL(PetscViewerFileSetMode(viewer, FILE_MODE_WRITE));
      HP_CALL(PetscViewerBinarySetSkipInfo(viewer, PETSC_TRUE));     // no .info file beside it
      HP_CALL(PetscViewerBinarySetSkipOptions(viewer, PETSC_TRUE));  // no -viewer_binary_* surprises
      HP_CALL(PetscViewerBinarySetUseMPIIO(viewer, PETSC_FALSE));
      HP_CALL(PetscViewerFileSetName(viewer, tmp.c_str()));
      HP_CALL(PetscViewerSetUp(viewer));
      for (const auto& [vec_name, values] : data.vectors) {
        if (values.size() > static_cast<size_t>(PETSC_MAX_INT))
          throw std::invalid_argument("save_checkpoint: vector " + vec_name + " is longer than PETSc indices allow");
        const auto n = static_cast<PetscInt>(values.size());
        // PETSc byte-swaps the array in place while writing and swaps it back.
        Vector v;
        HP_CALL(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, n, const_cast<PetscScalar*>(values.data()), v.out()));
        HP_CALL(VecView(v, viewer));  // one write of the whole vector
        expected_bytes += vec_file_bytes(n);
      }
    }  // the viewer closes the file here
    int error = 0;
    const FileDigest digest = digest_file(tmp, /*sync=*/true, error);
    if (error != 0) throw UserError(cannot_save(run_dir, std::string("cannot read back ") + name + " (" + std::strerror(error) + ")"));
    if (digest.bytes != expected_bytes)
      throw UserError(cannot_save(run_dir, name + " has " + std::to_string(digest.bytes) + " bytes instead of " +
                                               std::to_string(expected_bytes)));
    if (std::rename(tmp.c_str(), final_path.c_str()) != 0)
      throw UserError(cannot_save(run_dir, std::string("cannot rename ") + name + " (" + std::strerror(errno) + ")"));
    sync_folder(run_dir);
    // The commit point: until this rename the previous checkpoint stays the valid one.
    write_file_atomically(metadata_path, metadata_text(data, name, digest), "checkpoint");
  } catch (const PetscFailure& e) {
    ::unlink(tmp.c_str());
    throw UserError(cannot_save(run_dir, "PETSc could not write " + name + " (" +
                                             (e.petsc_message().empty() ? std::string(e.what()) : e.petsc_message()) + ")"));
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }

  // Older data files and leftovers of killed saves; nothing names them any more.
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(run_dir, ec)) {
    const std::string file = entry.path().filename().string();
    const bool stale_data = file.rfind("checkpoint-", 0) == 0 && file != name &&
                            (is_data_file_name(file) || file.find(".petsc.tmp.") != std::string::npos);
    const bool stale_metadata = file.rfind(std::string(metadata_name) + ".tmp.", 0) == 0;
    if (stale_data || stale_metadata) stale.push_back(entry.path());
  }
  for (const fs::path& p : stale) fs::remove(p, ec);  // best effort: a leftover is harmless
}

std::string damaged_message(const std::string& metadata_path, const std::string& what) {
  return "checkpoint " + quote_user_path(metadata_path) + " is damaged: " + what +
         "; run without --resume in a fresh run.dir to start over, or restore the run folder's "
         "checkpoint files from a copy";
}

// The first key (in sorted order, ignored keys skipped) whose value differs; "" if none.
std::string config_difference(const std::string& metadata_path, const std::map<std::string, std::string>& stored,
                              const std::map<std::string, std::string>& expected,
                              const std::set<std::string>& ignored) {
  constexpr std::size_t shown = 200;
  std::set<std::string> keys;
  for (const auto& kv : stored) keys.insert(kv.first);
  for (const auto& kv : expected) keys.insert(kv.first);
  for (const std::string& key : keys) {
    if (ignored.count(key)) continue;
    const auto s = stored.find(key), e = expected.find(key);
    if (s != stored.end() && e != expected.end() && s->second == e->second) continue;
    const std::string then = s == stored.end() ? "absent" : quote_user_text(s->second, shown);
    const std::string now = e == expected.end() ? "absent" : quote_user_text(e->second, shown);
    return "checkpoint " + quote_user_path(metadata_path) + " was written with another configuration: " +
           quote_user_text(key, shown) + " is " + then + " there and " + now +
           " now; run without --resume in a fresh run.dir to start over, or restore the configuration to resume";
  }
  return {};
}

// Rank 0's part of load_checkpoint: the metadata text and the whole checkpoint.
std::optional<std::pair<std::string, CheckpointData>> read_checkpoint(
    const std::string& run_dir, const std::map<std::string, std::string>& expected_config,
    const std::set<std::string>& ignored_keys) {
  const std::string metadata_path = checkpoint_metadata_path(run_dir);
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(metadata_path, ec))) return std::nullopt;
  try {
    std::string text = read_metadata_file(metadata_path);
    Metadata m = parse_metadata(text, metadata_path);
    const std::string difference = config_difference(metadata_path, m.data.config, expected_config, ignored_keys);
    if (!difference.empty()) throw UserError(difference);

    const std::string data_path = (fs::path(run_dir) / m.data_file).string();
    const std::string shown = "its data file " + quote_user_path(data_path);
    if (!fs::is_regular_file(data_path, ec)) throw Damaged(shown + " is missing");
    int error = 0;
    const FileDigest digest = digest_file(data_path, /*sync=*/false, error);
    if (error != 0) throw Damaged(shown + " cannot be read (" + std::strerror(error) + ")");
    if (digest.bytes != m.data_bytes)
      throw Damaged(shown + " has " + std::to_string(digest.bytes) + " bytes instead of " + std::to_string(m.data_bytes));
    if (hex64(digest.fnv1a) != m.fnv1a) throw Damaged(shown + " fails its checksum");

    try {
      Viewer viewer;
      HP_CALL(PetscViewerCreate(PETSC_COMM_SELF, viewer.out()));
      HP_CALL(PetscViewerSetType(viewer, PETSCVIEWERBINARY));
      HP_CALL(PetscViewerFileSetMode(viewer, FILE_MODE_READ));
      HP_CALL(PetscViewerBinarySetSkipInfo(viewer, PETSC_TRUE));
      HP_CALL(PetscViewerBinarySetSkipOptions(viewer, PETSC_TRUE));
      HP_CALL(PetscViewerBinarySetUseMPIIO(viewer, PETSC_FALSE));
      HP_CALL(PetscViewerFileSetName(viewer, data_path.c_str()));
      HP_CALL(PetscViewerSetUp(viewer));
      for (const auto& [name, size] : m.layout) {
        std::vector<double>& values = m.data.vectors[name];
        values.resize(static_cast<size_t>(size));
        Vector v;
        HP_CALL(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, static_cast<PetscInt>(size), values.data(), v.out()));
        HP_CALL(VecLoad(v, viewer));  // checks the stored length against `size`
      }
    } catch (const PetscFailure& e) {
      throw Damaged(shown + " does not load (" + (e.petsc_message().empty() ? std::string(e.what()) : e.petsc_message()) + ")");
    }
    return std::make_pair(std::move(text), std::move(m.data));
  } catch (const Damaged& e) {
    throw UserError(damaged_message(metadata_path, e.what()));
  }
}

}  // namespace

std::string checkpoint_metadata_path(const std::string& run_dir) { return (fs::path(run_dir) / metadata_name).string(); }

void save_checkpoint(MPI_Comm comm, const std::string& run_dir, const CheckpointData& data) {
  std::string error;
  if (comm_rank(comm) == 0) {
    try {
      write_checkpoint(run_dir, data);
    } catch (const std::exception& e) {  // every rank must learn of it, or they would hang
      error = e.what();
    }
  }
  agree_or_throw(comm, error);
}

std::optional<CheckpointData> load_checkpoint(MPI_Comm comm, const std::string& run_dir,
                                              const std::map<std::string, std::string>& expected_config,
                                              const std::set<std::string>& ignored_keys) {
  const bool root = comm_rank(comm) == 0;
  std::optional<std::pair<std::string, CheckpointData>> loaded;
  std::string error;
  if (root) {
    try {
      loaded = read_checkpoint(run_dir, expected_config, ignored_keys);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  agree_or_throw(comm, error);

  int present = loaded ? 1 : 0;
  MPI_Bcast(&present, 1, MPI_INT, 0, comm);
  if (!present) return std::nullopt;
  // The other ranks parse the same metadata text (rank 0 has, so it parses) and receive
  // the vectors in its order.
  std::string text = root ? loaded->first : std::string();
  long long length = static_cast<long long>(text.size());
  MPI_Bcast(&length, 1, MPI_LONG_LONG, 0, comm);
  text.resize(static_cast<size_t>(length));
  MPI_Bcast(text.data(), static_cast<int>(length), MPI_CHAR, 0, comm);
  Metadata m = parse_metadata(text, checkpoint_metadata_path(run_dir));
  CheckpointData data = root ? std::move(loaded->second) : std::move(m.data);
  for (const auto& [name, size] : m.layout) {
    std::vector<double>& values = data.vectors[name];
    values.resize(static_cast<size_t>(size));
    MPI_Bcast(values.data(), static_cast<int>(size), MPI_DOUBLE, 0, comm);
  }
  return data;
}

namespace {

void flatten_into(const ConfigNode& n, const std::string& key, std::map<std::string, std::string>& out) {
  switch (n.kind) {
    case ConfigNode::Kind::map:
      if (n.entries.empty()) out[key] = "{}";
      for (const auto& [child, value] : n.entries) flatten_into(value, key.empty() ? child : key + "." + child, out);
      break;
    case ConfigNode::Kind::scalar:
      out[key] = n.scalar;
      break;
    case ConfigNode::Kind::list:
      out[key] = emit_yaml(n);
      break;
    case ConfigNode::Kind::null:
      out[key] = "~";
      break;
  }
}

}  // namespace

std::map<std::string, std::string> flatten_config(const ConfigNode& root) {
  std::map<std::string, std::string> out;
  if (root.is_null() || (root.is_map() && root.entries.empty())) return out;
  flatten_into(root, "", out);
  return out;
}

}  // namespace hp
