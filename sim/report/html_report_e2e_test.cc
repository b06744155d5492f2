// Proves that the HTML report renders in a real browser as a person would
// open it: headless Chromium loads the page from a file, its script runs
// (ticks drawn, the page marks itself ready), the DOM has a lane per node
// and the failure marker, and a screenshot shows the lanes: the phase colour
// in three separate bands of rows, the ready strip, and the red of the
// failure.
//
// It installs nothing: it uses the `chromium` on PATH (Debian's package,
// which .ci/setup installs). Without one it exits kSkipCode, which ctest
// reports as skipped (SKIP_RETURN_CODE), saying why; under CI=true a missing
// browser fails instead, so CI cannot pass without having opened the page.
//
// Every browser run is bounded by `timeout`; ctest's TIMEOUT bounds the rest.
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gtest/gtest.h"
#include "sim/report/html_report.h"
#include "sim/scenario/parse.h"
#include "sim/scenario/run.h"

#ifdef DISCOSIM_HAVE_ZLIB
#include <zlib.h>
#endif

namespace discosim::report {
namespace {

namespace fs = std::filesystem;
using scenario::ParseScenario;
using scenario::RunOptions;
using scenario::RunScenario;
using scenario::Scenario;
using scenario::ScenarioRun;

// ctest's SKIP_RETURN_CODE for this binary (sim/report/CMakeLists.txt).
constexpr int kSkipCode = 77;

constexpr std::string_view kYaml = R"(
name: report-e2e
description: A partition isolates c, b restarts, and one expectation fails.
seed: 5
duration: 4m
tables: [sessions]
backend: {latency: [20ms, 300ms]}
nodes:
  - name: a@h1
  - name: b@h2
  - name: c@h3
timeline:
  - {at: 1m, partition: [[a@h1, b@h2], [c@h3]]}
  - {at: 1m30s, restart: [b@h2]}
  - {at: 3m, heal: all}
expect:
  - {by: 10s, ready: all}
  - {at: 2m, connected: [[a@h1, c@h3]]}
)";

constexpr int kWidth = 1400;
constexpr int kHeight = 900;

// The colours the page uses (html_report.cc) for a running node in the
// regular phase, the ready strip, and a failure.
constexpr std::array<uint8_t, 3> kRegular = {0x4a, 0x7f, 0xc1};
constexpr std::array<uint8_t, 3> kReady = {0x38, 0xa1, 0x69};
constexpr std::array<uint8_t, 3> kFail = {0xd6, 0x27, 0x28};

std::string FindChromium() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const fs::path candidate = fs::path(dir) / "chromium";
    if (!dir.empty() && access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

std::string MakeTempDir(const std::string& stem) {
  std::string pattern = (fs::temp_directory_path() / (stem + "XXXXXX")).string();
  const char* made = mkdtemp(pattern.data());
  return made != nullptr ? std::string(made) : "";
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs headless Chromium on `url` with `mode` (--dump-dom or
// --screenshot=FILE), stdout to `out`, bounded by 90 s. Returns its status.
int RunChromium(const std::string& chromium, const std::string& mode, const std::string& url,
                const std::string& out, const std::string& log) {
  const std::string profile = MakeTempDir("discosim-chromium-profile-");
  const std::string command =
      "timeout -k 5 90 '" + chromium +
      "' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run"
      " --disable-background-networking --disable-component-update --disable-sync"
      " --hide-scrollbars --enable-logging=stderr --user-data-dir='" +
      profile + "' " + mode + " --window-size=" + std::to_string(kWidth) + "," +
      std::to_string(kHeight) + " '" + url + "' > '" + out + "' 2> '" + log + "' < /dev/null";
  const int status = std::system(command.c_str());
  std::error_code ignored;
  fs::remove_all(profile, ignored);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int Count(std::string_view text, std::string_view what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

uint32_t BigEndian32(std::string_view bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(bytes[at + i]);
  return v;
}

// An 8-bit RGB(A) image decoded from a PNG (no interlace), or empty.
struct Image {
  int width = 0;
  int height = 0;
  int channels = 0;
  std::vector<uint8_t> pixels;  // row-major, `channels` bytes per pixel

  bool Near(int x, int y, const std::array<uint8_t, 3>& rgb) const {
    const uint8_t* p = &pixels[(static_cast<size_t>(y) * width + x) * channels];
    for (int c = 0; c < 3; ++c) {
      if (std::abs(static_cast<int>(p[c]) - static_cast<int>(rgb[c])) > 3) return false;
    }
    return true;
  }
};

#ifdef DISCOSIM_HAVE_ZLIB
uint8_t Paeth(int a, int b, int c) {
  const int p = a + b - c;
  const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
  if (pa <= pb && pa <= pc) return static_cast<uint8_t>(a);
  return static_cast<uint8_t>(pb <= pc ? b : c);
}

Image DecodePng(std::string_view png) {
  Image image;
  std::string idat;
  int depth = 0, colour = 0, interlace = 0;
  for (size_t at = 8; at + 12 <= png.size();) {
    const uint32_t length = BigEndian32(png, at);
    const std::string_view type = png.substr(at + 4, 4);
    const std::string_view data = png.substr(at + 8, length);
    if (type == "IHDR") {
      image.width = static_cast<int>(BigEndian32(data, 0));
      image.height = static_cast<int>(BigEndian32(data, 4));
      depth = static_cast<uint8_t>(data[8]);
      colour = static_cast<uint8_t>(data[9]);
      interlace = static_cast<uint8_t>(data[12]);
    } else if (type == "IDAT") {
      idat.append(data);
    }
    at += 12 + length;
  }
  if (depth != 8 || (colour != 2 && colour != 6) || interlace != 0) return {};
  image.channels = colour == 6 ? 4 : 3;
  const size_t stride = static_cast<size_t>(image.width) * image.channels;
  std::vector<uint8_t> raw((stride + 1) * image.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_size != raw.size()) {
    return {};
  }
  image.pixels.resize(stride * image.height);
  const int bpp = image.channels;
  for (int y = 0; y < image.height; ++y) {
    const uint8_t filter = raw[y * (stride + 1)];
    const uint8_t* in = &raw[y * (stride + 1) + 1];
    uint8_t* out = &image.pixels[y * stride];
    const uint8_t* up = y > 0 ? &image.pixels[(y - 1) * stride] : nullptr;
    for (size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<size_t>(bpp) ? out[i - bpp] : 0;
      const int b = up != nullptr ? up[i] : 0;
      const int c = up != nullptr && i >= static_cast<size_t>(bpp) ? up[i - bpp] : 0;
      int predictor = 0;
      switch (filter) {
        case 0:
          predictor = 0;
          break;
        case 1:
          predictor = a;
          break;
        case 2:
          predictor = b;
          break;
        case 3:
          predictor = (a + b) / 2;
          break;
        case 4:
          predictor = Paeth(a, b, c);
          break;
        default:
          return {};
      }
      out[i] = static_cast<uint8_t>(in[i] + predictor);
    }
  }
  return image;
}
#endif  // DISCOSIM_HAVE_ZLIB

class HtmlReportE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    chromium_ = FindChromium();
    ASSERT_FALSE(chromium_.empty()) << "main() checked that chromium is on PATH";
    dir_ = MakeTempDir("discosim-report-e2e-");
    ASSERT_FALSE(dir_.empty());
    absl::StatusOr<Scenario> scenario = ParseScenario(kYaml, "report-e2e.yaml");
    ASSERT_TRUE(scenario.ok()) << scenario.status();
    scenario_ = std::move(*scenario);
    RunOptions options;
    options.trace = world::TraceMode::kKeepLines;
    absl::StatusOr<ScenarioRun> run = RunScenario(scenario_, options);
    ASSERT_TRUE(run.ok()) << run.status();
    ASSERT_EQ(run->failed(), 1);
    page_ = (fs::path(dir_) / "report.html").string();
    std::ofstream(page_, std::ios::binary) << HtmlReport(*run);
  }
  void TearDown() override {
    std::error_code ignored;
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_, ignored);
  }

  std::string chromium_;
  std::string dir_;
  std::string page_;
  Scenario scenario_;
};

TEST_F(HtmlReportE2eTest, TheScriptRunsAndTheDomHasTheLanes) {
  const std::string dom = dir_ + "/dom.html", log = dir_ + "/dom.log";
  const int status = RunChromium(chromium_, "--dump-dom", "file://" + page_, dom, log);
  ASSERT_EQ(status, 0) << "chromium --dump-dom failed; its log:\n" << ReadFile(log);
  const std::string text = ReadFile(dom);
  ASSERT_FALSE(text.empty()) << ReadFile(log);
  EXPECT_NE(text.find("data-ready=\"1\""), std::string::npos) << "the page's script did not finish";
  EXPECT_EQ(ReadFile(log).find("Uncaught"), std::string::npos) << "a script error:\n"
                                                               << ReadFile(log);
  EXPECT_EQ(Count(text, "<g class=\"lane\""), 3);
  EXPECT_EQ(Count(text, "class=\"p mark fail\""), 1);
  // The script drew the axis: a tick at each minute of the 4m run, top and bottom.
  EXPECT_EQ(Count(text, "class=\"tick\">2m</text>"), 2);
  EXPECT_NE(text.find("showing 0s \u2013 4m"), std::string::npos);
}

TEST_F(HtmlReportE2eTest, AZoomedLinkShowsItsRange) {
  const std::string dom = dir_ + "/zoom.html", log = dir_ + "/zoom.log";
  const int status =
      RunChromium(chromium_, "--dump-dom", "file://" + page_ + "#t=1m-1m2s", dom, log);
  ASSERT_EQ(status, 0) << ReadFile(log);
  const std::string text = ReadFile(dom);
  EXPECT_NE(text.find("showing 1m \u2013 1m2s"), std::string::npos);
  EXPECT_EQ(ReadFile(log).find("Uncaught"), std::string::npos) << "a script error:\n"
                                                               << ReadFile(log);
  EXPECT_EQ(Count(text, "class=\"tick\">1m1s</text>"), 2);
}

// What a reader does with the mouse and keyboard, played by a script added
// to the page: the view after each step is written into the DOM.
constexpr std::string_view kInteractions = R"(<script>
(function () {
  var svg = document.getElementById('tl');
  var X0 = +svg.dataset.x0, X1 = +svg.dataset.x1;
  function client(t, y) {  // where time t is on the screen in the current view
    var v = discosimView(), p = svg.createSVGPoint();
    p.x = X0 + (t - v[0]) / (v[1] - v[0]) * (X1 - X0); p.y = y;
    return p.matrixTransform(svg.getScreenCTM());
  }
  function mouse(target, type, at, extra) {
    var init = { bubbles: true, cancelable: true, button: 0, clientX: at.x, clientY: at.y };
    for (var k in extra || {}) init[k] = extra[k];
    target.dispatchEvent(new (type === 'wheel' ? WheelEvent : MouseEvent)(type, init));
  }
  var views = [];
  function note(what) {
    var v = discosimView();
    views.push(what + '=' + Math.round(v[0]) + '..' + Math.round(v[1]));
  }
  // Drag along the axis from 1m to 2m: zooms into that range.
  mouse(svg, 'mousedown', client(60000, 20));
  mouse(window, 'mousemove', client(120000, 20));
  mouse(window, 'mouseup', client(120000, 20));
  note('axis-drag');
  // Drag inside a lane from 1m45s to 1m30s: pans 15 s later.
  mouse(svg, 'mousedown', client(105000, 400));
  mouse(window, 'mousemove', client(90000, 400));
  mouse(window, 'mouseup', client(90000, 400));
  note('pan');
  document.getElementById('fit').click();
  note('fit');
  document.getElementById('zin').click();
  note('zoom-in');
  document.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true }));
  note('key-0');
  mouse(svg, 'wheel', client(120000, 400), { ctrlKey: true, deltaY: -500 });
  note('ctrl-wheel');
  document.body.setAttribute('data-views', views.join(' '));
})();
</script>
)";

TEST_F(HtmlReportE2eTest, TheMouseAndKeysZoomAndPan) {
  std::string html = ReadFile(page_);
  html.insert(html.rfind("</body>"), kInteractions);
  const std::string page = dir_ + "/interact.html";
  std::ofstream(page, std::ios::binary) << html;
  const std::string dom = dir_ + "/interact-dom.html", log = dir_ + "/interact.log";
  ASSERT_EQ(RunChromium(chromium_, "--dump-dom", "file://" + page, dom, log), 0) << ReadFile(log);
  EXPECT_EQ(ReadFile(log).find("Uncaught"), std::string::npos) << ReadFile(log);
  const std::string text = ReadFile(dom);
  const size_t at = text.find("data-views=\"");
  ASSERT_NE(at, std::string::npos) << "the interactions did not run";
  std::stringstream views(text.substr(at + 12, text.find('"', at + 12) - at - 12));
  std::map<std::string, std::pair<int64_t, int64_t>> view;
  std::string item;
  while (views >> item) {
    const size_t eq = item.find('='), dots = item.find("..");
    view[item.substr(0, eq)] = {std::stoll(item.substr(eq + 1, dots - eq - 1)),
                                std::stoll(item.substr(dots + 2))};
  }
  auto near = [](int64_t a, int64_t b) { return std::abs(a - b) <= 300; };
  ASSERT_EQ(view.size(), 6u) << text.substr(at, 200);
  EXPECT_TRUE(near(view["axis-drag"].first, 60'000) && near(view["axis-drag"].second, 120'000))
      << view["axis-drag"].first << ".." << view["axis-drag"].second;
  EXPECT_TRUE(near(view["pan"].first, 75'000) && near(view["pan"].second, 135'000))
      << view["pan"].first << ".." << view["pan"].second;
  EXPECT_EQ(view["fit"], std::make_pair(int64_t{0}, int64_t{240'000}));
  EXPECT_EQ(view["zoom-in"], std::make_pair(int64_t{60'000}, int64_t{180'000}));
  EXPECT_EQ(view["key-0"], std::make_pair(int64_t{0}, int64_t{240'000}));
  // Zooming in around 2m keeps 2m where it was on the axis.
  const auto [w0, w1] = view["ctrl-wheel"];
  EXPECT_LT(w1 - w0, 240'000);
  EXPECT_TRUE(near((120'000 - w0) * 240'000 / (w1 - w0), 120'000)) << w0 << ".." << w1;
}

TEST_F(HtmlReportE2eTest, TheScreenshotShowsTheLanes) {
  const std::string png = dir_ + "/report.png", log = dir_ + "/shot.log";
  const int status =
      RunChromium(chromium_, "--screenshot=" + png, "file://" + page_, "/dev/null", log);
  ASSERT_EQ(status, 0) << "chromium --screenshot failed; its log:\n" << ReadFile(log);
  const std::string bytes = ReadFile(png);
  ASSERT_GT(bytes.size(), 10'000u) << "a near-empty screenshot; chromium's log:\n" << ReadFile(log);
  ASSERT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(BigEndian32(bytes, 16), static_cast<uint32_t>(kWidth));
  EXPECT_EQ(BigEndian32(bytes, 20), static_cast<uint32_t>(kHeight));
#ifdef DISCOSIM_HAVE_ZLIB
  const Image image = DecodePng(bytes);
  ASSERT_EQ(image.width, kWidth) << "could not decode the screenshot";
  int regular = 0, ready = 0, fail = 0, bands = 0;
  bool in_band = false;
  for (int y = 0; y < image.height; ++y) {
    int regular_in_row = 0;
    for (int x = 0; x < image.width; ++x) {
      if (image.Near(x, y, kRegular)) ++regular_in_row;
      if (image.Near(x, y, kReady)) ++ready;
      if (image.Near(x, y, kFail)) ++fail;
    }
    regular += regular_in_row;
    // A lane's phase bar spans most of the plot's width.
    const bool lane_row = regular_in_row > image.width / 2;
    if (lane_row && !in_band) ++bands;
    in_band = lane_row;
  }
  EXPECT_EQ(bands, 3) << "expected the phase bars of three lanes";
  EXPECT_GT(regular, 3 * 10 * 600);
  EXPECT_GT(ready, 3 * 600);
  EXPECT_GT(fail, 40) << "no red: the failure marker (and errors) are missing";
#else
  std::cout << "zlib was not found at build time: pixel colours not checked\n";
#endif
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace
}  // namespace discosim::report

// Without chromium: skip (exit kSkipCode) with a message, or fail under
// CI=true. Listing the tests (ctest's discovery) needs no browser.
int main(int argc, char** argv) {
  namespace r = discosim::report;
  ::testing::InitGoogleTest(&argc, argv);
  if (!::testing::GTEST_FLAG(list_tests) && r::FindChromium().empty()) {
    if (r::InCi()) {
      std::cerr << "FAILED: chromium is not on PATH, and CI=true requires the browser check. "
                   ".ci/setup installs Debian's `chromium`.\n";
      return 1;
    }
    std::cout << "SKIPPED: chromium is not on PATH, so the page was not opened in a browser. "
                 "Install it (`apt-get install chromium`, as .ci/setup does) to run this test.\n";
    return r::kSkipCode;
  }
  return RUN_ALL_TESTS();
}
