// tests/dashboard/dashboard_reports_test.cpp
//
// The head-office report pages through the real listener (DashboardFixture): who may open
// them (head office and administrators; store managers and cashiers get 403 on the pages and
// the CSV URLs, and the refusal is audited), every report of all_reports() has a page, the
// CSV is streamed (chunked) with the rows of the test's own query, the chart block has one
// value per row, and bad filters are refused.

#include <algorithm>
#include <boost/json/parse.hpp>

#include "server/reports/report.h"
#include "tests/dashboard/dashboard_fixture.h"
#include "tests/support/catch_result.h"

using namespace rapport;
using rapport::testing::DashboardFixture;
using rapport::testing::kPassword;
using rapport::testing::StaffBrowser;
using rapport::testing::audited;

namespace {

std::string between(const std::string& text, const std::string& open, const std::string& close) {
  const auto start = text.find(open);
  if (start == std::string::npos) return {};
  const auto end = text.find(close, start + open.size());
  return end == std::string::npos ? std::string() : text.substr(start + open.size(), end - start - open.size());
}

}  // namespace

TEST_CASE("Store managers and cashiers are refused the report pages and CSVs", "[dashboard]") {
  DashboardFixture f;
  StaffBrowser carl(f);
  CHECK(carl.login("carl", kPassword).status == 403);  // cashiers get no dashboard session
  StaffBrowser maria(f);
  REQUIRE(maria.login("maria", kPassword).status == 200);
  CHECK(maria.get("/reports/customer-equity").status == 403);
  CHECK(maria.get("/api/reports/customer-equity.csv").status == 403);
  CHECK(maria.get("/api/reports/value-distribution.csv?store=S1").status == 403);
  const auto index = maria.get("/reports");
  CHECK(index.status == 403);
  CHECK(index.body.find("customer-equity") == std::string::npos);
  CHECK(audited(f, "read-report", "report:index", "denied"));
  CHECK(audited(f, "export-report", "report:customer-equity", "denied"));
  StaffBrowser nobody(f);  // not logged in
  CHECK(nobody.get("/api/reports/customer-equity.csv").status == 401);
}

TEST_CASE("Head office and administrators see every report's page, its chart and its CSV",
          "[dashboard]") {
  DashboardFixture f;
  f.add_user("root", server::StaffRole::kAdministrator, {});
  StaffBrowser hq(f);
  REQUIRE(hq.login("hq", kPassword).status == 200);

  // Before any value refresh: every page is there and value reports say they are empty.
  const auto index = hq.get("/reports");
  REQUIRE(index.status == 200);
  for (const auto& report : server::reports::all_reports()) {
    const std::string name(report->name());
    INFO(name);
    CHECK(index.body.find("href=\"/reports/" + name + "\"") != std::string::npos);
    const auto page = hq.get("/reports/" + name);
    REQUIRE(page.status == 200);
    CHECK(page.body.find("<table id=\"report\">") != std::string::npos);
    CHECK(page.body.find("href=\"/api/reports/" + name + ".csv\"") != std::string::npos);
  }
  CHECK(hq.get("/reports/value-distribution").body.find("id=\"no-rows\"") != std::string::npos);
  CHECK(hq.get("/api/reports/customer-equity.csv").body ==
        "store,members,customer_equity_cents\r\n");

  f.save_values();
  // Customer equity by store: S1 (ada) and S2 (bob, cy), as the test's own sums say.
  const auto csv = hq.get("/api/reports/customer-equity.csv");
  REQUIRE(csv.status == 200);
  CHECK(csv.header("content-type").rfind("text/csv", 0) == 0);
  CHECK(csv.header("transfer-encoding") == "chunked");  // streamed, not held whole
  CHECK(csv.body == "store,members,customer_equity_cents\r\nS1,1,0\r\nS2,2,0\r\n");
  CHECK(audited(f, "export-report", "report:customer-equity", "ok"));

  // The page: its table and its chart's data, one label and one value per row.
  const auto page = hq.get("/reports/customer-equity");
  REQUIRE(page.status == 200);
  CHECK(audited(f, "read-report", "report:customer-equity", "ok"));
  const auto chart = boost::json::parse(
      between(page.body, "<script type=\"application/json\" id=\"chart-data\">", "</script>"));
  CHECK(chart.at("type").as_string() == "bar");
  CHECK(chart.at("labels").as_array().size() == 2);
  REQUIRE(chart.at("datasets").as_array().size() == 1);
  CHECK(chart.at("datasets").as_array()[0].at("data").as_array().size() == 2);
  CHECK(page.body.find("<script src=\"/assets/reports.js\" defer></script>") != std::string::npos);

  // A store filter narrows page and CSV alike, and is audited with the filter.
  const auto s2 = hq.get("/api/reports/customer-equity.csv?store=S2&from=2026-01-01");
  CHECK(s2.body == "store,members,customer_equity_cents\r\nS2,2,0\r\n");
  CHECK(audited(f, "export-report", "report:customer-equity store=S2&from=2026-01-01", "ok"));
  const auto filtered = hq.get("/reports/customer-equity?store=S2&from=&to=2026-12-31");
  CHECK(filtered.body.find("href=\"/api/reports/customer-equity.csv?store=S2&amp;to=2026-12-31\"") !=
        std::string::npos);
  CHECK(filtered.body.find("<option value=\"S2\" selected>") != std::string::npos);

  // Bad days and unknown reports are refused in words.
  CHECK(hq.get("/reports/customer-equity?from=yesterday").status == 400);
  CHECK(hq.get("/api/reports/customer-equity.csv?to=2026-1-1").status == 400);
  CHECK(hq.get("/reports/no-such-report").status == 404);
  CHECK(hq.get("/api/reports/no-such-report.csv").status == 404);
  CHECK(hq.get("/api/reports/customer-equity").status == 404);

  StaffBrowser root(f);
  REQUIRE(root.login("root", kPassword).status == 200);
  CHECK(root.get("/reports/tier-migrations").status == 200);
  CHECK(root.get("/api/reports/tier-migrations.csv").status == 200);
}

TEST_CASE("A report longer than its page shows the first rows and says so; its CSV has them all",
          "[dashboard]") {
  auto options = DashboardFixture::test_options();
  options.report_page_rows = 2;
  DashboardFixture f(options);
  StaffBrowser hq(f);
  REQUIRE(hq.login("hq", kPassword).status == 200);

  // Four members: the page shows two and points to the CSV, which streams all four.
  const auto page = hq.get("/reports/members");
  REQUIRE(page.status == 200);
  const auto table = between(page.body, "<tbody>", "</tbody>");
  CHECK(std::count(table.begin(), table.end(), '\n') == 0);
  std::size_t rows = 0;
  for (auto at = table.find("<tr>"); at != std::string::npos; at = table.find("<tr>", at + 1)) {
    ++rows;
  }
  CHECK(rows == 2);
  CHECK(page.body.find("id=\"rows-cut\"") != std::string::npos);
  CHECK(page.body.find("first 2 rows") != std::string::npos);

  const auto csv = hq.get("/api/reports/members.csv");
  REQUIRE(csv.status == 200);
  CHECK(std::count(csv.body.begin(), csv.body.end(), '\n') == 5);
  CHECK(csv.body.rfind("member_id,status,home_store,", 0) == 0);
  CHECK(csv.body.find("\r\n" + std::to_string(f.dee) + ",member,S1,") != std::string::npos);
  // No names leave in this file.
  for (const char* name : {"Ada", "Bob", "Cy Young", "Dee"}) {
    CHECK(csv.body.find(name) == std::string::npos);
  }

  // A page with room for every row says nothing of cutting.
  const auto store = hq.get("/reports/members?store=S2");
  CHECK(store.body.find("id=\"rows-cut\"") == std::string::npos);
}
