// A run folder's metrics.csv as columns of numbers, read by `hyperpetsc report`.
// The header names the columns (the contract lists at least step, seconds, train_loss,
// val_loss, ...; more may be added and order is free); an empty cell is a value that does
// not apply (NaN here), so a column may be empty throughout (accuracies for regression).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace hp {

class MetricsTable {
 public:
  MetricsTable() = default;
  MetricsTable(std::vector<std::string> columns, std::vector<std::vector<double>> values);

  const std::vector<std::string>& columns() const { return columns_; }
  std::size_t rows() const { return values_.empty() ? 0 : values_.front().size(); }
  // The values of column `name` by row (NaN for an empty cell), or nullptr if absent.
  const std::vector<double>* column(std::string_view name) const;
  // Whether column `name` exists and holds at least one finite value.
  bool has_values(std::string_view name) const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<double>> values_;  // values_[column][row]
};

// Parses the text of a metrics.csv named `file` in messages. Rows end with a newline: an
// unterminated last line is a row still being written (the file is flushed each step) and
// is left out. Blank lines are skipped. Throws hp::UserError naming the file and line for
// a header without a `step` column, a repeated column name, a row whose cell count differs
// from the header's, or a cell that is neither empty nor a number.
MetricsTable parse_metrics_csv(const std::string& text, const std::string& file);

}  // namespace hp
