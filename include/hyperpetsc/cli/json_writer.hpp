// A minimal streaming JSON writer (objects, arrays, numbers at full precision) and an
// atomic file write: results appear complete or not at all.
#pragma once
#include <sstream>
#include <string>
#include <vector>

namespace hp {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array(const std::string& key);
  JsonWriter& begin_object(const std::string& key);
  JsonWriter& end_array();
  JsonWriter& key_value(const std::string& key, const std::string& value);
  JsonWriter& key_value(const std::string& key, const char* value) { return key_value(key, std::string(value)); }
  JsonWriter& key_value(const std::string& key, double value);
  JsonWriter& key_value(const std::string& key, long long value);
  JsonWriter& key_value(const std::string& key, int value) { return key_value(key, static_cast<long long>(value)); }
  JsonWriter& key_value(const std::string& key, bool value);
  JsonWriter& key_array(const std::string& key, const std::vector<double>& values);
  std::string str() const { return out_.str(); }

 private:
  void comma();
  void key(const std::string& k);
  std::ostringstream out_;
  std::vector<bool> first_{true};
};

std::string json_escape(const std::string& s);

// Write `text` to `path` through a temporary file in the same folder and rename(2).
// Throws hp::UserError if the folder is not writable.
void write_file_atomically(const std::string& path, const std::string& text);

// Fail early (before any computation) if `path` could not be written.
void check_writable(const std::string& path);

}  // namespace hp
