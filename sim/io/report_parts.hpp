// Pieces shared by the sections of the HTML report (sim/io/report*.cpp).
#pragma once

#include <H5Cpp.h>

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace opsim::report {

//! Read access to one HDF5 result file; errors name the file and the dataset.
class H5Reader {
 public:
  explicit H5Reader(const std::string& path);
  const std::string& path() const { return path_; }
  bool has(const std::string& name) const;
  bool has_attribute(const std::string& name) const;
  //! A string or unsigned-integer attribute of `object` (a group) as text; "" when absent.
  std::string attribute(const std::string& name, const std::string& object = "/") const;
  //! An unsigned-integer attribute (trials, seats) with thousands separators: "10,000".
  std::string count_attribute(const std::string& name, const std::string& object = "/") const;
  //! A numeric attribute of `object` (a group); NaN when absent.
  double number_attribute(const std::string& object, const std::string& name) const;
  std::vector<double> doubles(const std::string& name, std::vector<hsize_t>* dims = nullptr) const;
  std::vector<std::string> strings(const std::string& name) const;
  //! Calls `visit(first_row, rows, values)` over blocks of whole rows of a dataset.
  void row_blocks(
      const std::string& name, hsize_t block_rows,
      const std::function<void(hsize_t, hsize_t, const std::vector<double>&)>& visit) const;
  H5::H5File& file() { return file_; }

 private:
  std::string path_;
  mutable H5::H5File file_;
};

//! A number shown on the page with the value and the HDF5 cell it comes from, so that a test
//! can check the page against the file: <td data-h5="/summary/x" data-i="3" data-v="...">.
std::string cell(const std::string& text, const std::string& dataset, std::size_t index,
                 double value, const std::string& tag = "td");
//! A derived number (no single dataset holds it): data-derived names it.
std::string derived_cell(const std::string& text, const std::string& derived, double value,
                         const std::string& tag = "td");
//! Shortest text that reads back as the same double ("nan" for NaN).
std::string exact(double value);

//! The input sanity page from an input summary (sim/io/input_summary_output.hpp, JSON form).
std::string inputs_section(const nlohmann::json& summary, const std::string& title,
                           const std::string& note);
std::string run_section(H5Reader& file);
std::string compare_section(H5Reader& file);
std::string sweep_section(H5Reader& file);
std::string quotas_section(H5Reader& file);
std::string capacity_section(H5Reader& file);
std::string territories_section(H5Reader& file);
std::string backtest_section(H5Reader& file);
std::string drivers_section(H5Reader& file);

}  // namespace opsim::report
