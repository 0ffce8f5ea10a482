#include "hyperpetsc/petsc/json_writer.hpp"

#include <cmath>
#include <cstdio>

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
JsonWriter& JsonWriter::key_raw(const std::string& k, const std::string& json) {
  key(k);
  out_ << json;
  return *this;
}
JsonWriter& JsonWriter::key_array(const std::string& k, const std::vector<double>& values) {
  key(k);
  out_ << "[";
  for (size_t i = 0; i < values.size(); ++i) out_ << (i ? ", " : "") << number(values[i]);
  out_ << "]";
  return *this;
}

}  // namespace hp
