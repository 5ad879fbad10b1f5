// JSON written for people: estimates with the digits they carry, in their shortest form.
#include <gtest/gtest.h>

#include "sim/io/json_text.hpp"

namespace opsim {
namespace {

TEST(JsonText, FractionsAreRoundedAndWrittenInTheirShortestForm) {
  const nlohmann::json doc = {{"dispersion", 0.10760891796746136},
                              {"mean", 0.8340919999999999},  // Grisu2 wrote 0.834092 thus
                              {"count", 123456789},
                              {"whole", 2.0},
                              {"negative_zero", -0.0},
                              {"tiny", 1.234567891e-7},
                              {"label", "0.10760891796746136 stays text"},
                              {"list", {1.23456789, -9876543.21}}};
  const std::string text = json_text(doc, 6);
  EXPECT_NE(text.find("\"dispersion\": 0.107609,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"mean\": 0.834092,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"count\": 123456789,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"whole\": 2.0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\"negative_zero\": 0.0,"), std::string::npos) << text;
  EXPECT_NE(text.find("\"label\": \"0.10760891796746136 stays text\""), std::string::npos) << text;
  // Read back: the rounded values, with their types.
  const nlohmann::json back = nlohmann::json::parse(text);
  EXPECT_EQ(back, round_numbers(doc, 6));
  EXPECT_TRUE(back["whole"].is_number_float());
  EXPECT_DOUBLE_EQ(back["tiny"].get<double>(), 1.23457e-7);
  EXPECT_DOUBLE_EQ(back["list"][1].get<double>(), -9876540.0);
  // Twin: with 17 digits nothing is rounded away.
  EXPECT_NE(json_text(doc, 17).find("0.10760891796746136"), std::string::npos);
}

}  // namespace
}  // namespace opsim
