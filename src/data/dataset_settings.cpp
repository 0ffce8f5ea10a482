#include "hyperpetsc/data/dataset_settings.hpp"

#include <filesystem>

#include "readers.hpp"

namespace hp {

Registry<DataFormatEntry>& data_formats() {
  static Registry<DataFormatEntry> r({
      {"libsvm", "LIBSVM/svmlight text: label index:value ... (1-based indices)", true, data_detail::read_libsvm},
      {"csv", "dense comma-separated values, one row per line", true, data_detail::read_csv},
      {"idx", "IDX images + labels (the MNIST family), gzipped or not; pixels / 255 as features", true,
       data_detail::read_idx},
      {"synthetic", "generated rows, identical for any number of ranks", false, data_detail::generate_synthetic},
  });
  return r;
}

namespace {

bool from_file(const DatasetSpec& d) {
  const DataFormatEntry* e = data_formats().find(d.format);
  return !e || e->from_file;
}

std::string formats_where(bool file) {
  std::string s;
  for (const auto& e : data_formats().entries())
    if (e.from_file == file) s += (s.empty() ? "" : " | ") + e.name;
  return s;
}

std::string only_with(const DatasetSpec& d, const char* format) {
  return d.format == format ? std::string() : "only used with format: " + std::string(format);
}

// A required file key (`path`, `labels`); relative paths resolve against the config's folder.
KeyEntry<DatasetSpec> file_entry(const char* name, std::string DatasetSpec::*m, const char* help) {
  auto e = key_entry<DatasetSpec>(name, "file", "", help);
  e.required = true;
  e.read = [m](DatasetSpec& d, const ConfigNode& n, const std::string& key, const ParseContext& ctx) {
    const std::string p = parse_text(n, key);
    if (p.empty()) config_fail(n.origin, key, "empty; give the data file's path");
    namespace fs = std::filesystem;
    d.*m = fs::path(p).is_absolute() ? p : (fs::path(ctx.config_dir) / p).lexically_normal().string();
  };
  e.write = [m](const DatasetSpec& d) { return ConfigNode::make_scalar(d.*m, true); };
  return e;
}

}  // namespace

const KeyTable<DatasetSpec>& dataset_table() {
  static const KeyTable<DatasetSpec> t =
      KeyTable<DatasetSpec>("dataset", "one split")
          .choice("format", &DatasetSpec::format, "libsvm", [] { return data_formats().choices(); }, "how to read it")
          .custom(file_entry("path", &DatasetSpec::path,
                             "the data file, idx: the images (relative paths: from the config file's folder)"))
          .only_when([](const DatasetSpec& d) {
            return from_file(d) ? std::string() : "only used with format: " + formats_where(true);
          })
          .integer("label_column", &DatasetSpec::label_column, 0, -1000000, 1000000,
                   "csv: the label's column, 0-based (negative counts from the end)")
          .only_when([](const DatasetSpec& d) { return only_with(d, "csv"); })
          .boolean("header", &DatasetSpec::header, false, "csv: skip the first line")
          .only_when([](const DatasetSpec& d) { return only_with(d, "csv"); })
          .custom(file_entry("labels", &DatasetSpec::labels,
                             "idx: the labels file, e.g. train-labels-idx1-ubyte.gz (relative: like path)"))
          .only_when([](const DatasetSpec& d) { return only_with(d, "idx"); })
          .integer("subset", &DatasetSpec::subset, 0, 0, 2147483647LL, "idx: examples to take (0 = all after offset)")
          .only_when([](const DatasetSpec& d) { return only_with(d, "idx"); })
          .integer("offset", &DatasetSpec::offset, 0, 0, 2147483647LL, "idx: examples to skip first")
          .only_when([](const DatasetSpec& d) { return only_with(d, "idx"); })
          .integer("seed", &DatasetSpec::seed, 0, 0, 9007199254740991LL,
                   "idx: 0 = file order, else a shuffle before offset/subset, the same for any number of ranks")
          // With format: synthetic the synthetic table reads `seed` (the model's seed).
          .only_when([](const DatasetSpec& d) {
            return d.format == "idx" || !from_file(d) ? std::string() : "only used with format: idx or synthetic";
          });
  return t;
}

const KeyTable<SyntheticSpec>& synthetic_table() {
  static const KeyTable<SyntheticSpec> t =
      KeyTable<SyntheticSpec>("synthetic", "format: synthetic")
          .choice("generator", &SyntheticSpec::generator, "gaussian",
                  [] { return std::vector<NamedChoice>{{"gaussian", "dense Gaussian features"},
                                                       {"sparse_text", "sparse rows, Zipf column frequencies"}}; },
                  "what to generate")
          .integer("rows", &SyntheticSpec::rows, 100, 1, 2147483647LL, "examples")
          .integer("features", &SyntheticSpec::features, 10, 1, 2147483647LL, "columns d")
          .integer("nnz_per_row", &SyntheticSpec::nnz_per_row, 10, 1, 2147483647LL,
                   "sparse_text: nonzeros per row (at most features)")
          .integer("classes", &SyntheticSpec::classes, 0, 0, 1000000, "0 = regression targets, >= 2 = class labels")
          .number("noise", &SyntheticSpec::noise, 0.1, NumberRange::at_least(0), "label noise")
          .integer("seed", &SyntheticSpec::seed, 0, 0, 9007199254740991LL, "selects the ground-truth model")
          .integer("stream", &SyntheticSpec::stream, 0, 0, 9007199254740991LL, "selects the rows (give splits different streams)")
          .boolean("normalize_rows", &SyntheticSpec::normalize_rows, true, "sparse_text: rows scaled to unit L2 norm")
          .number("zipf_exponent", &SyntheticSpec::zipf_exponent, 1.0, NumberRange::at_least(0),
                  "sparse_text: column frequency ~ rank^-exponent")
          .check([](const SyntheticSpec& s, const ConfigNode* node, const std::string& prefix) {
            const ConfigNode* at = node ? node->find("nnz_per_row") : nullptr;
            if (s.nnz_per_row > s.features) {
              if (at) config_fail(at->origin, prefix + ".nnz_per_row", "must not exceed " + prefix + ".features");
            }
            if (s.classes == 1) {
              const ConfigNode* c = node ? node->find("classes") : nullptr;
              config_fail(c ? c->origin : ConfigOrigin{}, prefix + ".classes", "use 0 (regression) or >= 2 classes");
            }
          });
  return t;
}

DatasetSpec parse_dataset(const ConfigNode& node, const std::string& key, const ParseContext& ctx) {
  if (node.is_null())
    config_fail(node.origin, key,
                "missing; give {path: FILE, format: libsvm|csv}, {format: idx, path: IMAGES, labels: LABELS} or "
                "{format: synthetic, ...}");
  DatasetSpec d;
  dataset_table().parse(d, &node, key, ctx, synthetic_table().names());
  d.key = key;
  if (from_file(d)) {
    for (const auto& name : synthetic_table().names())
      if (const ConfigNode* v = node.find(name); v && name != "seed")  // seed: also idx's (above)
        config_fail(v->origin, key + "." + name, "only used with format: " + formats_where(false) + "; remove it");
  } else {
    synthetic_table().parse(d.synthetic, &node, key, ctx, dataset_table().names());
    // The default nnz_per_row follows a smaller feature count.
    if (!node.find("nnz_per_row") && d.synthetic.nnz_per_row > d.synthetic.features)
      d.synthetic.nnz_per_row = d.synthetic.features;
  }
  return d;
}

ConfigNode write_dataset(const DatasetSpec& d) {
  ConfigNode n;
  dataset_table().write(d, n);
  if (!from_file(d)) synthetic_table().write(d.synthetic, n);
  return n;
}

std::string dataset_help(int indent) {
  return dataset_table().help_text(indent) + std::string(static_cast<size_t>(indent), ' ') +
         "with format: " + formats_where(false) + ":\n" + synthetic_table().help_text(indent + 2);
}

}  // namespace hp
