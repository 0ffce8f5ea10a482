#include "hyperpetsc/service/report/run_summary.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "hyperpetsc/config/yaml_source.hpp"
#include "hyperpetsc/petsc/error.hpp"
#include "hyperpetsc/petsc/user_text.hpp"

namespace hp {

namespace {

class SummaryReader {
 public:
  explicit SummaryReader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const ConfigNode& at, const std::string& key, const std::string& what) const {
    std::string msg = quote_user_path(file_);
    if (at.origin.line > 0) msg += " line " + std::to_string(at.origin.line);
    throw UserError(msg + ": " + key + " " + what + "; is this the summary.json of a hyperpetsc run?");
  }

  std::optional<double> number(const ConfigNode& parent, const std::string& key, const std::string& shown) const {
    const ConfigNode* n = parent.find(key);
    if (!n || n->is_null()) return std::nullopt;
    if (!n->is_scalar() || n->quoted) fail(*n, shown, "is not a number");
    errno = 0;
    char* end = nullptr;
    const double v = std::strtod(n->scalar.c_str(), &end);
    if (n->scalar.empty() || *end != '\0' || errno == ERANGE)
      fail(*n, shown, quote_user_text(n->scalar) + " is not a number");
    return v;
  }

  std::optional<long long> count(const ConfigNode& parent, const std::string& key) const {
    const auto v = number(parent, key, key);
    if (!v) return std::nullopt;
    if (*v != std::floor(*v) || std::fabs(*v) > 9e15) fail(*parent.find(key), key, "is not a whole number");
    return static_cast<long long>(*v);
  }

  std::string text(const ConfigNode& parent, const std::string& key) const {
    const ConfigNode* n = parent.find(key);
    if (!n || n->is_null()) return {};
    if (!n->is_scalar()) fail(*n, key, "is not a string");
    return n->scalar;
  }

  StepSummary step(const ConfigNode& root, const std::string& key) const {
    StepSummary s;
    const ConfigNode* n = root.find(key);
    if (!n || n->is_null()) return s;
    if (!n->is_map()) fail(*n, key, "is not an object");
    s.step = number(*n, "step", key + ".step");
    s.val_loss = number(*n, "val_loss", key + ".val_loss");
    s.val_accuracy = number(*n, "val_accuracy", key + ".val_accuracy");
    s.test_loss = number(*n, "test_loss", key + ".test_loss");
    s.test_accuracy = number(*n, "test_accuracy", key + ".test_accuracy");
    return s;
  }

  std::vector<std::pair<std::string, std::string>> params(const ConfigNode& root) const {
    std::vector<std::pair<std::string, std::string>> out;
    const ConfigNode* n = root.find("params");
    if (!n || n->is_null()) return out;
    if (!n->is_map()) fail(*n, "params", "is not an object");
    for (const auto& [key, value] : n->entries) {
      if (value.is_scalar() || value.is_null()) {
        out.emplace_back(key, value.is_null() ? "null" : value.scalar);
      } else {
        std::string flat = emit_yaml(value);  // a list or object: shown as its YAML flow text
        while (!flat.empty() && flat.back() == '\n') flat.pop_back();
        out.emplace_back(key, flat);
      }
    }
    return out;
  }

 private:
  std::string file_;
};

}  // namespace

RunSummary parse_run_summary(const std::string& text, const std::string& file) {
  ConfigNode root;
  try {
    root = parse_yaml(text, file);
  } catch (const UserError& e) {
    throw UserError(std::string(e.what()) + " (" + quote_user_path(file) + " should be a JSON object)");
  }
  const SummaryReader r(file);
  if (!root.is_map()) r.fail(root, "the document", "is not a JSON object");
  RunSummary s;
  s.status = r.text(root, "status");
  s.best = r.step(root, "best");
  s.final = r.step(root, "final");
  s.seconds = r.number(root, "seconds", "seconds");
  s.ranks = r.count(root, "ranks");
  s.outer_steps = r.count(root, "outer_steps");
  s.stop_reason = r.text(root, "stop_reason");
  s.error = r.text(root, "error");
  s.params = r.params(root);
  return s;
}

}  // namespace hp
