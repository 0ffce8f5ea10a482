// Names defined once: a registry maps names to entries (problems, methods, inner solvers,
// data formats, commands). Every list, every "choose one of ..." message and the help
// output derive from it; tests and plugins may add entries at run time.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "hyperpetsc/config/key_table.hpp"

namespace hp {

// Entry needs `std::string name` and `std::string help`.
template <class Entry>
class Registry {
 public:
  explicit Registry(std::vector<Entry> entries = {}) {
    for (auto& e : entries) add(std::move(e));
  }
  void add(Entry e) {
    if (find(e.name)) throw std::logic_error("registry: '" + e.name + "' registered twice");
    entries_.push_back(std::move(e));
  }
  const Entry* find(const std::string& name) const {
    for (const auto& e : entries_)
      if (e.name == name) return &e;
    return nullptr;
  }
  const std::vector<Entry>& entries() const { return entries_; }
  std::vector<NamedChoice> choices() const {
    std::vector<NamedChoice> v;
    for (const auto& e : entries_) v.push_back({e.name, e.help});
    return v;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> v;
    for (const auto& e : entries_) v.push_back(e.name);
    return v;
  }
  // "  name    help" lines for --help.
  std::string help_text(int indent) const {
    std::string out;
    for (const auto& e : entries_) {
      std::string line = std::string(static_cast<size_t>(indent), ' ') + e.name;
      if (line.size() < 22) line.resize(22, ' ');
      else line += "  ";
      out += line + e.help + "\n";
    }
    return out;
  }

 private:
  std::vector<Entry> entries_;
};

}  // namespace hp
