#include "merge/layer_groups.h"

#include <cctype>
#include <map>

namespace warp {

namespace {

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char ch : s)
    if (!std::isdigit(static_cast<unsigned char>(ch))) return false;
  return true;
}

}  // namespace

std::string layer_group_of(const std::string& tensor_name) {
  // Split into dot-separated parts; find the GPT-2 module part (wte, wpe, h.N, ln_f) after a prefix.
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = tensor_name.find('.', start);
    parts.push_back(tensor_name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  std::string prefix;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p == "wte" || p == "wpe") return prefix + "embeddings";
    if (p == "ln_f") return prefix + "ln_f";
    if (p == "h" && i + 2 < parts.size() && all_digits(parts[i + 1])) return prefix + "h." + parts[i + 1];
    prefix += p + ".";
  }
  return tensor_name;
}

std::vector<LayerGroup> layer_groups(const std::vector<std::string>& names) {
  std::vector<LayerGroup> groups;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::string g = layer_group_of(names[i]);
    auto it = index.find(g);
    if (it == index.end()) {
      index.emplace(g, groups.size());
      groups.push_back({g, {i}});
    } else {
      groups[it->second].members.push_back(i);
    }
  }
  return groups;
}

}  // namespace warp
