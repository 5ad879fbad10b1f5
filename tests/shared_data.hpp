// The real data sets in ../shared/data as calibration reads them (see its README). Tests that
// use them skip when the folder is absent (OPSIM_REQUIRE_DATA_OR_SKIP).
#pragma once

#include "sim/io/history_reader.hpp"
#include "tests/test_support.hpp"

namespace opsim::test {

//! Maven CRM opportunities with the rep table (regions) and the product table (list prices).
inline HistorySource maven_source() {
  const auto maven = shared_data_dir() / "crm" / "maven";
  HistorySource source;
  source.opportunities = TableSource{(maven / "sales_pipeline.csv").string(),
                                     {{"id", "opportunity_id"},
                                      {"owner", "sales_agent"},
                                      {"segment", "product"},
                                      {"stage", "deal_stage"},
                                      {"created", "engage_date"},
                                      {"closed", "close_date"},
                                      {"amount", "close_value"}}};
  source.reps = TableSource{(maven / "sales_teams.csv").string(),
                            {{"owner", "sales_agent"}, {"region", "regional_office"}}};
  source.products = TableSource{(maven / "products.csv").string(), {{"segment", "product"}}};
  source.won_stages = {"Won"};
  source.lost_stages = {"Lost"};
  source.open_stages = {"Prospecting", "Engaging"};
  return source;
}

//! Superstore order lines as a bookings log: one order (Order ID) is one deal.
inline HistorySource superstore_source() {
  HistorySource source;
  source.bookings = TableSource{(shared_data_dir() / "sales" / "superstore.csv").string(),
                                {{"date", "Order Date"}, {"amount", "Sales"}, {"id", "Order ID"}}};
  return source;
}

}  // namespace opsim::test
