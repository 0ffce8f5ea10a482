// A minimal streaming JSON writer (objects, arrays, numbers at full precision). Files are
// written with hp::write_file_atomically (hyperpetsc/petsc/atomic_file.hpp).
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
  // `json` must already be valid JSON (e.g. "null", or an object stored as JSON text).
  JsonWriter& key_raw(const std::string& key, const std::string& json);
  JsonWriter& key_array(const std::string& key, const std::vector<double>& values);
  std::string str() const { return out_.str(); }

 private:
  void comma();
  void key(const std::string& k);
  std::ostringstream out_;
  std::vector<bool> first_{true};
};

std::string json_escape(const std::string& s);

}  // namespace hp
