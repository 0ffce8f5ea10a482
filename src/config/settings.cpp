#include "hyperpetsc/config/settings.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "hyperpetsc/petsc/error.hpp"

namespace hp {

namespace fs = std::filesystem;

namespace {

// Context for messages: "<file>: <key> (line N): <what>".
struct Reader {
  std::string file;

  [[noreturn]] void fail(const std::string& key, const YAML::Node& node,
                         const std::string& what) const {
    std::ostringstream os;
    os << file << ": " << key;
    if (node.IsDefined() && node.Mark().line >= 0) os << " (line " << node.Mark().line + 1 << ")";
    os << ": " << what;
    throw UserError(os.str());
  }

  // Reject keys outside `allowed` so typos never pass silently.
  void only_keys(const std::string& section, const YAML::Node& node,
                 const std::set<std::string>& allowed) const {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(section, node, "expected a mapping of keys");
    for (const auto& kv : node) {
      const auto k = kv.first.as<std::string>();
      if (!allowed.count(k)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail(section.empty() ? k : section + "." + k, kv.first,
             "unknown key; allowed here: " + list);
      }
    }
  }

  template <typename T>
  T scalar(const YAML::Node& parent, const std::string& section, const std::string& name,
           const T& fallback, const char* type_name) const {
    const YAML::Node n = parent.IsMap() ? parent[name] : YAML::Node();
    if (!n.IsDefined() || n.IsNull()) return fallback;
    const std::string key = section + "." + name;
    if (!n.IsScalar()) fail(key, n, std::string("expected ") + type_name);
    try {
      return n.as<T>();
    } catch (const YAML::Exception&) {
      fail(key, n, std::string("expected ") + type_name + ", got '" + n.Scalar() + "'");
    }
  }

  double number(const YAML::Node& p, const std::string& s, const std::string& name, double dflt) const {
    const double v = scalar<double>(p, s, name, dflt, "a number");
    if (!std::isfinite(v)) fail(s + "." + name, p[name], "must be finite");
    return v;
  }
  PetscInt integer(const YAML::Node& p, const std::string& s, const std::string& name, PetscInt dflt,
                   PetscInt lo) const {
    const long long v = scalar<long long>(p, s, name, dflt, "an integer");
    if (v < lo) fail(s + "." + name, p[name], "must be >= " + std::to_string(lo) + ", got " + std::to_string(v));
    if (v > 2147483647LL) fail(s + "." + name, p[name], "too large for 32-bit PETSc indices");
    return static_cast<PetscInt>(v);
  }
  bool boolean(const YAML::Node& p, const std::string& s, const std::string& name, bool dflt) const {
    return scalar<bool>(p, s, name, dflt, "true or false");
  }
  std::string text(const YAML::Node& p, const std::string& s, const std::string& name,
                   const std::string& dflt) const {
    return scalar<std::string>(p, s, name, dflt, "a string");
  }
  std::string choice(const YAML::Node& p, const std::string& s, const std::string& name,
                     const std::string& dflt, const std::set<std::string>& options) const {
    const std::string v = text(p, s, name, dflt);
    if (!options.count(v)) {
      std::string list;
      for (const auto& o : options) list += (list.empty() ? "" : " | ") + o;
      fail(s + "." + name, p[name], "'" + v + "' is not one of " + list);
    }
    return v;
  }
};

DatasetSpec read_dataset(const Reader& r, const YAML::Node& node, const std::string& key,
                         const std::string& dir) {
  if (!node.IsDefined() || node.IsNull())
    r.fail(key, node, "missing; give {path: FILE, format: libsvm|csv} or {format: synthetic, ...}");
  r.only_keys(key, node,
              {"path", "format", "label_column", "header", "generator", "rows", "features",
               "nnz_per_row", "classes", "noise", "seed", "stream", "normalize_rows",
               "zipf_exponent"});
  DatasetSpec d;
  d.key = key;
  d.format = r.choice(node, key, "format", "libsvm", {"libsvm", "csv", "synthetic"});
  if (d.format == "synthetic") {
    if (node["path"].IsDefined()) r.fail(key + ".path", node["path"], "not used with format: synthetic; remove it");
    auto& s = d.synthetic;
    s.generator = r.choice(node, key, "generator", s.generator, {"gaussian", "sparse_text"});
    s.rows = r.integer(node, key, "rows", s.rows, 1);
    s.features = r.integer(node, key, "features", s.features, 1);
    s.nnz_per_row = r.integer(node, key, "nnz_per_row", std::min(s.nnz_per_row, s.features), 1);
    if (s.nnz_per_row > s.features)
      r.fail(key + ".nnz_per_row", node["nnz_per_row"], "must not exceed " + key + ".features");
    s.classes = r.integer(node, key, "classes", s.classes, 0);
    if (s.classes == 1) r.fail(key + ".classes", node["classes"], "use 0 (regression) or >= 2 classes");
    s.noise = r.number(node, key, "noise", s.noise);
    if (s.noise < 0) r.fail(key + ".noise", node["noise"], "must be >= 0");
    s.seed = static_cast<std::uint64_t>(r.integer(node, key, "seed", 0, 0));
    s.stream = static_cast<std::uint64_t>(r.integer(node, key, "stream", 0, 0));
    s.normalize_rows = r.boolean(node, key, "normalize_rows", s.normalize_rows);
    s.zipf_exponent = r.number(node, key, "zipf_exponent", s.zipf_exponent);
    if (s.zipf_exponent < 0) r.fail(key + ".zipf_exponent", node["zipf_exponent"], "must be >= 0");
    return d;
  }
  for (const char* k : {"generator", "rows", "features", "nnz_per_row", "classes", "noise", "seed",
                        "stream", "normalize_rows", "zipf_exponent"})
    if (node[k].IsDefined()) r.fail(key + "." + k, node[k], "only used with format: synthetic; remove it");
  if (d.format != "csv")
    for (const char* k : {"label_column", "header"})
      if (node[k].IsDefined()) r.fail(key + "." + k, node[k], "only used with format: csv; remove it");
  const std::string path = r.text(node, key, "path", "");
  if (path.empty()) r.fail(key + ".path", node, "missing; give the data file's path");
  d.path = fs::path(path).is_absolute() ? path : (fs::path(dir) / path).lexically_normal().string();
  d.label_column = static_cast<int>(r.scalar<long long>(node, key, "label_column", 0, "an integer"));
  d.header = r.boolean(node, key, "header", false);
  return d;
}

// Apply `a.b.c=value` to the tree (value parsed as YAML, so numbers stay numbers).
void apply_override(YAML::Node& root, const std::string& file, const std::string& item) {
  const auto eq = item.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UserError("--set " + item + ": expected section.key=value");
  const std::string key = item.substr(0, eq);
  YAML::Node value;
  try {
    value = YAML::Load(item.substr(eq + 1));
  } catch (const YAML::Exception& e) {
    throw UserError("--set " + item + ": value is not valid YAML (" + e.msg + ")");
  }
  std::vector<std::string> parts;
  std::stringstream ss(key);
  for (std::string p; std::getline(ss, p, '.');) {
    if (p.empty()) throw UserError("--set " + item + ": empty key segment in '" + key + "'");
    parts.push_back(p);
  }
  // yaml-cpp nodes are handles: walk with fresh handles, never reassign one (that would
  // overwrite the node it refers to instead of rebinding).
  std::vector<YAML::Node> path{root};
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node child = path.back()[parts[i]];
    if (child.IsDefined() && !child.IsNull() && !child.IsMap())
      throw UserError("--set " + item + ": " + parts[i] + " in " + file + " is not a section");
    path.push_back(child);
  }
  path.back()[parts.back()] = value;
}

YAML::Node dataset_node(const DatasetSpec& d) {
  YAML::Node n;
  n["format"] = d.format;
  if (d.format == "synthetic") {
    const auto& g = d.synthetic;
    n["generator"] = g.generator;
    n["rows"] = g.rows;
    n["features"] = g.features;
    n["nnz_per_row"] = g.nnz_per_row;
    n["classes"] = g.classes;
    n["noise"] = g.noise;
    n["seed"] = g.seed;
    n["stream"] = g.stream;
    n["normalize_rows"] = g.normalize_rows;
    n["zipf_exponent"] = g.zipf_exponent;
  } else {
    n["path"] = d.path;
    if (d.format == "csv") {
      n["label_column"] = d.label_column;
      n["header"] = d.header;
    }
  }
  return n;
}

// The resolved configuration: every key with its effective value (defaults included).
std::string resolved_yaml(const Settings& s) {
  YAML::Node root;
  root["problem"]["type"] = s.problem.type;
  root["problem"]["train"] = dataset_node(s.problem.train);
  root["problem"]["val"] = dataset_node(s.problem.val);
  if (s.problem.test) root["problem"]["test"] = dataset_node(*s.problem.test);
  if (s.problem.n_features > 0) root["problem"]["n_features"] = s.problem.n_features;
  root["hyperparameters"]["init"] = s.hyperparameters.init;
  root["hyperparameters"]["shared"] = s.hyperparameters.shared;
  root["inner"]["solver"] = s.inner.solver;
  if (s.inner.step_auto)
    root["inner"]["step_size"] = "auto";
  else
    root["inner"]["step_size"] = s.inner.step_size;
  root["inner"]["iterations"] = s.inner.iterations;
  if (s.inner.solver == "heavy_ball") root["inner"]["momentum"] = s.inner.momentum;
  root["hypergradient"]["method"] = s.hypergradient.method;
  root["hypergradient"]["iterations"] = s.hypergradient.iterations;
  root["hypergradient"]["tol"] = s.hypergradient.tol;
  root["petsc_options"] = s.petsc_options;
  YAML::Emitter out;
  out << root;
  return out.c_str();
}

}  // namespace

Settings load_settings(const std::string& path, const std::vector<std::string>& overrides) {
  Settings s;
  s.config_path = path;
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  s.config_dir = abs.parent_path().string();
  if (!fs::exists(abs, ec))
    throw UserError(path + ": config file not found; pass the path of a YAML file such as configs/default.yaml");
  YAML::Node root;
  try {
    root = YAML::LoadFile(abs.string());
  } catch (const YAML::ParserException& e) {
    throw UserError(path + " line " + std::to_string(e.mark.line + 1) + ": invalid YAML: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw UserError(path + ": cannot read config: " + e.msg);
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  for (const auto& o : overrides) apply_override(root, path, o);

  const Reader r{path};
  if (!root.IsMap()) r.fail("(top level)", root, "expected a mapping with sections problem, hyperparameters, inner, hypergradient");
  r.only_keys("", root, {"problem", "hyperparameters", "inner", "hypergradient", "petsc_options"});

  const YAML::Node pr = root["problem"];
  if (!pr.IsDefined() || pr.IsNull()) r.fail("problem", pr, "missing section; give problem.type, problem.train, problem.val");
  r.only_keys("problem", pr, {"type", "train", "val", "test", "n_features"});
  s.problem.type = r.choice(pr, "problem", "type", s.problem.type, {"ridge_l2", "logistic_l2"});
  s.problem.train = read_dataset(r, pr["train"], "problem.train", s.config_dir);
  s.problem.val = read_dataset(r, pr["val"], "problem.val", s.config_dir);
  if (pr["test"].IsDefined() && !pr["test"].IsNull())
    s.problem.test = read_dataset(r, pr["test"], "problem.test", s.config_dir);
  if (pr["n_features"].IsDefined() && !pr["n_features"].IsNull())
    s.problem.n_features = r.integer(pr, "problem", "n_features", 1, 1);

  const YAML::Node hy = root["hyperparameters"];
  r.only_keys("hyperparameters", hy, {"init", "shared"});
  s.hyperparameters.init = r.number(hy, "hyperparameters", "init", s.hyperparameters.init);
  if (std::fabs(s.hyperparameters.init) > 700)
    r.fail("hyperparameters.init", hy["init"], "exp(init) overflows; use a value in [-700, 700]");
  s.hyperparameters.shared = r.boolean(hy, "hyperparameters", "shared", false);

  const YAML::Node in = root["inner"];
  r.only_keys("inner", in, {"solver", "step_size", "iterations", "momentum"});
  s.inner.solver = r.choice(in, "inner", "solver", s.inner.solver, {"gradient_descent", "heavy_ball"});
  const YAML::Node st = in.IsMap() ? in["step_size"] : YAML::Node();
  if (st.IsDefined() && !st.IsNull() && !(st.IsScalar() && st.Scalar() == "auto")) {
    s.inner.step_auto = false;
    s.inner.step_size = r.number(in, "inner", "step_size", 0.0);
    if (s.inner.step_size <= 0) r.fail("inner.step_size", st, "must be > 0 or auto");
  }
  s.inner.iterations = r.integer(in, "inner", "iterations", s.inner.iterations, 0);
  s.inner.momentum = r.number(in, "inner", "momentum", s.inner.momentum);
  if (s.inner.momentum < 0 || s.inner.momentum >= 1)
    r.fail("inner.momentum", in["momentum"], "must be in [0, 1)");
  if (s.inner.solver != "heavy_ball" && in.IsMap() && in["momentum"].IsDefined())
    r.fail("inner.momentum", in["momentum"], "only used with inner.solver: heavy_ball; remove it");

  const YAML::Node hg = root["hypergradient"];
  r.only_keys("hypergradient", hg, {"method", "iterations", "tol"});
  s.hypergradient.method = r.text(hg, "hypergradient", "method", s.hypergradient.method);
  s.hypergradient.iterations = r.integer(hg, "hypergradient", "iterations", s.hypergradient.iterations, 0);
  s.hypergradient.tol = r.number(hg, "hypergradient", "tol", s.hypergradient.tol);
  if (s.hypergradient.tol < 0 || s.hypergradient.tol >= 1)
    r.fail("hypergradient.tol", hg["tol"], "must be in [0, 1); 0 runs exactly `iterations` steps");

  s.petsc_options = r.text(root, "", "petsc_options", "");

  s.resolved_yaml = resolved_yaml(s);
  return s;
}

std::string settings_help() {
  return R"(Configuration keys (YAML):
  problem:
    type: logistic_l2 | ridge_l2
    train/val/test: {path: FILE, format: libsvm | csv}    (test optional; relative paths
                    resolve against the config file's folder)
        csv only:   label_column: 0 (negative counts from the end), header: false
      or {format: synthetic, generator: gaussian | sparse_text, rows, features, nnz_per_row,
          classes (0 = regression), noise, seed, stream, normalize_rows, zipf_exponent}
    n_features: D         (optional; default: largest feature index in any file)
  hyperparameters: {init: 0.0, shared: false}       penalty exp(lambda_j)
  inner: {solver: gradient_descent | heavy_ball, step_size: NUMBER | auto,
          iterations: T, momentum: 0.9 (heavy_ball)}
  hypergradient: {method: M, iterations: K, tol: 0}  tol 0 = exactly K iterations
      M: itd, truncated_itd, aid_fp, aid_neumann, aid_cg, aid_gmres, aid_cgne,
         aid_<ksp type> (aid_bcgs, aid_minres, ...), aid_ksp (type from -hg_ksp_type), exact
  petsc_options: "-hg_ksp_monitor ..."   (command-line PETSc options win)
)";
}

}  // namespace hp
