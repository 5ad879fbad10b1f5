#include "sim/io/xlsx.hpp"

#include <xlsxwriter.h>
#include <zlib.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "sim/base/error.hpp"
#include "sim/io/assumptions.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/summary_text.hpp"

namespace opsim {

namespace {

//! While alive, standard error goes nowhere: libxlsxwriter prints its own lines there
//! ("[ERROR][packager.c:...]: Error creating 'xl/worksheets/sheet1.xml'") before returning an
//! error that opsim reports in its own words, with the operating system's reason (review).
class LibraryStderrSilenced {
 public:
  LibraryStderrSilenced() {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    const int sink = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved_ >= 0 && sink >= 0) ::dup2(sink, STDERR_FILENO);
    if (sink >= 0) ::close(sink);
  }
  ~LibraryStderrSilenced() {
    std::fflush(stderr);
    if (saved_ < 0) return;
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
  }
  LibraryStderrSilenced(const LibraryStderrSilenced&) = delete;
  LibraryStderrSilenced& operator=(const LibraryStderrSilenced&) = delete;

 private:
  int saved_ = -1;
};

}  // namespace

std::string cell_kind_name(CellKind kind) {
  switch (kind) {
    case CellKind::text:
      return "text";
    case CellKind::amount:
      return "amount";
    case CellKind::percent:
      return "percent";
    case CellKind::number:
      return "number";
    case CellKind::integer:
      return "integer";
    case CellKind::year:
      return "year";
    case CellKind::ratio:
      return "ratio";
    case CellKind::points:
      return "points";
    case CellKind::significant:
      return "significant";
  }
  return "number";
}

XlsxValue trials_probability(double p, std::uint64_t trials) {
  std::string bound = format_certain_probability(p, 0.0, trials);
  if (bound.empty()) return p;
  return bound;
}

double trials_probability_se(double p, double se, std::uint64_t trials) {
  return format_certain_probability(p, se, trials).empty()
             ? se
             : std::numeric_limits<double>::quiet_NaN();
}

std::string xlsx_text(std::string text) {
  // "_xHHHH_" is how a workbook escapes a character, so Excel reads a literal one as that
  // character ("_x0041_" as "A"): its underscore is escaped as "_x005F_" (review).
  for (std::size_t i = 0; i + 7 <= text.size(); ++i) {
    if (text[i] == '_' && text[i + 1] == 'x' && text[i + 6] == '_' &&
        std::all_of(text.begin() + static_cast<std::ptrdiff_t>(i) + 2,
                    text.begin() + static_cast<std::ptrdiff_t>(i) + 6,
                    [](unsigned char c) { return std::isxdigit(c) != 0; })) {
      text.replace(i, 1, "_x005F_");
      i += 6;
    }
  }
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (text[i] == '\xEF' && text[i + 1] == '\xBF' &&
        (text[i + 2] == '\xBE' || text[i + 2] == '\xBF'))
      text[i + 2] = '\xBD';
  }
  return text;
}

namespace {

std::uint32_t little_endian(const std::string& bytes, std::size_t at, int width) {
  std::uint32_t value = 0;
  for (int i = width - 1; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(bytes.at(at + static_cast<std::size_t>(i)));
  return value;
}

//! The parts of the zip archive `bytes` that are XML and not whole, or why it is no archive.
//! libxlsxwriter stages each sheet in a temporary file and does not see a write to it fail (a
//! full /tmp, a file-size limit): the sheet is then zipped cut short, with a CRC that matches
//! (review: exit 0 and a workbook Excel cannot open). A whole part ends with its root's end tag.
std::vector<std::string> damaged_xml_parts(const std::string& bytes) {
  // The end of central directory record: the last "PK\5\6" (no archive comment is written).
  const std::size_t end = bytes.rfind(std::string("PK\x05\x06", 4));
  if (end == std::string::npos || end + 22 > bytes.size()) return {"(no zip directory)"};
  const std::uint32_t entries = little_endian(bytes, end + 10, 2);
  std::size_t at = little_endian(bytes, end + 16, 4);
  std::vector<std::string> damaged;
  for (std::uint32_t e = 0; e < entries; ++e) {
    if (at + 46 > bytes.size() || little_endian(bytes, at, 4) != 0x02014b50)
      return {"(zip directory cut short)"};
    const std::uint32_t method = little_endian(bytes, at + 10, 2);
    const std::uint32_t packed = little_endian(bytes, at + 20, 4);
    const std::uint32_t size = little_endian(bytes, at + 24, 4);
    const std::uint32_t name_length = little_endian(bytes, at + 28, 2);
    const std::uint32_t extra = little_endian(bytes, at + 30, 2);
    const std::uint32_t comment = little_endian(bytes, at + 32, 2);
    const std::size_t local = little_endian(bytes, at + 42, 4);
    const std::string name = bytes.substr(at + 46, name_length);
    at += 46 + name_length + extra + comment;
    if (!name.ends_with(".xml") && !name.ends_with(".rels")) continue;
    if (local + 30 > bytes.size()) return {name};
    const std::size_t data =
        local + 30 + little_endian(bytes, local + 26, 2) + little_endian(bytes, local + 28, 2);
    if (data + packed > bytes.size()) return {name};
    std::string xml(size, '\0');
    if (method == 0) {
      xml = bytes.substr(data, packed);
    } else {
      z_stream zs{};
      if (inflateInit2(&zs, -MAX_WBITS) != Z_OK) return {name};
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + data));
      zs.avail_in = packed;
      zs.next_out = reinterpret_cast<Bytef*>(xml.data());
      zs.avail_out = size;
      const int status = inflate(&zs, Z_FINISH);
      inflateEnd(&zs);
      if (status != Z_STREAM_END || zs.total_out != size) {
        damaged.push_back(name);
        continue;
      }
    }
    // The root element's name: the first tag that is not a declaration.
    std::size_t open = xml.find('<');
    while (open != std::string::npos && open + 1 < xml.size() && xml[open + 1] == '?')
      open = xml.find('<', open + 1);
    const std::size_t last = xml.find_last_not_of(" \r\n\t");
    if (open == std::string::npos || last == std::string::npos || xml[last] != '>') {
      damaged.push_back(name);
      continue;
    }
    const std::size_t name_end = xml.find_first_of(" \r\n\t/>", open + 1);
    const std::string closing = "</" + xml.substr(open + 1, name_end - open - 1) + ">";
    const bool self_closed = xml.find('>', open) == last && xml[last - 1] == '/';
    if (!self_closed && !std::string_view(xml).substr(0, last + 1).ends_with(closing))
      damaged.push_back(name);
  }
  return damaged;
}

}  // namespace

void write_workbook(const std::string& path, const std::vector<XlsxTable>& tables) {
  write_file_by_name(path, [&](const std::string& tmp) {
    const LibraryStderrSilenced quiet;
    lxw_workbook* book = workbook_new(tmp.c_str());
    if (!book) throw_input("{}: cannot create the workbook", path);
    lxw_format* header = workbook_add_format(book);
    format_set_bold(header);
    format_set_bg_color(header, 0xF3F6F9);
    format_set_bottom(header, LXW_BORDER_THIN);
    format_set_text_wrap(header);
    // Per cell kind (index: CellKind; 0, text, has no number format), then signed points at
    // kSignedPoints: plain, and shaded for a partial period's row.
    constexpr int kSignedPoints = static_cast<int>(CellKind::significant) + 1;
    std::array<std::array<lxw_format*, kSignedPoints + 1>, 2> formats{};
    for (int shaded = 0; shaded < 2; ++shaded) {
      auto& f = formats[static_cast<std::size_t>(shaded)];
      for (int k = 0; k <= kSignedPoints; ++k) {
        // Text in a plain row keeps the default format (null), as before.
        if (k == 0 && shaded == 0) continue;
        f[static_cast<std::size_t>(k)] = workbook_add_format(book);
        if (shaded == 1) format_set_bg_color(f[static_cast<std::size_t>(k)], 0xFFF4E0);
      }
      format_set_num_format(f[static_cast<int>(CellKind::amount)], "#,##0");
      format_set_num_format(f[static_cast<int>(CellKind::percent)], "0.0%");
      format_set_num_format(f[static_cast<int>(CellKind::number)], "#,##0.00");
      format_set_num_format(f[static_cast<int>(CellKind::integer)], "#,##0");
      // A fiscal year reads FY2027 as everywhere else, and stays a number (review: "2027").
      format_set_num_format(f[static_cast<int>(CellKind::year)], "\"FY\"0");
      format_set_num_format(f[static_cast<int>(CellKind::ratio)], "0.000");
      format_set_num_format(f[static_cast<int>(CellKind::points)], "0.0\" pts\"");
      format_set_num_format(f[static_cast<int>(CellKind::significant)], "General");
      // Changes in points carry their sign, as on the terminal; 0 is shown without one.
      format_set_num_format(f[kSignedPoints], "+0.0\" pts\";-0.0\" pts\";0.0\" pts\"");
    }
    lxw_format* note = workbook_add_format(book);
    format_set_italic(note);
    lxw_error status = LXW_NO_ERROR;
    auto check = [&](lxw_error e) {
      if (e != LXW_NO_ERROR && status == LXW_NO_ERROR) status = e;
    };
    for (const XlsxTable& table : tables) {
      lxw_worksheet* sheet = workbook_add_worksheet(book, table.sheet.c_str());
      if (!sheet) {
        workbook_close(book);
        throw_internal("workbook sheet name \"{}\" refused", table.sheet);
      }
      worksheet_freeze_panes(sheet, 1, 0);
      for (std::size_t c = 0; c < table.columns.size(); ++c) {
        const auto col = static_cast<lxw_col_t>(c);
        check(worksheet_set_column(sheet, col, col, table.columns[c].width, nullptr));
        check(worksheet_write_string(sheet, 0, col, xlsx_text(table.columns[c].header).c_str(),
                                     header));
      }
      // A partial period's rows are shaded (results/README.md, "Partial periods"): those whose
      // `coverage` column says so.
      std::size_t coverage_column = table.columns.size();
      for (std::size_t c = 0; c < table.columns.size(); ++c)
        if (table.columns[c].header == "coverage") coverage_column = c;
      for (std::size_t r = 0; r < table.rows.size(); ++r) {
        const auto row = static_cast<lxw_row_t>(r + 1);
        const std::string* coverage =
            coverage_column < table.rows[r].size()
                ? std::get_if<std::string>(&table.rows[r][coverage_column])
                : nullptr;
        const bool shaded = coverage != nullptr && !coverage->empty();
        const auto& format = formats[shaded ? 1 : 0];
        for (std::size_t c = 0; c < table.rows[r].size() && c < table.columns.size(); ++c) {
          const auto col = static_cast<lxw_col_t>(c);
          const XlsxValue& v = table.rows[r][c];
          if (const auto* text = std::get_if<std::string>(&v)) {
            if (!text->empty())
              check(worksheet_write_string(sheet, row, col, xlsx_text(*text).c_str(), format[0]));
            else if (shaded)
              check(worksheet_write_blank(sheet, row, col, format[0]));
          } else {
            const double x = std::get<double>(v);
            // Undefined (NaN) stays blank; Excel has no NaN.
            CellKind kind = table.columns[c].kind;
            if (r < table.row_kinds.size() && table.row_kinds[r] != CellKind::text &&
                table.columns[c].follows_row_kind)
              kind = table.row_kinds[r];
            // Points: the fraction's hundredfold under a format that says "pts".
            const double shown = kind == CellKind::points ? 100 * x : x;
            lxw_format* cell_format =
                format[kind == CellKind::points && table.columns[c].signed_change
                           ? kSignedPoints
                           : static_cast<int>(kind)];
            if (std::isfinite(x))
              check(
                  worksheet_write_number(sheet, row, col, shown == 0.0 ? 0.0 : shown, cell_format));
            else if (shaded)
              check(worksheet_write_blank(sheet, row, col, cell_format));
          }
        }
      }
      if (!table.note.empty()) {
        check(worksheet_write_string(sheet, static_cast<lxw_row_t>(table.rows.size() + 2), 0,
                                     xlsx_text(table.note).c_str(), note));
      }
      for (std::size_t w = 0; w < table.warnings.size(); ++w) {
        check(worksheet_write_string(sheet, static_cast<lxw_row_t>(table.rows.size() + 3 + w), 0,
                                     xlsx_text("Warning: " + table.warnings[w]).c_str(), note));
      }
    }
    errno = 0;
    const lxw_error closed = workbook_close(book);
    // The operating system's reason (a full disk), where libxlsxwriter's says only "zip error".
    const int os_error = errno;
    if (status != LXW_NO_ERROR || closed != LXW_NO_ERROR) {
      throw OutputError(fmt::format("{}: cannot write the workbook: {}", path,
                                    os_error != 0
                                        ? std::strerror(os_error)
                                        : lxw_strerror(status != LXW_NO_ERROR ? status : closed)));
    }
    std::ifstream in(tmp, std::ios::binary);
    const std::string written((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
    if (const auto damaged = damaged_xml_parts(written); !damaged.empty()) {
      throw OutputError(fmt::format(
          "{}: cannot write the workbook: its part {} came out cut short (libxlsxwriter stages "
          "the sheets in temporary files in /tmp: is it full, or is a file-size limit set?)",
          path, damaged.front()));
    }
  });
}

std::vector<XlsxTable> run_workbook(const Scenario& scenario, const Summary& summary) {
  const ResultLayout& layout = summary.layout;
  const auto regions = region_labels(scenario);
  const auto segments = segment_labels(scenario);
  const auto months = month_labels(scenario);
  const std::string currency = scenario.fx.currencies[scenario.fx.reporting].code;
  const int total_segment = layout.segments - 1;
  auto cell = [&](std::size_t p, int r, int s, Metric m) {
    return p * layout.cells() + layout.cell(r, s, static_cast<int>(m));
  };
  auto q = [&](std::size_t c, int level) {
    return summary.period_quantiles[c * kQuantiles + level];
  };
  const std::string amount = fmt::format(" ({})", currency);
  std::vector<XlsxTable> tables;

  XlsxTable overview{
      "Summary",
      {{"fiscal year", CellKind::text, 12},
       {"region", CellKind::text, 10},
       {"new bookings P10" + amount, CellKind::amount, 16},
       {"new bookings P50" + amount, CellKind::amount, 16},
       {"new bookings P90" + amount, CellKind::amount, 16},
       {"target" + amount, CellKind::amount, 16},
       {"P(reach)", CellKind::percent, 10},
       {"P(reach) SE", CellKind::points, 10},
       {"year-end ARR P50" + amount, CellKind::amount, 18},
       {"year-end headcount P50", CellKind::integer, 12}},
      {},
      fmt::format("{}: {} trials; partial fiscal years are left out (see Periods).{}{}",
                  scenario.name, format_grouped(static_cast<double>(summary.trials)),
                  scenario.seats.empty()
                      ? " The scenario has no seats (its new business is given by intensities): "
                        "headcount is blank."
                      : "",
                  scenario.uncertain.empty()
                      ? std::string()
                      : fmt::format(" Forecast with assumption uncertainty, drawn once per "
                                    "trial: {}.",
                                    fmt::join(summarise_assumptions(scenario), "; ")))};
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    const Period& year = layout.periods[p];
    if (year.quarter != 0 || year.partial()) continue;
    for (int r = 0; r < layout.regions; ++r) {
      const std::size_t nb = cell(p, r, total_segment, Metric::new_bookings);
      std::vector<XlsxValue> row{year.label, regions[r], q(nb, 1), q(nb, 3), q(nb, 5)};
      const TargetResult* target = nullptr;
      for (const auto& t : summary.targets)
        if (t.cell == nb && static_cast<std::size_t>(t.period) == p) target = &t;
      const double none = std::numeric_limits<double>::quiet_NaN();
      row.insert(
          row.end(),
          {target ? target->target.amount : none,
           target ? trials_probability(target->probability, summary.trials) : XlsxValue(none),
           target
               ? trials_probability_se(target->probability, target->standard_error, summary.trials)
               : none,
           q(cell(p, r, total_segment, Metric::arr), 3),
           // Blank for a scenario without seats, as the terminal's "-" (review: 0 here).
           scenario.seats.empty() ? none : q(cell(p, r, total_segment, Metric::headcount), 3)});
      overview.rows.push_back(std::move(row));
    }
  }
  tables.push_back(std::move(overview));

  XlsxTable targets{"Targets",
                    {{"metric", CellKind::text, 26},
                     {"period", CellKind::text, 12},
                     {"coverage", CellKind::text, 30},
                     {"region", CellKind::text, 10},
                     {"segment", CellKind::text, 10},
                     {"target" + amount, CellKind::amount, 16},
                     {"mean" + amount, CellKind::amount, 16},
                     {"P(reach)", CellKind::percent, 10},
                     {"standard error", CellKind::points, 10}},
                    {},
                    ""};
  for (const auto& t : summary.targets) {
    const Period& period = layout.periods[t.period];
    targets.rows.push_back(
        {metric_words(t.target.metric), period.label,
         period.coverage(coverage_of(metric_index(t.target.metric))),
         t.target.region < 0 ? "total" : regions[t.target.region],
         t.target.segment < 0 ? "total" : segments[t.target.segment], t.target.amount, t.mean,
         trials_probability(t.probability, summary.trials),
         trials_probability_se(t.probability, t.standard_error, summary.trials)});
  }
  tables.push_back(std::move(targets));

  auto stats_columns = [&](std::vector<XlsxColumn> columns, bool quantiles) {
    // Headings in words a planner reads (review: "sd", "se" and "p5" read as code).
    for (const char* name : {"mean", "standard deviation", "standard error"})
      columns.push_back({name, CellKind::number, 14});
    if (quantiles) {
      for (double level : kQuantileLevels)
        columns.push_back(
            {fmt::format("P{}", static_cast<int>(level * 100 + 0.5)), CellKind::number, 14});
    }
    return columns;
  };
  // Each metric's unit beside it and its rows formatted by it: amounts as whole currency,
  // counts and months with two decimals (a review found headcount 213.02 formatted as money and
  // no unit anywhere on these sheets).
  auto unit_of = [&](int k) {
    const std::string_view unit = metric_info(k).unit;
    return unit == "currency" ? currency : std::string(unit);
  };
  auto kind_of = [](int k) {
    return metric_info(k).unit == "currency" ? CellKind::amount : CellKind::number;
  };
  const std::string stats_note = "Amounts in " + currency +
                                 " at plan rates (metrics \"at spot rates\": spot rates); "
                                 "counts and months are means over the trials; the standard "
                                 "error is the mean's.";
  XlsxTable periods{"Periods",
                    stats_columns({{"period", CellKind::text, 12},
                                   {"coverage", CellKind::text, 30},
                                   {"region", CellKind::text, 10},
                                   {"segment", CellKind::text, 10},
                                   {"metric", CellKind::text, 32},
                                   {"unit", CellKind::text, 8}},
                                  true),
                    {},
                    stats_note};
  for (std::size_t p = 0; p < layout.periods.size(); ++p) {
    for (int r = 0; r < layout.regions; ++r) {
      for (int s = 0; s < layout.segments; ++s) {
        for (int k = 0; k < kMetricCount; ++k) {
          const std::size_t c = p * layout.cells() + layout.cell(r, s, k);
          std::vector<XlsxValue> row{layout.periods[p].label,
                                     layout.periods[p].coverage(coverage_of(k)),
                                     regions[r],
                                     segments[s],
                                     metric_words(std::string(metric_info(k).name)),
                                     unit_of(k),
                                     summary.period_mean[c],
                                     summary.period_sd[c],
                                     summary.period_se[c]};
          for (int level = 0; level < kQuantiles; ++level) row.push_back(q(c, level));
          periods.rows.push_back(std::move(row));
          periods.row_kinds.push_back(kind_of(k));
        }
      }
    }
  }
  tables.push_back(std::move(periods));

  if (layout.products > 0) {
    XlsxTable products{
        "Products",
        {{"period", CellKind::text, 12},
         {"coverage", CellKind::text, 30},
         {"region", CellKind::text, 10},
         {"product", CellKind::text, 14},
         {"segment", CellKind::text, 10},
         {"new bookings mean" + amount, CellKind::amount, 18},
         {"new bookings P10" + amount, CellKind::amount, 16},
         {"new bookings P50" + amount, CellKind::amount, 16},
         {"new bookings P90" + amount, CellKind::amount, 16},
         {"share of new bookings", CellKind::percent, 12},
         {"wins mean", CellKind::number, 10},
         {"pipeline created mean" + amount, CellKind::amount, 20}},
        {},
        "The product mix per fiscal period and region. Share: the product's mean new bookings over "
        "the period's mean new bookings of all segments (horizon months: actuals to date carry no "
        "product). Blank: no new bookings."};
    for (std::size_t p = 0; p < layout.periods.size(); ++p) {
      for (int r = 0; r < layout.regions; ++r) {
        const double all = summary.period_mean[cell(p, r, total_segment, Metric::new_bookings)];
        for (int j = 0; j < layout.products; ++j) {
          auto at = [&](ProductMetric k) {
            return p * layout.product_cells() + layout.product_cell(r, j, static_cast<int>(k));
          };
          const std::size_t nb = at(ProductMetric::new_bookings);
          auto pq = [&](int level) { return summary.product_quantiles[nb * kQuantiles + level]; };
          const Product& product = scenario.products[static_cast<std::size_t>(j)];
          products.rows.push_back(
              {layout.periods[p].label, layout.periods[p].coverage(Coverage::simulated), regions[r],
               product.id, segments[product.segment], summary.product_mean[nb], pq(1), pq(3), pq(5),
               all > 0 ? summary.product_mean[nb] / all : std::numeric_limits<double>::quiet_NaN(),
               summary.product_mean[at(ProductMetric::wins)],
               summary.product_mean[at(ProductMetric::pipeline_created)]});
        }
      }
    }
    tables.push_back(std::move(products));
  }

  XlsxTable monthly{"Monthly",
                    stats_columns({{"month", CellKind::text, 10},
                                   {"region", CellKind::text, 10},
                                   {"segment", CellKind::text, 10},
                                   {"metric", CellKind::text, 32},
                                   {"unit", CellKind::text, 8}},
                                  false),
                    {},
                    stats_note};
  for (int m = 0; m < layout.months; ++m) {
    for (int r = 0; r < layout.regions; ++r) {
      for (int s = 0; s < layout.segments; ++s) {
        for (int k = 0; k < kMetricCount; ++k) {
          const std::size_t c = m * layout.cells() + layout.cell(r, s, k);
          monthly.rows.push_back(
              {months[m], regions[r], segments[s], metric_words(std::string(metric_info(k).name)),
               unit_of(k), summary.monthly_mean[c], summary.monthly_sd[c], summary.monthly_se[c]});
          monthly.row_kinds.push_back(kind_of(k));
        }
      }
    }
  }
  tables.push_back(std::move(monthly));

  XlsxTable kpis{"KPIs",
                 {{"period", CellKind::text, 12},
                  {"coverage", CellKind::text, 30},
                  {"region", CellKind::text, 10},
                  {"segment", CellKind::text, 10},
                  {"win rate", CellKind::percent, 10},
                  {"average deal size" + amount, CellKind::amount, 16},
                  {"cycle (months)", CellKind::number, 12},
                  {"pipeline created" + amount, CellKind::amount, 18}},
                 {},
                 "Blank: undefined (no opportunities or no wins). " +
                     pipeline_created_note(scenario, summary)};
  for (const auto& k : summary.kpis) {
    const Period& period = layout.periods[k.period];
    kpis.rows.push_back({period.label, period.coverage(Coverage::simulated), regions[k.region],
                         segments[k.segment], k.win_rate, k.average_deal_size, k.cycle_months,
                         k.pipeline_created});
  }
  tables.push_back(std::move(kpis));

  XlsxTable productivity{"Productivity",
                         {{"fiscal year", CellKind::year, 10},
                          {"threshold" + amount, CellKind::amount, 16},
                          {"seats", CellKind::integer, 8},
                          {"mean share", CellKind::percent, 10},
                          {"P10 share", CellKind::percent, 10},
                          {"P50 share", CellKind::percent, 10},
                          {"P90 share", CellKind::percent, 10},
                          {"coverage", CellKind::text, 36}},
                         {},
                         "A partial fiscal year compares its months' bookings with the annual "
                         "threshold."};
  for (const auto& p : summary.productivity) {
    productivity.rows.push_back({static_cast<double>(p.fiscal_year), p.threshold,
                                 static_cast<double>(p.seats), p.mean_share, p.quantiles[1],
                                 p.quantiles[3], p.quantiles[5], p.coverage});
  }
  tables.push_back(std::move(productivity));
  return tables;
}

}  // namespace opsim
