// Proves that report formats have one name table (every name maps to its
// format and back, anything else is refused) and that the closing report of
// each format is the document that format promises.
#include "sim/report/report.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace discosim::report {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(ReportFormatTest, EveryNameMapsToItsFormatAndBack) {
  ASSERT_EQ(kReportFormatNames.size(), 3u);
  for (const auto& [name, format] : kReportFormatNames) {
    EXPECT_EQ(ReportFormatNamed(name), format) << name;
    EXPECT_EQ(ToString(format), name);
  }
  EXPECT_EQ(ReportFormatNamed("json"), ReportFormat::kJson);
  EXPECT_EQ(ReportFormatNamed("junit"), ReportFormat::kJunit);
  EXPECT_EQ(ReportFormatNamed("text"), ReportFormat::kText);
}

TEST(ReportFormatTest, OtherNamesAreRefused) {
  EXPECT_EQ(ReportFormatNamed("JSON"), std::nullopt);
  EXPECT_EQ(ReportFormatNamed(""), std::nullopt);
  EXPECT_EQ(ReportFormatNamed("xml"), std::nullopt);
}

TEST(ReportFormatTest, TheClosingReportIsTheFormatsDocument) {
  const std::vector<const scenario::ScenarioRun*> none;
  EXPECT_EQ(ClosingReport(ReportFormat::kText, none), "0 passed, 0 failed\n");
  EXPECT_THAT(ClosingReport(ReportFormat::kJson, none), StartsWith("{\n  \"passed\": 0,"));
  EXPECT_THAT(ClosingReport(ReportFormat::kJunit, none), StartsWith("<?xml"));
  EXPECT_THAT(ClosingReport(ReportFormat::kJunit, none), HasSubstr("<testsuites name=\"discosim\""));
}

TEST(EscapeMarkupTest, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(EscapeMarkup("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(EscapeMarkup("plain"), "plain");
}

}  // namespace
}  // namespace discosim::report
