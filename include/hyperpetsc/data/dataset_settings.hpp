// A split's section (`problem.train`, `problem.val`, ...): where its rows come from.
// Keys declared once in src/data/dataset_settings.cpp; formats in data_formats().
#pragma once
#include <mpi.h>

#include <functional>
#include <string>

#include "hyperpetsc/config/key_table.hpp"
#include "hyperpetsc/config/registry.hpp"
#include "hyperpetsc/data/dataset.hpp"

namespace hp {

// Data formats by name (`format`).
struct DataFormatEntry {
  std::string name;
  std::string help;
  bool from_file = true;  // reads `path` (else generates: the synthetic keys apply)
  std::function<RawRows(MPI_Comm, const DatasetSpec&)> read;
};
Registry<DataFormatEntry>& data_formats();

// Parse a split's section; `key` is its dotted name ("problem.train"). Relative paths
// resolve against ctx.config_dir.
DatasetSpec parse_dataset(const ConfigNode& node, const std::string& key, const ParseContext& ctx);
ConfigNode write_dataset(const DatasetSpec& spec);
std::string dataset_help(int indent);

// The tables (for tests that walk every key).
const KeyTable<DatasetSpec>& dataset_table();
const KeyTable<SyntheticSpec>& synthetic_table();

}  // namespace hp
