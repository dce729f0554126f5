// Tests of core/report/figure: JSON form (round trip, defaults, NaN as null, every refused input
// naming its field), files, CSV of the points.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <set>

#include "report/figure.h"
#include "test_support.h"
#include "util/error.h"
#include "util/fsutil.h"

using namespace warp;
using nlohmann::json;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

Figure sample_figure() {
  Figure f;
  f.title = "WARP iterations";
  f.x_label = "KL(π‖π_sft)";
  f.y_label = "reward";
  f.caption = "Fronts of LITI, η from 0 to 1.";
  f.x_log = true;
  f.legend = "bottom-right";
  f.width = 800;
  f.height = 360;
  FigurePanel a;
  a.title = "iteration 1";
  FigureSeries front;
  front.name = "LITI front";
  front.style = "line+markers";
  front.color = "#ff0000";
  front.marker = "diamond";
  front.x = {0.0, 1.5, 3.25};
  front.y = {0.1, kNaN, 0.7};
  front.y_err = {0.01, 0.02, kNaN};
  front.labels = {"η=0", "η=0.5", "η=1"};
  FigureSeries ref;
  ref.name = "SFT, \"init\"";
  ref.dash = true;
  ref.x = {0, 4};
  ref.y = {0.1, 0.1};
  a.series = {front, ref};
  FigurePanel b;
  b.x_label = "step";
  FigureSeries curve;
  curve.style = "markers";
  curve.marker = "cross";
  curve.x = {1, 2};
  curve.y = {-1e-300, 2.5e10};
  b.series = {curve};
  f.panels = {a, b};
  return f;
}

// Same values, NaN equal to NaN.
void expect_same_numbers(const std::vector<double>& a, const std::vector<double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i])) {
      EXPECT_TRUE(std::isnan(b[i])) << "index " << i;
    } else {
      EXPECT_EQ(a[i], b[i]) << "index " << i;
    }
  }
}

void expect_same(const Figure& a, const Figure& b) {
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.x_label, b.x_label);
  EXPECT_EQ(a.y_label, b.y_label);
  EXPECT_EQ(a.caption, b.caption);
  EXPECT_EQ(a.x_log, b.x_log);
  EXPECT_EQ(a.y_log, b.y_log);
  EXPECT_EQ(a.legend, b.legend);
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  ASSERT_EQ(a.panels.size(), b.panels.size());
  for (size_t p = 0; p < a.panels.size(); ++p) {
    const auto& pa = a.panels[p];
    const auto& pb = b.panels[p];
    EXPECT_EQ(pa.title, pb.title);
    EXPECT_EQ(pa.x_label, pb.x_label);
    EXPECT_EQ(pa.y_label, pb.y_label);
    ASSERT_EQ(pa.series.size(), pb.series.size());
    for (size_t s = 0; s < pa.series.size(); ++s) {
      SCOPED_TRACE("panel " + std::to_string(p) + " series " + std::to_string(s));
      const auto& sa = pa.series[s];
      const auto& sb = pb.series[s];
      EXPECT_EQ(sa.name, sb.name);
      EXPECT_EQ(sa.style, sb.style);
      EXPECT_EQ(sa.color, sb.color);
      EXPECT_EQ(sa.dash, sb.dash);
      EXPECT_EQ(sa.marker, sb.marker);
      expect_same_numbers(sa.x, sb.x);
      expect_same_numbers(sa.y, sb.y);
      expect_same_numbers(sa.y_err, sb.y_err);
      EXPECT_EQ(sa.labels, sb.labels);
    }
  }
}

json minimal_json() {
  return json::parse(R"({"format": "warp-figure", "version": 1,
                         "panels": [{"series": [{"x": [1, 2], "y": [3, 4]}]}]})");
}

}  // namespace

TEST(Figure, JsonRoundTripKeepsEverything) {
  const Figure f = sample_figure();
  const json j = f.to_json();
  EXPECT_EQ(j.at("format"), "warp-figure");
  EXPECT_EQ(j.at("version"), 1);
  expect_same(f, Figure::from_json(j));
  // Through text, as files do.
  expect_same(f, Figure::from_json(json::parse(j.dump())));
}

TEST(Figure, NaNIsWrittenAsNullAndReadBack) {
  const json j = sample_figure().to_json();
  const json& s = j.at("panels").at(0).at("series").at(0);
  EXPECT_TRUE(s.at("y").at(1).is_null());
  EXPECT_EQ(s.at("y").at(0).get<double>(), 0.1);
  EXPECT_TRUE(s.at("y_err").at(2).is_null());
  // Text form has "null", never "NaN".
  EXPECT_EQ(j.dump().find("NaN"), std::string::npos);
  const Figure back = Figure::from_json(json::parse(j.dump()));
  EXPECT_TRUE(std::isnan(back.panels[0].series[0].y[1]));
  EXPECT_TRUE(std::isnan(back.panels[0].series[0].y_err[2]));
  // Infinity has no JSON form either: null, read back as NaN (a gap).
  Figure inf = sample_figure();
  inf.panels[1].series[0].y[0] = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(inf.to_json().at("panels")[1]["series"][0]["y"][0].is_null());
}

TEST(Figure, OptionalFieldsTakeTheDefaults) {
  const Figure f = Figure::from_json(minimal_json());
  EXPECT_EQ(f.title, "");
  EXPECT_EQ(f.caption, "");
  EXPECT_FALSE(f.x_log);
  EXPECT_FALSE(f.y_log);
  EXPECT_EQ(f.legend, "top-left");
  EXPECT_EQ(f.width, 640);
  EXPECT_EQ(f.height, 420);
  ASSERT_EQ(f.panels.size(), 1u);
  ASSERT_EQ(f.panels[0].series.size(), 1u);
  const FigureSeries& s = f.panels[0].series[0];
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.style, "line");
  EXPECT_EQ(s.color, "");
  EXPECT_FALSE(s.dash);
  EXPECT_EQ(s.marker, "circle");
  EXPECT_EQ(s.x, (std::vector<double>{1, 2}));
  EXPECT_EQ(s.y, (std::vector<double>{3, 4}));
  EXPECT_TRUE(s.y_err.empty());
  EXPECT_TRUE(s.labels.empty());
  // A panel without "series" is an empty panel; unknown keys are ignored.
  json j = minimal_json();
  j["panels"].push_back(json::object());
  j["comment"] = "made by hand";
  j["panels"][0]["series"][0]["extra"] = 3;
  const Figure g = Figure::from_json(j);
  ASSERT_EQ(g.panels.size(), 2u);
  EXPECT_TRUE(g.panels[1].series.empty());
}

TEST(Figure, OptionalArraysAreOmittedWhenEmpty) {
  const json j = Figure::from_json(minimal_json()).to_json();
  const json& s = j["panels"][0]["series"][0];
  EXPECT_FALSE(s.contains("y_err"));
  EXPECT_FALSE(s.contains("labels"));
}

TEST(Figure, BadInputNamesTheField) {
  struct Case {
    const char* name;
    std::function<void(json&)> edit;
    std::vector<std::string> expected;  // substrings of the message
  };
  auto series = [](json& j) -> json& { return j["panels"][0]["series"][0]; };
  const std::vector<Case> cases = {
      {"not an object", [](json& j) { j = json::array(); }, {"fig.json", "expected a JSON object"}},
      {"format missing", [](json& j) { j.erase("format"); }, {"fig.json", "'format'", "missing"}},
      {"format wrong",
       [](json& j) { j["format"] = "warp-checkpoint"; },
       {"'format'", "warp-figure", "warp-checkpoint"}},
      {"version missing", [](json& j) { j.erase("version"); }, {"'version'", "missing"}},
      {"version newer", [](json& j) { j["version"] = 2; }, {"'version'", "2"}},
      {"version string", [](json& j) { j["version"] = "1"; }, {"'version'", "integer"}},
      {"title type", [](json& j) { j["title"] = 3; }, {"'title'", "string"}},
      {"x_label type", [](json& j) { j["x_label"] = false; }, {"'x_label'", "string"}},
      {"y_label type", [](json& j) { j["y_label"] = json::array(); }, {"'y_label'", "string"}},
      {"caption type", [](json& j) { j["caption"] = 1.5; }, {"'caption'", "string"}},
      {"x_log type", [](json& j) { j["x_log"] = "yes"; }, {"'x_log'", "true or false"}},
      {"y_log type", [](json& j) { j["y_log"] = 1; }, {"'y_log'", "true or false"}},
      {"legend enum", [](json& j) { j["legend"] = "center"; }, {"'legend'", "top-left", "center"}},
      {"legend type", [](json& j) { j["legend"] = 1; }, {"'legend'", "string"}},
      {"width type", [](json& j) { j["width"] = 640.5; }, {"'width'", "integer"}},
      {"width range", [](json& j) { j["width"] = 0; }, {"'width'", "16..20000", "got 0"}},
      {"width huge", [](json& j) { j["width"] = 1e12; }, {"'width'", "integer"}},
      {"width int overflow", [](json& j) { j["width"] = int64_t(1) << 40; }, {"'width'", "out of range"}},
      {"height range", [](json& j) { j["height"] = 30000; }, {"'height'", "16..20000", "30000"}},
      {"panels missing", [](json& j) { j.erase("panels"); }, {"'panels'", "missing"}},
      {"panels type", [](json& j) { j["panels"] = json::object(); }, {"'panels'", "array"}},
      {"panels empty", [](json& j) { j["panels"] = json::array(); }, {"'panels'", "at least one"}},
      {"panel type", [](json& j) { j["panels"][0] = 3; }, {"'panels[0]'", "object"}},
      {"panel title type", [](json& j) { j["panels"][0]["title"] = 1; }, {"'panels[0].title'", "string"}},
      {"panel x_label type", [](json& j) { j["panels"][0]["x_label"] = 1; }, {"'panels[0].x_label'"}},
      {"panel y_label type", [](json& j) { j["panels"][0]["y_label"] = 1; }, {"'panels[0].y_label'"}},
      {"series type", [](json& j) { j["panels"][0]["series"] = "a"; }, {"'panels[0].series'", "array"}},
      {"series entry type", [](json& j) { j["panels"][0]["series"][0] = 1; }, {"'panels[0].series[0]'", "object"}},
      {"name type", [&](json& j) { series(j)["name"] = 1; }, {"'panels[0].series[0].name'", "string"}},
      {"style enum",
       [&](json& j) {
         series(j)["name"] = "RL";
         series(j)["style"] = "bars";
       },
       {"'panels[0].series[0].style'", "series 'RL'", "line+markers", "bars"}},
      {"color type", [&](json& j) { series(j)["color"] = 255; }, {"'panels[0].series[0].color'", "string"}},
      {"color form", [&](json& j) { series(j)["color"] = "red"; }, {"'panels[0].series[0].color'", "#rrggbb", "red"}},
      {"color hex", [&](json& j) { series(j)["color"] = "#12345g"; }, {"'panels[0].series[0].color'"}},
      {"dash type", [&](json& j) { series(j)["dash"] = "no"; }, {"'panels[0].series[0].dash'", "true or false"}},
      {"marker enum",
       [&](json& j) { series(j)["marker"] = "star"; },
       {"'panels[0].series[0].marker'", "cross", "star"}},
      {"x missing", [&](json& j) { series(j).erase("x"); }, {"'panels[0].series[0].x'", "missing"}},
      {"y missing", [&](json& j) { series(j).erase("y"); }, {"'panels[0].series[0].y'", "missing"}},
      {"x type", [&](json& j) { series(j)["x"] = 1; }, {"'panels[0].series[0].x'", "array of numbers"}},
      {"x element", [&](json& j) { series(j)["x"][1] = "2"; }, {"'panels[0].series[0].x[1]'", "number or null"}},
      {"y element", [&](json& j) { series(j)["y"][0] = true; }, {"'panels[0].series[0].y[0]'", "number or null"}},
      {"y length",
       [&](json& j) { series(j)["y"].push_back(5); },
       {"'panels[0].series[0].y'", "3 values", "expected 2"}},
      {"y_err length",
       [&](json& j) { series(j)["y_err"] = {0.1}; },
       {"'panels[0].series[0].y_err'", "1 values", "expected 2"}},
      {"y_err negative",
       [&](json& j) {
         series(j)["y_err"] = {0.1, -0.5};
       },
       {"'panels[0].series[0].y_err[1]'", "negative", "-0.5"}},
      {"y_err element",
       [&](json& j) {
         series(j)["y_err"] = {0.1, "x"};
       },
       {"'panels[0].series[0].y_err[1]'"}},
      {"labels length",
       [&](json& j) {
         series(j)["labels"] = {"a", "b", "c"};
       },
       {"'panels[0].series[0].labels'", "3 values"}},
      {"labels element",
       [&](json& j) {
         series(j)["labels"] = {"a", 2};
       },
       {"'panels[0].series[0].labels[1]'", "string"}},
      {"second panel",
       [](json& j) {
         j["panels"].push_back({{"series", {{{"x", {1}}, {"y", json::array()}}}}});
       },
       {"'panels[1].series[0].y'", "0 values", "expected 1"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    json j = minimal_json();
    c.edit(j);
    try {
      Figure::from_json(j, "fig.json");
      ADD_FAILURE() << "accepted";
    } catch (const BadInput& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("fig.json: ", 0), 0u) << msg;
      for (const std::string& want : c.expected)
        EXPECT_NE(msg.find(want), std::string::npos) << msg << "\nwants: " << want;
    }
  }
}

TEST(Figure, ValidateRefusesAFigureBuiltInCode) {
  Figure f = sample_figure();
  EXPECT_NO_THROW(f.validate());
  f.panels[1].series[0].labels = {"only one"};
  EXPECT_THROW(f.validate(), BadInput);
  auto dir = test::scratch_dir("figure-validate");
  EXPECT_THROW(f.write_json(dir + "/f.json"), BadInput);
  EXPECT_FALSE(is_regular_file(dir + "/f.json"));
  Figure none;
  EXPECT_THROW(none.validate(), BadInput);  // no panel
}

TEST(Figure, FilesRoundTripAndNameTheFile) {
  auto dir = test::scratch_dir("figure-files");
  const Figure f = sample_figure();
  f.write_json(dir + "/fig.json");
  expect_same(f, Figure::read_json(dir + "/fig.json"));

  write_file_atomic(dir + "/broken.json", std::string("{\"format\": \"warp-figure\", "));
  try {
    Figure::read_json(dir + "/broken.json");
    ADD_FAILURE() << "accepted";
  } catch (const BadInput& e) {
    EXPECT_NE(std::string(e.what()).find(dir + "/broken.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("not valid JSON"), std::string::npos) << e.what();
  }
  write_file_atomic(dir + "/wrong.json",
                    std::string("{\"format\": \"warp-figure\", \"version\": 1, \"panels\": [], \"width\": 5}"));
  try {
    Figure::read_json(dir + "/wrong.json");
    ADD_FAILURE() << "accepted";
  } catch (const BadInput& e) {
    EXPECT_EQ(std::string(e.what()).rfind(dir + "/wrong.json: field 'width'", 0), 0u) << e.what();
  }
  EXPECT_THROW(Figure::read_json(dir + "/missing.json"), BadInput);
}

TEST(Figure, PaletteIsEightDistinctColoursAndWraps) {
  std::set<std::string> seen;
  for (int i = 0; i < 8; ++i) {
    const std::string c = palette_color(i);
    ASSERT_EQ(c.size(), 7u);
    EXPECT_EQ(c[0], '#');
    seen.insert(c);
  }
  EXPECT_EQ(seen.size(), 8u);
  EXPECT_EQ(palette_color(0), "#0072b2");
  EXPECT_EQ(palette_color(8), palette_color(0));
  EXPECT_EQ(palette_color(-1), palette_color(7));
}

TEST(Figure, CsvHasOneRowPerPoint) {
  const std::string expected =
      "panel,series,x,y,y_err,label\n"
      "0,LITI front,0,0.1,0.01,η=0\n"
      "0,LITI front,1.5,,0.02,η=0.5\n"
      "0,LITI front,3.25,0.7,,η=1\n"
      "0,\"SFT, \"\"init\"\"\",0,0.1,,\n"
      "0,\"SFT, \"\"init\"\"\",4,0.1,,\n"
      "1,,1,-1e-300,,\n"
      "1,,2,2.5e+10,,\n";
  EXPECT_EQ(to_csv(sample_figure()), expected);

  auto dir = test::scratch_dir("figure-csv");
  write_csv(sample_figure(), dir + "/points.csv");
  EXPECT_EQ(read_file_text(dir + "/points.csv"), expected);
}

TEST(Figure, CsvNumbersReadBackExactly) {
  Figure f = Figure::from_json(minimal_json());
  f.panels[0].series[0].x = {0.1, 1.0 / 3.0};
  f.panels[0].series[0].y = {2.0 / 3.0, 1e-7};
  const std::string csv = to_csv(f);
  // Rows: "0,,x,y,,"
  size_t row = csv.find('\n') + 1;
  for (int i = 0; i < 2; ++i) {
    size_t end = csv.find('\n', row);
    std::string line = csv.substr(row, end - row);
    std::vector<std::string> cells;
    size_t start = 0;
    for (size_t k; (k = line.find(',', start)) != std::string::npos; start = k + 1)
      cells.push_back(line.substr(start, k - start));
    cells.push_back(line.substr(start));
    ASSERT_EQ(cells.size(), 6u) << line;
    EXPECT_EQ(std::stod(cells[2]), f.panels[0].series[0].x[i]);
    EXPECT_EQ(std::stod(cells[3]), f.panels[0].series[0].y[i]);
    row = end + 1;
  }
}
