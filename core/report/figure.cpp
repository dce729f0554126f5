#include "report/figure.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "util/error.h"
#include "util/fsutil.h"
#include "util/json_read.h"

namespace warp {

namespace {

using nlohmann::json;

constexpr const char* kFormat = "warp-figure";
constexpr int kVersion = 1;
constexpr int kMinSize = 16, kMaxSize = 20000;

const char* const kStyles[] = {"line", "markers", "line+markers"};
const char* const kMarkers[] = {"circle", "square", "triangle", "diamond", "cross"};
const char* const kLegends[] = {"top-left", "top-right", "bottom-left", "bottom-right", "best", "none"};

template <size_t N>
bool one_of(const std::string& v, const char* const (&allowed)[N]) {
  for (const char* a : allowed)
    if (v == a) return true;
  return false;
}

template <size_t N>
std::string list_of(const char* const (&allowed)[N]) {
  std::string s;
  for (size_t i = 0; i < N; ++i) s += (i ? (i + 1 == N ? " or '" : ", '") : "'") + std::string(allowed[i]) + "'";
  return s;
}

// "<where>: <path>" for messages; path is e.g. "panels[0].series[1]" or "" for the root.
std::string at(const std::string& where, const std::string& path, const std::string& field) {
  std::string p = path.empty() ? field : path + "." + field;
  return where + ": field '" + p + "'";
}

std::string short_dump(const json& v) {
  std::string s = v.dump();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

// Readers of optional fields: absent keeps the default; a wrong type is BadInput naming the field.
void read(const json& o, const char* key, std::string& out, const std::string& where, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end()) return;
  if (!it->is_string()) throw BadInput(at(where, path, key) + " must be a string, got " + short_dump(*it));
  out = it->get<std::string>();
}

void read(const json& o, const char* key, bool& out, const std::string& where, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end()) return;
  if (!it->is_boolean()) throw BadInput(at(where, path, key) + " must be true or false, got " + short_dump(*it));
  out = it->get<bool>();
}

void read(const json& o, const char* key, int& out, const std::string& where, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end()) return;
  if (!it->is_number_integer()) throw BadInput(at(where, path, key) + " must be an integer, got " + short_dump(*it));
  const int64_t v = it->get<int64_t>();
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max())
    throw BadInput(at(where, path, key) + " is out of range: " + short_dump(*it));
  out = static_cast<int>(v);
}

// Numbers or null (NaN).
void read(const json& o, const char* key, std::vector<double>& out, const std::string& where, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end()) return;
  if (!it->is_array()) throw BadInput(at(where, path, key) + " must be an array of numbers, got " + short_dump(*it));
  out.clear();
  out.reserve(it->size());
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (v.is_null()) {
      out.push_back(std::numeric_limits<double>::quiet_NaN());
    } else if (v.is_number()) {
      out.push_back(v.get<double>());
    } else {
      throw BadInput(at(where, path, std::string(key) + "[" + std::to_string(i) + "]") +
                     " must be a number or null, got " + short_dump(v));
    }
  }
}

void read(const json& o, const char* key, std::vector<std::string>& out, const std::string& where,
          const std::string& path) {
  auto it = o.find(key);
  if (it == o.end()) return;
  if (!it->is_array()) throw BadInput(at(where, path, key) + " must be an array of strings, got " + short_dump(*it));
  out.clear();
  for (size_t i = 0; i < it->size(); ++i) {
    const json& v = (*it)[i];
    if (!v.is_string())
      throw BadInput(at(where, path, std::string(key) + "[" + std::to_string(i) + "]") + " must be a string, got " +
                     short_dump(v));
    out.push_back(v.get<std::string>());
  }
}

const json& require(const json& o, const char* key, const std::string& where, const std::string& path) {
  auto it = o.find(key);
  if (it == o.end()) throw BadInput(at(where, path, key) + " is missing");
  return *it;
}

json numbers_to_json(const std::vector<double>& v) {
  json a = json::array();
  for (double d : v) a.push_back(std::isfinite(d) ? json(d) : json(nullptr));
  return a;
}

bool is_hex_color(const std::string& c) {
  if (c.size() != 7 || c[0] != '#') return false;
  for (size_t i = 1; i < 7; ++i)
    if (!std::isxdigit(static_cast<unsigned char>(c[i]))) return false;
  return true;
}

std::string series_path(size_t p, size_t s) {
  return "panels[" + std::to_string(p) + "].series[" + std::to_string(s) + "]";
}

// CSV: shortest text that reads back as the same double; NaN as an empty field.
std::string csv_number(double v) {
  if (std::isnan(v)) return "";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string csv_text(const std::string& s) {
  bool quote = !s.empty() && (s.front() == ' ' || s.back() == ' ');
  for (char c : s)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') quote = true;
  if (!quote) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

std::string palette_color(int index) {
  // Okabe & Ito (2008), the colour-blind safe palette, ordered for a white background (yellow last).
  static const char* const kPalette[8] = {"#0072b2", "#d55e00", "#009e73", "#cc79a7",
                                          "#e69f00", "#56b4e9", "#000000", "#f0e442"};
  return kPalette[((index % 8) + 8) % 8];
}

nlohmann::json Figure::to_json() const {
  json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["title"] = title;
  j["x_label"] = x_label;
  j["y_label"] = y_label;
  j["caption"] = caption;
  j["x_log"] = x_log;
  j["y_log"] = y_log;
  j["legend"] = legend;
  j["width"] = width;
  j["height"] = height;
  json ps = json::array();
  for (const FigurePanel& p : panels) {
    json pj;
    pj["title"] = p.title;
    pj["x_label"] = p.x_label;
    pj["y_label"] = p.y_label;
    json ss = json::array();
    for (const FigureSeries& s : p.series) {
      json sj;
      sj["name"] = s.name;
      sj["style"] = s.style;
      sj["color"] = s.color;
      sj["dash"] = s.dash;
      sj["marker"] = s.marker;
      sj["x"] = numbers_to_json(s.x);
      sj["y"] = numbers_to_json(s.y);
      if (!s.y_err.empty()) sj["y_err"] = numbers_to_json(s.y_err);
      if (!s.labels.empty()) sj["labels"] = s.labels;
      ss.push_back(std::move(sj));
    }
    pj["series"] = std::move(ss);
    ps.push_back(std::move(pj));
  }
  j["panels"] = std::move(ps);
  return j;
}

Figure Figure::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object()) throw BadInput(where + ": expected a JSON object (a warp figure), got " + short_dump(j));
  const json& format = require(j, "format", where, "");
  if (!format.is_string() || format.get<std::string>() != kFormat)
    throw BadInput(at(where, "", "format") + " must be \"" + kFormat + "\", got " + short_dump(format));
  const json& version = require(j, "version", where, "");
  if (!version.is_number_integer())
    throw BadInput(at(where, "", "version") + " must be an integer, got " + short_dump(version));
  if (version.get<int64_t>() != kVersion)
    throw BadInput(at(where, "", "version") + ": version " + version.dump() + " is not supported (this program reads " +
                   std::to_string(kVersion) + ")");

  Figure f;
  read(j, "title", f.title, where, "");
  read(j, "x_label", f.x_label, where, "");
  read(j, "y_label", f.y_label, where, "");
  read(j, "caption", f.caption, where, "");
  read(j, "x_log", f.x_log, where, "");
  read(j, "y_log", f.y_log, where, "");
  read(j, "legend", f.legend, where, "");
  read(j, "width", f.width, where, "");
  read(j, "height", f.height, where, "");

  const json& panels = require(j, "panels", where, "");
  if (!panels.is_array())
    throw BadInput(at(where, "", "panels") + " must be an array of panels, got " + short_dump(panels));
  for (size_t p = 0; p < panels.size(); ++p) {
    const std::string ppath = "panels[" + std::to_string(p) + "]";
    const json& pj = panels[p];
    if (!pj.is_object()) throw BadInput(where + ": field '" + ppath + "' must be an object, got " + short_dump(pj));
    FigurePanel panel;
    read(pj, "title", panel.title, where, ppath);
    read(pj, "x_label", panel.x_label, where, ppath);
    read(pj, "y_label", panel.y_label, where, ppath);
    auto sit = pj.find("series");
    if (sit != pj.end()) {
      if (!sit->is_array())
        throw BadInput(at(where, ppath, "series") + " must be an array of series, got " + short_dump(*sit));
      for (size_t s = 0; s < sit->size(); ++s) {
        const std::string spath = series_path(p, s);
        const json& sj = (*sit)[s];
        if (!sj.is_object()) throw BadInput(where + ": field '" + spath + "' must be an object, got " + short_dump(sj));
        FigureSeries series;
        read(sj, "name", series.name, where, spath);
        read(sj, "style", series.style, where, spath);
        read(sj, "color", series.color, where, spath);
        read(sj, "dash", series.dash, where, spath);
        read(sj, "marker", series.marker, where, spath);
        require(sj, "x", where, spath);
        require(sj, "y", where, spath);
        read(sj, "x", series.x, where, spath);
        read(sj, "y", series.y, where, spath);
        read(sj, "y_err", series.y_err, where, spath);
        read(sj, "labels", series.labels, where, spath);
        panel.series.push_back(std::move(series));
      }
    }
    f.panels.push_back(std::move(panel));
  }
  f.validate(where);
  return f;
}

void Figure::validate(const std::string& where) const {
  if (!one_of(legend, kLegends))
    throw BadInput(at(where, "", "legend") + " must be " + list_of(kLegends) + ", got '" + legend + "'");
  if (width < kMinSize || width > kMaxSize)
    throw BadInput(at(where, "", "width") + " must be " + std::to_string(kMinSize) + ".." + std::to_string(kMaxSize) +
                   " pixels, got " + std::to_string(width));
  if (height < kMinSize || height > kMaxSize)
    throw BadInput(at(where, "", "height") + " must be " + std::to_string(kMinSize) + ".." + std::to_string(kMaxSize) +
                   " pixels, got " + std::to_string(height));
  if (panels.empty()) throw BadInput(at(where, "", "panels") + " must hold at least one panel");
  for (size_t p = 0; p < panels.size(); ++p) {
    for (size_t s = 0; s < panels[p].series.size(); ++s) {
      const FigureSeries& series = panels[p].series[s];
      const std::string spath = series_path(p, s);
      const std::string named = series.name.empty() ? "" : " (series '" + series.name + "')";
      if (!one_of(series.style, kStyles))
        throw BadInput(at(where, spath, "style") + named + " must be " + list_of(kStyles) + ", got '" + series.style +
                       "'");
      if (!one_of(series.marker, kMarkers))
        throw BadInput(at(where, spath, "marker") + named + " must be " + list_of(kMarkers) + ", got '" +
                       series.marker + "'");
      if (!series.color.empty() && !is_hex_color(series.color))
        throw BadInput(at(where, spath, "color") + named + " must be \"#rrggbb\" or empty, got '" + series.color + "'");
      const size_t n = series.x.size();
      auto check_len = [&](const char* field, size_t got) {
        if (got != n)
          throw BadInput(at(where, spath, field) + named + " has " + std::to_string(got) + " values, expected " +
                         std::to_string(n) + " (one per x)");
      };
      check_len("y", series.y.size());
      if (!series.y_err.empty()) check_len("y_err", series.y_err.size());
      if (!series.labels.empty()) check_len("labels", series.labels.size());
      for (size_t i = 0; i < series.y_err.size(); ++i)
        if (series.y_err[i] < 0)
          throw BadInput(at(where, spath, "y_err[" + std::to_string(i) + "]") + named + " must not be negative, got " +
                         csv_number(series.y_err[i]));
    }
  }
}

void Figure::write_json(const std::string& path) const {
  validate(path);
  write_file_atomic(path, to_json().dump(2) + "\n");
}

Figure Figure::read_json(const std::string& path) {
  const std::string text = read_file_text(path);
  return from_json(parse_json(text, path), path);
}

std::string to_csv(const Figure& figure) {
  std::string out = "panel,series,x,y,y_err,label\n";
  for (size_t p = 0; p < figure.panels.size(); ++p) {
    for (const FigureSeries& s : figure.panels[p].series) {
      const std::string prefix = std::to_string(p) + "," + csv_text(s.name) + ",";
      for (size_t i = 0; i < s.x.size(); ++i) {
        out += prefix;
        out += csv_number(s.x[i]) + ",";
        out += (i < s.y.size() ? csv_number(s.y[i]) : "") + ",";
        out += (i < s.y_err.size() ? csv_number(s.y_err[i]) : "") + ",";
        out += (i < s.labels.size() ? csv_text(s.labels[i]) : "") + "\n";
      }
    }
  }
  return out;
}

void write_csv(const Figure& figure, const std::string& path) {
  figure.validate(path);
  write_file_atomic(path, to_csv(figure));
}

}  // namespace warp
