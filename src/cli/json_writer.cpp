#include "hyperpetsc/cli/json_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

std::string json_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      default:
        if (static_cast<unsigned char>(ch) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", ch);
          o += buf;
        } else {
          o += ch;
        }
    }
  }
  return o;
}

namespace {
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

void JsonWriter::comma() {
  if (!first_.back()) out_ << ",";
  first_.back() = false;
}
void JsonWriter::key(const std::string& k) {
  comma();
  out_ << "\n" << std::string(2 * (first_.size() - 1), ' ');
  if (!k.empty()) out_ << "\"" << json_escape(k) << "\": ";  // empty: an array element
}
JsonWriter& JsonWriter::begin_object() {
  out_ << "{";
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::begin_object(const std::string& k) {
  key(k);
  return begin_object();
}
JsonWriter& JsonWriter::end_object() {
  first_.pop_back();
  out_ << "\n" << std::string(2 * (first_.size() - 1), ' ') << "}";
  return *this;
}
JsonWriter& JsonWriter::begin_array(const std::string& k) {
  key(k);
  out_ << "[";
  first_.push_back(true);
  return *this;
}
JsonWriter& JsonWriter::end_array() {
  first_.pop_back();
  out_ << "]";
  return *this;
}
JsonWriter& JsonWriter::key_value(const std::string& k, const std::string& v) {
  if (k.empty()) {
    comma();
  } else {
    key(k);
  }
  out_ << "\"" << json_escape(v) << "\"";
  return *this;
}
JsonWriter& JsonWriter::key_value(const std::string& k, double v) {
  key(k);
  out_ << number(v);
  return *this;
}
JsonWriter& JsonWriter::key_value(const std::string& k, long long v) {
  key(k);
  out_ << v;
  return *this;
}
JsonWriter& JsonWriter::key_value(const std::string& k, bool v) {
  key(k);
  out_ << (v ? "true" : "false");
  return *this;
}
JsonWriter& JsonWriter::key_array(const std::string& k, const std::vector<double>& values) {
  key(k);
  out_ << "[";
  for (size_t i = 0; i < values.size(); ++i) out_ << (i ? ", " : "") << number(values[i]);
  out_ << "]";
  return *this;
}

void check_writable(const std::string& path) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir))
    throw UserError("--json " + path + ": folder " + dir.string() + " does not exist; create it first");
  if (access(dir.c_str(), W_OK) != 0)
    throw UserError("--json " + path + ": folder " + dir.string() + " is not writable");
  if (fs::is_directory(path)) throw UserError("--json " + path + ": is a folder; give a file name");
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << text;
    f.flush();
    if (!f) {
      std::remove(tmp.c_str());
      throw UserError("--json " + path + ": cannot write (" + std::strerror(errno) + ")");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    throw UserError("--json " + path + ": cannot write (" + why + ")");
  }
}

}  // namespace hp
