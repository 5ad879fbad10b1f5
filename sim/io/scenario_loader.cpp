#include "sim/io/scenario_loader.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "models/outcome.hpp"
#include "sim/base/control_character.hpp"
#include "sim/base/error.hpp"
#include "sim/base/random.hpp"
#include "sim/engine/results.hpp"
#include "sim/io/assumptions.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/csv_source.hpp"
#include "sim/io/history_reader.hpp"
#include "sim/io/json_reader.hpp"
#include "sim/io/number_format.hpp"
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_money.hpp"

namespace opsim {

namespace {

constexpr int kMaxMonths = 120;
constexpr long long kMaxTrials = 100'000'000;
constexpr int kMaxCycleMonths = 60;
//! Known ids a message lists in full; beyond, the closest few.
constexpr std::size_t kListedIds = 8;

//! Name -> index tables with precise errors for unknown references.
class Names {
 public:
  explicit Names(std::string kind) : kind_(std::move(kind)) {}
  void add(const std::string& id, const JsonNode& where) {
    if (id.find_first_not_of(" \t\r\n") == std::string::npos)
      where.fail("\"{}\" is not a {} id (an id must not be empty or blank)", id, kind_);
    if (index_.count(id)) where.fail("duplicate {} id \"{}\"", kind_, id);
    index_.emplace(id, static_cast<int>(order_.size()));
    order_.push_back(id);
  }
  bool contains(const std::string& id) const { return index_.count(id) > 0; }
  int find(const std::string& id) const {
    auto it = index_.find(id);
    return it == index_.end() ? -1 : it->second;
  }
  std::string unknown_message(const std::string& id) const {
    // Review: an empty stage was asked "did you mean" a one-letter stage.
    if (id.find_first_not_of(" \t") == std::string::npos) {
      return order_.size() <= kListedIds
                 ? fmt::format("the value is empty (a {} is required: {})", kind_,
                               fmt::join(order_, ", "))
                 : fmt::format("the value is empty (a {} is required)", kind_);
    }
    std::string message = fmt::format("unknown {} \"{}\"", kind_, shown_value(id));
    const std::string suggestion = did_you_mean(id, order_);
    if (!suggestion.empty()) return message + fmt::format(" (did you mean \"{}\"?)", suggestion);
    if (order_.size() <= kListedIds)
      return message + fmt::format(" (known: {})", fmt::join(order_, ", "));
    return message + fmt::format(" (closest of {} known: {})", order_.size(),
                                 fmt::join(closest(id, order_, kListedIds), ", "));
  }
  int resolve(const JsonNode& node) const {
    const std::string id = node.string();
    const int i = find(id);
    if (i < 0) node.fail("{}", unknown_message(id));
    return i;
  }
  template <class Table>
  int resolve(const Table& table, const CsvRow& row, std::size_t column) const {
    const std::string& id = table.text(row, column);
    const int i = find(id);
    if (i < 0)
      throw_input("{}: column '{}': {}", table.where(row), table.header()[column],
                  unknown_message(id));
    return i;
  }
  std::size_t size() const { return order_.size(); }

 private:
  std::string kind_;
  std::map<std::string, int, std::less<>> index_;
  std::vector<std::string> order_;
};

//! "skip_stages "X", "Y" match no row" for the entries of `csv`'s skip_stages that left out no
//! row (a misspelling, or a stage the export does not have), or "" when each left out some.
std::string unmatched_skip_stages(const MappedCsv& csv) {
  std::vector<std::string> entries = csv.source().skip_stages, unmatched;
  std::sort(entries.begin(), entries.end());
  for (const std::string& entry : entries) {
    bool matched = false;
    for (const auto& [stage, count] : csv.skipped())
      matched = matched || (count > 0 && name_key(stage) == name_key(entry));
    if (!matched) unmatched.push_back(fmt::format("\"{}\"", entry));
  }
  if (unmatched.empty()) return "";
  return fmt::format("skip_stages {} {} no row", fmt::join(unmatched, ", "),
                     unmatched.size() == 1 ? "matches" : "match");
}

//! The ids of a section's CSV rows, each claimed as its row is read and before the row's other
//! cells, so that a repeat of a row in error is reported too, naming the line that gave the id
//! first (review: it went unsaid).
class CsvIds {
 public:
  //! `kind`: "deal"; `json_list`: the pointer of the section's JSON list ("/pipeline/deals").
  CsvIds(std::string kind, std::string json_list)
      : kind_(std::move(kind)), json_list_(std::move(json_list)) {}
  //! The row's id in `column`; InputError when an earlier row or the JSON list (`json`) has it.
  std::string claim(const MappedCsv& table, const CsvRow& row, std::size_t column,
                    const Names& json) {
    std::string id = table.required_text(row, column);
    const auto [first, fresh] = lines_.emplace(id, table.where(row));
    if (!fresh || json.contains(id)) {
      throw_input("{}: duplicate {} id \"{}\" (first at {})", table.where(row), kind_, id,
                  fresh ? json_list_ : first->second);
    }
    return id;
  }

 private:
  std::string kind_, json_list_;
  std::map<std::string, std::string> lines_;  //!< id -> the line that gave it first
};

struct Context {
  Context(Scenario& s, std::string dir, CsvCache* shared)
      : scenario(s), base_dir(std::move(dir)), cache(shared) {}
  Scenario& scenario;
  std::string base_dir;
  Names currencies{"currency"};
  Names regions{"region"};
  Names segments{"segment"};
  Names curves{"ramp curve"};
  Names stages{"stage"};
  Names seats{"rep"};
  //! Per seat, where its start was given (a CSV line and column, or a JSON pointer), for the
  //! warnings about it.
  std::vector<std::string> seat_places;
  //! Per pipeline deal, where it was given, for the checks of its credit once overlays are read.
  std::vector<std::string> deal_places;
  int schema_version = kSchemaVersion;

  CsvCache* cache = nullptr;
  CsvCache own_cache;
  InputErrorCollector errors;

  //! Set when an element later sections may refer to by id (a currency, region, ramp curve,
  //! segment or rep) failed before it was registered: references to it would fail too.
  bool lost_element = false;
  //! Seats of failed hires ("ID/"), and whether a failed hire's seat names are unknown.
  std::vector<std::string> lost_seat_prefixes;
  //! Ids of roster reps refused as ids (a control character): references to them are not
  //! "unknown rep" errors again (review: a NUL byte's one error came with one per deal); a rep
  //! whose id is empty sets seats_lost.
  std::set<std::string> refused_seat_ids;
  bool seats_lost = false;
  bool seat_lost(const std::string& id) const {
    return refused_seat_ids.contains(id) ||
           std::any_of(lost_seat_prefixes.begin(), lost_seat_prefixes.end(),
                       [&](const std::string& prefix) { return id.starts_with(prefix); });
  }
  //! `read()` of a rep's id; when it refuses `raw`, references to `raw` are not errors again.
  template <class Read>
  std::string seat_id(const std::string& raw, Read&& read) {
    try {
      return read();
    } catch (const InputError&) {
      // Also as the other files may spell it, without the control characters.
      std::string printable;
      for (char c : raw)
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) printable += c;
      for (const std::string& id : {raw, printable})
        if (!id.empty()) refused_seat_ids.insert(id);
      // A rep without a readable id: the sections that name seats are left out (review: every
      // deal of the rep whose id was blanked was an "unknown rep" with a wrong suggestion).
      if (printable.find_first_not_of(" \t") == std::string::npos) seats_lost = true;
      throw;
    }
  }

  //! Runs `step` on every row (item); the error of one is recorded and the next one read.
  //! `named`: the rows register ids, so a failed row sets lost_element.
  template <class Table, class Step>
  void each_row(const Table& table, Step&& step, bool named = false) {
    for (const auto& row : table.rows()) guard(named, [&] { step(row); });
  }
  template <class Step>
  void each_item(const JsonNode& list, Step&& step, bool named = false) {
    for (const auto& item : list.items()) guard(named, [&] { step(item); });
  }
  //! One field of an element: its error is recorded and the element read on (with the field's
  //! default), since nothing refers to a field. True when the field was read.
  template <class Step>
  bool field(Step&& step) {
    bool read = false;
    errors.collect([&] {
      step();
      read = true;
    });
    return read;
  }
  //! Ends validation when an element later sections would refer to has failed.
  void end_stage() const {
    if (lost_element) errors.throw_if_any();
  }
  //! Runs `step` (one element); `named`: a failure sets lost_element.
  template <class Step>
  void guard(bool named, Step&& step) {
    bool failed = true;  // the step threw: the element was not (fully) read
    errors.collect([&] {
      step();
      failed = false;
    });
    if (named && failed) lost_element = true;
  }

  //! The CSV file `node` names (a path, or an object with a path, a column map and formats
  //! whose columns name `fields`), recorded in the scenario's inputs; skipped rows are noted.
  MappedCsv read_csv(const JsonNode& node, const std::vector<std::string>& fields) {
    CsvSource source = read_csv_source(node, fields);
    const CsvTable& table = (cache ? cache : &own_cache)->get(resolve_path(source.path));
    InputDigest digest{source.path, table.sha256(), table.read_as()};
    auto& inputs = scenario.inputs;
    if (std::find(inputs.begin(), inputs.end(), digest) == inputs.end())
      inputs.push_back(std::move(digest));
    MappedCsv mapped(table, std::move(source));
    // Its section, as the other notes of a section (review: the note named none, and did not
    // separate thousands): "/pipeline/csv" -> "pipeline".
    const std::string& pointer = node.pointer();
    const std::string section =
        pointer.size() > 1 ? pointer.substr(1, pointer.find('/', 1) - 1) : std::string("csv");
    // Per skip_stages entry, the rows it left out, whatever their spelling (review: "CLOSED WON"
    // and "Closed Won" were counted apart), and an entry that matched none (a misspelling).
    std::vector<std::string> by_stage;
    std::vector<std::string> entries = mapped.source().skip_stages;
    std::sort(entries.begin(), entries.end());
    for (const std::string& entry : entries) {
      std::size_t n = 0;
      for (const auto& [stage, count] : mapped.skipped())
        n += name_key(stage) == name_key(entry) ? count : 0;
      if (n > 0)
        by_stage.push_back(fmt::format("{} {}", format_grouped(static_cast<double>(n)), entry));
    }
    if (const std::string unmatched = unmatched_skip_stages(mapped); !unmatched.empty()) {
      scenario.notes.push_back(
          fmt::format("{}: {}: {} (check the spelling against the stage column)", section,
                      table.name(), unmatched));
    }
    if (mapped.skipped_count() > 0) {
      scenario.notes.push_back(
          fmt::format("{}: {}: {} skipped by skip_stages ({})", section, table.name(),
                      format_count(static_cast<long long>(mapped.skipped_count()), "row"),
                      fmt::join(by_stage, ", ")));
    }
    // Amounts that may read '.' between thousands as a decimal point (12.000 as 12).
    for (const char* amount : {"amount", "arr"}) {
      if (std::find(fields.begin(), fields.end(), amount) == fields.end()) continue;
      try {
        if (const auto column = mapped.column(amount)) {
          if (auto doubt = mapped.decimal_doubt(*column))
            scenario.notes.push_back(fmt::format("{}: {}", section, *doubt));
        }
      } catch (const InputError&) {
        // A mapping error: the section reports it where it reads the column.
      }
    }
    return mapped;
  }

  std::string resolve_path(const std::string& path) const {
    std::filesystem::path p(path);
    return p.is_absolute() ? path
                           : (std::filesystem::path(base_dir) / p).lexically_normal().string();
  }
  int relative(int absolute_month) const { return absolute_month - scenario.calendar.start(); }
};

//! {"mean", "cv"}; a money amount (`money`) may also state its "currency".
LognormalSpec parse_lognormal(const JsonNode& node, bool money = false) {
  if (money) {
    node.allow_only({"mean", "cv", "currency"});
  } else {
    node.allow_only({"mean", "cv"});
  }
  LognormalSpec spec;
  spec.mean = node.at("mean").positive();
  if (auto cv = node.get("cv")) spec.cv = cv->number_in(0.0, 20.0, "a coefficient of variation");
  return spec;
}

//! {"mean", "cv"} (lognormal) or {"empirical": [amounts], "scale": factor} (each amount, times
//! the scale, equally likely), either with an optional "currency" (see scenario_money.hpp).
void parse_deal_size(const JsonNode& node, SegmentParams& p) {
  if (!node.is_object() || !node.has("empirical")) {
    p.deal_size = parse_lognormal(node, true);
    p.deal_size_sample.clear();
    return;
  }
  node.allow_only({"empirical", "scale", "currency"});
  const JsonNode list = node.at("empirical");
  if (list.size() == 0 || list.size() > 1'000'000) list.fail("needs 1..1000000 amounts");
  const double scale = node.has("scale") ? node.at("scale").positive() : 1.0;
  std::vector<double> sample;
  for (const auto& item : list.items()) sample.push_back(item.positive() * scale);
  std::sort(sample.begin(), sample.end());
  const double n = static_cast<double>(sample.size());
  const double mean = std::accumulate(sample.begin(), sample.end(), 0.0) / n;
  double ss = 0;
  for (double x : sample) ss += (x - mean) * (x - mean);
  p.deal_size = {mean, std::sqrt(ss / n) / mean};
  p.deal_size_sample = std::move(sample);
}

std::vector<double> parse_pmf(const JsonNode& node, int max_length) {
  std::vector<double> pmf;
  if (node.is_number()) {
    const auto k = node.integer(0, max_length - 1);
    pmf.assign(static_cast<std::size_t>(k) + 1, 0.0);
    pmf.back() = 1.0;
    return pmf;
  }
  const JsonNode list = node.is_object() ? (node.allow_only({"pmf"}), node.at("pmf")) : node;
  if (list.size() == 0 || list.size() > static_cast<std::size_t>(max_length)) {
    list.fail("needs 1..{} probabilities (P(0 months), P(1 month), ...)", max_length);
  }
  for (const auto& item : list.items()) pmf.push_back(item.non_negative());
  const double total = std::accumulate(pmf.begin(), pmf.end(), 0.0);
  if (std::abs(total - 1.0) > 1e-6)
    list.fail("probabilities sum to {:.8g} (must sum to 1 within 1e-6)", total);
  for (auto& p : pmf) p /= total;
  return pmf;
}

std::vector<AttritionBand> parse_attrition(const JsonNode& node) {
  std::vector<AttritionBand> bands;
  if (node.is_number()) {
    bands.push_back(
        {std::numeric_limits<int>::max(), node.number_in(0.0, 0.999999, "an annual rate")});
    return bands;
  }
  int previous = -1;
  const std::size_t count = node.size();
  for (std::size_t i = 0; i < count; ++i) {
    const JsonNode item = node.at(i);
    item.allow_only({"max_tenure_months", "annual"});
    AttritionBand band;
    band.annual_rate = item.at("annual").number_in(0.0, 0.999999, "an annual rate");
    if (auto max = item.get("max_tenure_months")) {
      band.max_tenure_months = static_cast<int>(max->integer(0, 1200));
      if (band.max_tenure_months <= previous) {
        max->fail("{} does not increase on the previous band ({})", band.max_tenure_months,
                  previous);
      }
      previous = band.max_tenure_months;
    } else if (i + 1 < count) {
      item.fail("only the last band may omit max_tenure_months");
    }
    bands.push_back(band);
  }
  if (bands.empty()) node.fail("needs at least one band");
  if (bands.back().max_tenure_months != std::numeric_limits<int>::max()) {
    node.fail("the last band must omit max_tenure_months (it covers all longer tenures)");
  }
  return bands;
}

const std::vector<std::string_view> kSegmentParamKeys = {"opportunity_rate",
                                                         "win_rate",
                                                         "quarter_end_win_multiplier",
                                                         "deal_size",
                                                         "cycle_months",
                                                         "contract_term_months",
                                                         "ramp_curve",
                                                         "attrition",
                                                         "backfill_lag_months",
                                                         "skill_cv",
                                                         "productivity_growth",
                                                         "churn_probability",
                                                         "expansion"};

//! Applies the members present in `node` onto `p`. With `errors`, a bad member is recorded there
//! and the others read on; without, it throws.
void apply_segment_params(const JsonNode& node, const Context& ctx, SegmentParams& p,
                          InputErrorCollector* errors = nullptr) {
  auto member = [&](std::string_view key, auto&& read) {
    auto v = node.get(key);
    if (!v) return;
    if (errors) {
      errors->collect([&] { read(*v); });
    } else {
      read(*v);
    }
  };
  member("opportunity_rate", [&](const JsonNode& v) {
    p.opportunity_rate = v.number_in(0.0, 1000.0, "a rate per rep-month");
  });
  member("win_rate", [&](const JsonNode& v) { p.win_rate = v.probability(); });
  member("quarter_end_win_multiplier", [&](const JsonNode& v) {
    p.quarter_end_win_multiplier = v.number_in(0.0, 10.0, "a multiplier");
  });
  member("deal_size", [&](const JsonNode& v) { parse_deal_size(v, p); });
  member("cycle_months", [&](const JsonNode& v) { p.cycle_pmf = parse_pmf(v, kMaxCycleMonths); });
  member("contract_term_months",
         [&](const JsonNode& v) { p.contract_term_months = static_cast<int>(v.integer(1, 120)); });
  member("ramp_curve", [&](const JsonNode& v) { p.ramp_curve = ctx.curves.resolve(v); });
  member("attrition", [&](const JsonNode& v) { p.attrition = parse_attrition(v); });
  member("backfill_lag_months", [&](const JsonNode& v) {
    if (v.is_string() && v.string() == "none") {
      p.backfill_lag_months = -1;
    } else if (v.is_string()) {
      v.fail("\"{}\" is not allowed (a number of months 0..60, or \"none\")", v.string());
    } else {
      p.backfill_lag_months = static_cast<int>(v.integer(0, 60));
    }
  });
  member("skill_cv", [&](const JsonNode& v) {
    p.skill_cv = v.number_in(0.0, 5.0, "a coefficient of variation");
  });
  member("productivity_growth", [&](const JsonNode& v) {
    p.productivity_growth = v.number_in(-0.9, 10.0, "an annual growth rate");
  });
  member("churn_probability", [&](const JsonNode& v) { p.churn_probability = v.probability(); });
  member("expansion", [&](const JsonNode& v) {
    v.allow_only({"mean", "sd"});
    p.expansion.mean = v.at("mean").number_in(-1.0, 10.0, "a relative change");
    if (auto sd = v.get("sd")) p.expansion.sd = sd->number_in(0.0, 10.0, "a standard deviation");
  });
}

void parse_horizon(const JsonNode& root, Context& ctx) {
  const JsonNode h = root.at("horizon");
  const std::size_t errors_before = ctx.errors.size();
  ctx.field([&] {
    h.allow_only({"start", "months", "fiscal_year_start_month", "reporting_currency"});
  });
  int start = 0, months = 1, fiscal_start = 1;
  ctx.field([&] { start = h.at("start").year_month(); });
  ctx.field([&] { months = static_cast<int>(h.at("months").integer(1, kMaxMonths)); });
  ctx.field([&] {
    if (auto f = h.get("fiscal_year_start_month"))
      fiscal_start = static_cast<int>(f->integer(1, 12));
  });
  // Every month and size in the scenario is read against the horizon.
  if (ctx.errors.size() > errors_before) ctx.lost_element = true;
  ctx.scenario.calendar = Calendar(start, months, fiscal_start);
}

void parse_fx(const JsonNode& root, Context& ctx) {
  auto& fx = ctx.scenario.fx;
  const JsonNode reporting_node = root.at("horizon").at("reporting_currency");
  const std::string reporting = reporting_node.string();
  if (!is_currency_code(reporting))
    reporting_node.fail("\"{}\" is not an ISO 4217 currency code {}", reporting,
                        currency_code_hint(reporting));
  std::vector<JsonNode> listed;
  std::optional<JsonNode> correlation;
  if (auto node = root.get("fx")) {
    node->allow_only({"currencies", "correlation"});
    if (auto list = node->get("currencies")) listed = list->items();
    correlation = node->get("correlation");
  }
  for (const auto& item : listed) {
    ctx.guard(true, [&] {
      item.expect_object();
      ctx.field([&] { item.allow_only({"code", "plan_rate", "annual_volatility"}); });
      Currency c;
      c.code = item.at("code").string();
      if (!is_currency_code(c.code))
        item.at("code").fail("\"{}\" is not an ISO 4217 currency code {}", c.code,
                             currency_code_hint(c.code));
      c.key = stable_hash("currency:" + c.code);
      ctx.currencies.add(c.code, item.at("code"));
      ctx.field([&] {
        if (auto rate = item.get("plan_rate")) c.plan_rate = rate->positive();
      });
      ctx.field([&] {
        if (auto vol = item.get("annual_volatility"))
          c.annual_vol = vol->number_in(0.0, 2.0, "an annual volatility");
      });
      ctx.field([&] {
        if (c.code == reporting && (c.plan_rate != 1.0 || c.annual_vol != 0.0)) {
          item.fail("the reporting currency {} must have plan_rate 1 and annual_volatility 0",
                    c.code);
        }
        if (c.code != reporting && !item.has("plan_rate")) {
          item.fail("plan_rate is required ({} units per {})", reporting, c.code);
        }
      });
      fx.currencies.push_back(c);
    });
  }
  // A currency that failed leaves the correlation matrix's size unknown.
  if (ctx.lost_element) return;
  const std::size_t listed_count = fx.currencies.size();
  if (!ctx.currencies.contains(reporting)) {
    ctx.currencies.add(reporting, reporting_node);
    fx.currencies.push_back({reporting, stable_hash("currency:" + reporting), 1.0, 0.0});
  }
  fx.reporting = ctx.currencies.find(reporting);
  const std::size_t n = fx.currencies.size();
  Eigen::MatrixXd corr =
      Eigen::MatrixXd::Identity(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  if (correlation) {
    if (correlation->size() != listed_count) {
      correlation->fail("has {} rows; needs one per currency in /fx/currencies ({})",
                        correlation->size(), listed_count);
    }
    for (std::size_t i = 0; i < listed_count; ++i) {
      const JsonNode row = correlation->at(i);
      if (row.size() != listed_count)
        row.fail("has {} entries; needs {}", row.size(), listed_count);
      for (std::size_t j = 0; j < listed_count; ++j) {
        corr(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) =
            row.at(j).number_in(-1.0, 1.0, "a correlation");
      }
    }
  }
  auto factor = [&](const Eigen::MatrixXd& m, const JsonNode& where) {
    if (!m.isApprox(m.transpose(), 1e-12)) where.fail("the correlation matrix is not symmetric");
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      if (m(i, i) != 1.0) where.fail("diagonal entry {} is {} (must be 1)", i, m(i, i));
    }
    Eigen::LLT<Eigen::MatrixXd> llt(m);
    if (llt.info() != Eigen::Success) where.fail("the correlation matrix is not positive definite");
    return Eigen::MatrixXd(llt.matrixL());
  };
  fx.cholesky = factor(corr, correlation ? *correlation : root);
}

void parse_regions(const JsonNode& root, Context& ctx) {
  const JsonNode list = root.at("regions");
  if (list.size() == 0) list.fail("needs at least one region");
  ctx.each_item(
      list,
      [&](const JsonNode& item) {
        item.expect_object();
        ctx.field([&] { item.allow_only({"id", "currency", "seasonality"}); });
        Region region;
        region.id = item.at("id").id();
        ctx.regions.add(region.id, item.at("id"));
        region.currency = ctx.scenario.fx.reporting;
        ctx.field([&] {
          if (item.has("currency")) region.currency = ctx.currencies.resolve(item.at("currency"));
        });
        region.seasonality.fill(1.0);
        ctx.field([&] {
          auto season = item.get("seasonality");
          if (!season) return;
          if (season->size() != 12)
            season->fail("has {} values; needs 12 (January..December)", season->size());
          std::array<double, 12> values{};
          for (int m = 0; m < 12; ++m) values[m] = season->at(m).positive();
          const double sum = std::accumulate(values.begin(), values.end(), 0.0);
          for (int m = 0; m < 12; ++m) region.seasonality[m] = values[m] * 12.0 / sum;
        });
        ctx.scenario.regions.push_back(region);
      },
      true);
}

void parse_ramp_curves(const JsonNode& root, Context& ctx) {
  auto list = root.get("ramp_curves");
  if (!list) return;
  ctx.each_item(
      *list,
      [&](const JsonNode& item) {
        item.expect_object();
        ctx.field([&] { item.allow_only({"id", "fraction"}); });
        RampCurve curve;
        curve.id = item.at("id").id();
        ctx.curves.add(curve.id, item.at("id"));
        ctx.field([&] {
          for (const auto& f : item.at("fraction").items()) {
            curve.fraction.push_back(1.0);
            ctx.field(
                [&] { curve.fraction.back() = f.number_in(0.0, 2.0, "a productivity fraction"); });
          }
        });
        ctx.scenario.ramp_curves.push_back(curve);
      },
      true);
}

//! `base` gets each segment's parameters and `base_currency` the currency its deal_size is in.
void parse_segments(const JsonNode& root, Context& ctx, std::vector<SegmentParams>& base,
                    std::vector<int>& base_currency) {
  const JsonNode list = root.at("segments");
  if (list.size() == 0) list.fail("needs at least one segment");
  ctx.each_item(
      list,
      [&](const JsonNode& item) {
        item.expect_object();
        for (const auto& key : item.keys()) {
          if (key == "id" || std::find(kSegmentParamKeys.begin(), kSegmentParamKeys.end(), key) !=
                                 kSegmentParamKeys.end())
            continue;
          std::vector<std::string> allowed{"id"};
          allowed.insert(allowed.end(), kSegmentParamKeys.begin(), kSegmentParamKeys.end());
          const auto suggestion = did_you_mean(key, allowed);
          ctx.field([&] {
            item.at(key).fail(
                "unknown key \"{}\"{}", key,
                suggestion.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", suggestion));
          });
        }
        Segment segment;
        segment.id = item.at("id").id();
        ctx.segments.add(segment.id, item.at("id"));
        SegmentParams params;
        apply_segment_params(item, ctx, params, &ctx.errors);
        ctx.field([&] {
          if (params.opportunity_rate > 0 && !item.has("deal_size"))
            item.fail("deal_size is required when opportunity_rate is above 0");
        });
        const int fallback = default_deal_size_currency(ctx.schema_version, ctx.scenario.fx, false);
        int currency = kRegionCurrency;
        ctx.field([&] {
          if (item.has("deal_size"))
            currency = stated_currency(item.at("deal_size"), ctx.scenario.fx, fallback);
        });
        ctx.scenario.segments.push_back(segment);
        base.push_back(params);
        base_currency.push_back(currency);
      },
      true);
}

void parse_products(const JsonNode& root, Context& ctx) {
  auto list = root.get("products");
  if (!list) return;
  Names ids("product");
  std::vector<double> share_sum(ctx.scenario.segments.size(), 0.0);
  const std::size_t errors_before = ctx.errors.size();
  ctx.each_item(*list, [&](const JsonNode& item) {
    item.expect_object();
    ctx.field([&] {
      item.allow_only({"id", "segment", "share", "win_rate", "quarter_end_win_multiplier",
                       "deal_size", "cycle_months", "contract_term_months"});
    });
    Product product;
    product.id = item.at("id").id();
    ids.add(product.id, item.at("id"));
    product.segment = ctx.segments.resolve(item.at("segment"));
    ctx.field([&] {
      product.share =
          item.at("share").number_in(0.0, 1.0, "a share of the segment's opportunities");
    });
    auto member = [&](std::string_view key, auto&& read) {
      if (auto v = item.get(key)) ctx.field([&] { read(*v); });
    };
    member("win_rate", [&](const JsonNode& v) { product.win_rate = v.probability(); });
    member("quarter_end_win_multiplier", [&](const JsonNode& v) {
      product.quarter_end_win_multiplier = v.number_in(0.0, 10.0, "a multiplier");
    });
    member("deal_size", [&](const JsonNode& v) {
      product.deal_size = parse_lognormal(v, true);
      const int currency =
          stated_currency(v, ctx.scenario.fx,
                          default_deal_size_currency(ctx.schema_version, ctx.scenario.fx, false));
      if (currency != kRegionCurrency) {
        for (int r = 0; r < ctx.scenario.region_count(); ++r)
          product.deal_size_to_region.push_back(to_region_factor(ctx.scenario, currency, r));
      }
    });
    member("cycle_months",
           [&](const JsonNode& v) { product.cycle_pmf = parse_pmf(v, kMaxCycleMonths); });
    member("contract_term_months", [&](const JsonNode& v) {
      product.contract_term_months = static_cast<int>(v.integer(1, 120));
    });
    share_sum[product.segment] += product.share;
    ctx.scenario.products.push_back(std::move(product));
  });
  // A product that failed would make its segment's sum wrong: the sums are checked without one.
  if (ctx.errors.size() > errors_before) return;
  for (std::size_t s = 0; s < share_sum.size(); ++s) {
    if (share_sum[s] > 0 && std::abs(share_sum[s] - 1.0) > 1e-6) {
      list->fail("the shares of segment \"{}\"'s products sum to {} (must sum to 1)",
                 ctx.scenario.segments[s].id, format_user_value(share_sum[s]));
    }
  }
}

void parse_overrides(const JsonNode& root, Context& ctx, const std::vector<SegmentParams>& base,
                     const std::vector<int>& base_currency) {
  Scenario& sc = ctx.scenario;
  const int months = sc.months();
  const int S = sc.segment_count();
  sc.params.resize(static_cast<std::size_t>(sc.region_count()) * S * months);
  for (int r = 0; r < sc.region_count(); ++r) {
    for (int s = 0; s < S; ++s) {
      SegmentParams regional = base[s];
      scale_deal_size(regional, to_region_factor(sc, base_currency[s], r));
      for (int m = 0; m < months; ++m)
        sc.params[(static_cast<std::size_t>(r) * S + s) * months + m] = regional;
    }
  }
  auto list = root.get("overrides");
  if (!list) return;
  std::vector<bool> deal_size_given(sc.params.size());
  for (int s = 0; s < S; ++s) {
    if (!root.at("segments").at(static_cast<std::size_t>(s)).has("deal_size")) continue;
    for (int r = 0; r < sc.region_count(); ++r) {
      const auto first = (static_cast<std::size_t>(r) * S + s) * months;
      std::fill_n(deal_size_given.begin() + static_cast<std::ptrdiff_t>(first), months, true);
    }
  }
  ctx.each_item(*list, [&](const JsonNode& item) {
    item.expect_object();
    const std::size_t errors_before = ctx.errors.size();
    ctx.field([&] { item.allow_only({"region", "segment", "from", "set"}); });
    int region = -1, segment = -1, from = 0;
    ctx.field([&] {
      if (item.has("region")) region = ctx.regions.resolve(item.at("region"));
    });
    ctx.field([&] {
      if (item.has("segment")) segment = ctx.segments.resolve(item.at("segment"));
    });
    ctx.field([&] {
      if (auto f = item.get("from")) from = std::max(0, ctx.relative(f->year_month()));
    });
    const JsonNode set = item.at("set");
    set.expect_object();
    ctx.field([&] { set.allow_only(kSegmentParamKeys); });
    // Each member is checked once here (not once per cell it applies to).
    SegmentParams checked;
    apply_segment_params(set, ctx, checked, &ctx.errors);
    if (ctx.errors.size() > errors_before) return;
    const int deal_size_currency =
        set.has("deal_size")
            ? stated_currency(set.at("deal_size"), sc.fx,
                              default_deal_size_currency(ctx.schema_version, sc.fx, region >= 0))
            : kRegionCurrency;
    for (int r = 0; r < sc.region_count(); ++r) {
      if (region >= 0 && r != region) continue;
      for (int s = 0; s < S; ++s) {
        if (segment >= 0 && s != segment) continue;
        for (int m = from; m < months; ++m) {
          const std::size_t cell = (static_cast<std::size_t>(r) * S + s) * months + m;
          apply_segment_params(set, ctx, sc.params[cell]);
          if (set.has("deal_size")) {
            scale_deal_size(sc.params[cell], to_region_factor(sc, deal_size_currency, r));
            deal_size_given[cell] = true;
          }
          // Without a deal size, won deals would silently be worth the default 1 currency unit.
          if (sc.params[cell].opportunity_rate > 0 && !deal_size_given[cell]) {
            set.fail(
                "deal_size is required: opportunity_rate is above 0 for {}/{} from {}, and "
                "neither the segment nor an override gives a deal size",
                sc.regions[r].id, sc.segments[s].id, format_year_month(sc.calendar.absolute(m)));
          }
        }
      }
    }
  });
}

//! Reps and hires starting after the horizon (their seat stays vacant throughout) or more than
//! 50 years before it are warned about: usually a typo in a date (or a two-digit year read in
//! the wrong century: strptime's %y takes 68 as 2068). Each warning names where the start was
//! given (`places`, per seat; review: it named the scenario file, not the roster's line).
void warn_implausible_starts(Scenario& sc, const std::vector<std::string>& places) {
  constexpr int kEarliest = -50 * 12;
  for (std::size_t i = 0; i < sc.seats.size(); ++i) {
    const Seat& seat = sc.seats[i];
    if (seat.start < sc.months() && seat.start >= kEarliest) continue;
    sc.warnings.push_back(fmt::format("{}: {} \"{}\" starts in {}, {} the horizon ({}..{})",
                                      i < places.size() ? places[i] : sc.source,
                                      seat.planned_hire ? "hire" : "rep", seat.id,
                                      format_year_month(sc.calendar.absolute(seat.start)),
                                      seat.start < 0 ? "over 50 years before" : "after the end of",
                                      format_year_month(sc.calendar.start()),
                                      format_year_month(sc.calendar.absolute(sc.months() - 1))));
  }
}

//! `place`: where the seat's start was given (warn_implausible_starts).
void add_seat(Context& ctx, Seat seat, const JsonNode& where, std::string place) {
  ctx.seats.add(seat.id, where);
  seat.key = stable_hash("seat:" + seat.id);
  ctx.scenario.seats.push_back(std::move(seat));
  ctx.seat_places.push_back(std::move(place));
}

void parse_roster(const JsonNode& root, Context& ctx) {
  auto roster = root.get("roster");
  if (!roster) return;
  roster->allow_only({"reps", "csv"});
  if (auto reps = roster->get("reps")) {
    ctx.each_item(*reps, [&](const JsonNode& item) {
      item.expect_object();
      ctx.field([&] { item.allow_only({"id", "region", "segment", "start", "role"}); });
      Seat seat;
      const JsonNode id = item.at("id");
      seat.id = ctx.seat_id(id.json().is_string() ? id.json().get<std::string>() : std::string(),
                            [&] { return id.id(); });
      ctx.field([&] { seat.region = ctx.regions.resolve(item.at("region")); });
      ctx.field([&] { seat.segment = ctx.segments.resolve(item.at("segment")); });
      ctx.field([&] {
        if (auto role = item.get("role")) seat.role = role->string();
      });
      ctx.field([&] { seat.start = ctx.relative(item.at("start").year_month()); });
      add_seat(ctx, std::move(seat), item.at("id"),
               item.has("start") ? item.at("start").where() : item.where());
    });
  }
  if (auto csv = roster->get("csv")) {
    const MappedCsv table =
        ctx.read_csv(*csv, {"id", "region", "segment", "start", "role", "stage"});
    const auto id = table.require_column("id"), region = table.require_column("region"),
               segment = table.require_column("segment"), start = table.require_column("start");
    const auto role = table.column("role");
    ctx.each_row(table, [&](const CsvRow& row) {
      Seat seat;
      seat.id = ctx.seat_id(table.text(row, id), [&] { return table.required_text(row, id); });
      if (role) seat.role = table.text(row, *role);
      if (ctx.seats.contains(seat.id)) {
        // Not lost: the first row of that id is read.
        ctx.field([&] { throw_input("{}: duplicate rep id \"{}\"", table.where(row), seat.id); });
        return;
      }
      ctx.field([&] { seat.region = ctx.regions.resolve(table, row, region); });
      ctx.field([&] { seat.segment = ctx.segments.resolve(table, row, segment); });
      ctx.field([&] { seat.start = ctx.relative(table.month(row, start)); });
      add_seat(ctx, std::move(seat), *csv,
               fmt::format("{}: column '{}'", table.where(row), table.header()[start]));
    });
  }
}

void parse_hiring_plan(const JsonNode& root, Context& ctx) {
  auto plan = root.get("hiring_plan");
  if (!plan) return;
  for (const auto& item : plan->items()) {
    bool added = false;
    std::string prefix;  // of the item's seat ids, once known
    ctx.guard(false, [&] {
      item.expect_object();
      ctx.field([&] {
        item.allow_only({"id", "region", "segment", "requisition_month", "count",
                         "time_to_fill_months", "role"});
      });
      if (item.has("id")) prefix = item.at("id").id();
      // Field by field, each error reported (review: an unknown region hid the unknown segment,
      // a bad month the negative count); the seats only when every field was read.
      int region = -1, segment = -1, requisition = 0;
      long long count = 0;
      bool read = ctx.field([&] { region = ctx.regions.resolve(item.at("region")); });
      read &= ctx.field([&] { segment = ctx.segments.resolve(item.at("segment")); });
      read &= ctx.field([&] { requisition = item.at("requisition_month").year_month(); });
      read &= ctx.field([&] { count = item.at("count").integer(0, 100000); });
      int time_to_fill = 0;
      read &= ctx.field([&] {
        if (auto t = item.get("time_to_fill_months"))
          time_to_fill = static_cast<int>(t->integer(0, 36));
      });
      std::string role;
      read &= ctx.field([&] {
        if (auto r = item.get("role")) role = r->string();
      });
      if (region >= 0 && segment >= 0 && prefix.empty() && requisition != 0)
        prefix = fmt::format("hire/{}/{}/{}", ctx.scenario.regions[region].id,
                             ctx.scenario.segments[segment].id, format_year_month(requisition));
      // Each error is recorded already: the hire fails without another message.
      if (!read) throw InputErrors({}, false);
      for (long long k = 0; k < count; ++k) {
        Seat seat;
        seat.id = planned_seat_id(prefix, k + 1);
        seat.region = region;
        seat.segment = segment;
        seat.role = role;
        seat.start = ctx.relative(requisition + time_to_fill);
        seat.planned_hire = true;
        add_seat(ctx, std::move(seat), item, item.where());
      }
      added = true;
    });
    if (added) continue;
    // The seats of a failed hire are named "PREFIX/1", ...: references to them are not errors
    // again. When the prefix is unknown too, the sections naming seats are left out.
    if (!prefix.empty())
      ctx.lost_seat_prefixes.push_back(prefix + "/");
    else
      ctx.seats_lost = true;
  }
}

//! Seat productivity = (seat potential / mean seat potential)^beta; a territory shared by k
//! seats gives each seat potential / k. Seats without a territory keep productivity 1.
void parse_territory_potential(const JsonNode& root, Context& ctx) {
  auto node = root.get("territory_potential");
  if (!node) return;
  node->allow_only({"beta", "territories", "csv", "seat_column", "potential_column"});
  const double beta = node->at("beta").number_in(
      0.0, 5.0, "an elasticity (0 = potential does not matter, 1 = proportional)");
  struct Row {
    std::string territory;
    int seat;
    double potential;
    std::string where;
  };
  std::vector<Row> rows;
  auto check = [&](const Row& row) {
    for (const Row& other : rows) {
      if (other.seat == row.seat) {
        throw_input("{}: seat \"{}\" already has territory \"{}\" (a seat owns one territory)",
                    row.where, ctx.scenario.seats[row.seat].id, other.territory);
      }
    }
  };
  if (auto list = node->get("territories")) {
    ctx.each_item(*list, [&](const JsonNode& item) {
      item.expect_object();
      ctx.field([&] { item.allow_only({"id", "seat", "potential"}); });
      if (item.has("seat") && item.at("seat").is_string() &&
          ctx.seat_lost(item.at("seat").string()))
        return;  // its hire's error is reported
      Row row{item.at("id").id(), ctx.seats.resolve(item.at("seat")),
              item.at("potential").positive(), item.where()};
      check(row);
      rows.push_back(row);
    });
  }
  if (auto csv = node->get("csv")) {
    const MappedCsv table =
        ctx.read_csv(*csv, {"territory", "seat", "owner", "potential", "stage"});
    const auto territory = table.require_column("territory");
    // `opsim territories` writes the owner column; a plain territory table names it seat.
    std::size_t seat = 0;
    if (auto name = node->get("seat_column")) {
      seat = table.require_column(name->string());
    } else {
      auto found = table.column("seat");
      seat = found ? *found : table.require_column("owner");
    }
    const auto potential = table.require_column(
        node->has("potential_column") ? node->at("potential_column").string() : "potential");
    ctx.each_row(table, [&](const CsvRow& row) {
      if (table.text(row, seat).empty()) return;  // vacant territory: no seat to scale
      if (ctx.seat_lost(table.text(row, seat))) return;
      Row r{table.text(row, territory), ctx.seats.resolve(table, row, seat),
            table.number(row, potential), table.where(row)};
      if (!(r.potential > 0))
        throw_input("{}: column '{}': {} is not positive (a potential must be > 0)",
                    table.where(row), table.header()[potential], r.potential);
      check(r);
      rows.push_back(r);
    });
  }
  if (!ctx.errors.empty()) return;  // the mean potential needs every row
  if (rows.empty()) node->fail("maps no seat to a territory (give territories or csv)");
  std::map<std::string, int> seats_per_territory;
  for (const Row& row : rows) ++seats_per_territory[row.territory];
  double mean = 0;
  for (const Row& row : rows) mean += row.potential / seats_per_territory[row.territory];
  mean /= static_cast<double>(rows.size());
  for (const Row& row : rows) {
    Seat& seat = ctx.scenario.seats[row.seat];
    seat.territory = row.territory;
    seat.productivity = std::pow(row.potential / seats_per_territory[row.territory] / mean, beta);
  }
}

void parse_intensity(const JsonNode& root, Context& ctx) {
  auto list = root.get("new_business_intensity");
  if (!list) return;
  Scenario& sc = ctx.scenario;
  ctx.each_item(*list, [&](const JsonNode& item) {
    item.expect_object();
    ctx.field([&] { item.allow_only({"region", "segment", "opportunities_per_month"}); });
    IntensitySpec spec;
    spec.region = ctx.regions.resolve(item.at("region"));
    spec.segment = ctx.segments.resolve(item.at("segment"));
    const std::string cell = sc.regions[spec.region].id + "/" + sc.segments[spec.segment].id;
    // The cell names the random stream: a second entry would repeat the first one's draws.
    for (std::size_t i = 0; i < sc.intensities.size(); ++i) {
      if (sc.intensities[i].region == spec.region && sc.intensities[i].segment == spec.segment) {
        item.fail(
            "{} already has a new-business intensity at /new_business_intensity/{} "
            "(give one entry per region and segment)",
            cell, i);
      }
    }
    spec.key = stable_hash("intensity:" + cell);
    const JsonNode per_month = item.at("opportunities_per_month");
    if (per_month.is_number()) {
      const double base = per_month.number_in(0.0, 1e6, "an opportunity count per month");
      for (int m = 0; m < sc.months(); ++m) {
        const double season =
            sc.regions[spec.region].seasonality[sc.calendar.calendar_month(m) - 1];
        const double growth = std::pow(
            1.0 + sc.params_at(spec.region, spec.segment, m).productivity_growth, m / 12.0);
        spec.opportunities.push_back(base * season * growth);
      }
    } else {
      if (per_month.size() != static_cast<std::size_t>(sc.months())) {
        per_month.fail("has {} values; needs one per horizon month ({})", per_month.size(),
                       sc.months());
      }
      for (const auto& v : per_month.items())
        spec.opportunities.push_back(v.number_in(0.0, 1e6, "an opportunity count per month"));
    }
    sc.intensities.push_back(std::move(spec));
  });
}

//! plan.overlays: [{role, regions?, segments?, share}]. Read with the scenario because overlay
//! seats sell nothing of their own, in every command.
void parse_overlays(const JsonNode& root, Context& ctx) {
  auto plan = root.get("plan");
  if (!plan) return;
  auto list = plan->get("overlays");
  if (!list) return;
  Scenario& sc = ctx.scenario;
  ctx.each_item(*list, [&](const JsonNode& item) {
    item.expect_object();
    item.allow_only({"role", "regions", "segments", "share"});
    Overlay overlay;
    overlay.role = item.at("role").string();
    overlay.share = item.at("share").number_in(0.0, 1.0, "a share of the cells' bookings");
    auto cover = [&](std::string_view key, Names& names, std::size_t count) {
      std::vector<char> covered(count, 0);
      auto ids = item.get(key);
      if (!ids) return std::vector<char>(count, 1);
      for (const auto& id : ids->items()) covered[static_cast<std::size_t>(names.resolve(id))] = 1;
      return covered;
    };
    overlay.regions = cover("regions", ctx.regions, sc.regions.size());
    overlay.segments = cover("segments", ctx.segments, sc.segments.size());
    sc.overlays.push_back(std::move(overlay));
    bind_overlay_seats(sc);
    if (!sc.overlays.back().seats.empty()) return;
    std::vector<std::string> roles;
    for (const Seat& seat : sc.seats) {
      if (!seat.role.empty() && std::find(roles.begin(), roles.end(), seat.role) == roles.end())
        roles.push_back(seat.role);
    }
    item.at("role").fail(
        "no seat of role \"{}\" in the overlay's regions (roles: {})", sc.overlays.back().role,
        roles.empty() ? std::string("none") : fmt::format("{}", fmt::join(roles, ", ")));
  });
}

//! A pipeline deal's owner and splits must be selling seats: a seat holding an overlay role is
//! credited with its overlay's share of every booking of its regions, so a deal naming it was
//! credited twice, and the sellers' credit (region bookings, coverage) fell short (review).
void require_selling_credit(Context& ctx) {
  const Scenario& sc = ctx.scenario;
  const auto& deals = sc.pipeline.deals;
  for (std::size_t i = 0; i < deals.size() && i < ctx.deal_places.size(); ++i) {
    const PipelineDeal& deal = deals[i];
    std::vector<int> named{deal.owner};
    for (const DealSplit& split : deal.splits) named.push_back(split.seat);
    for (std::size_t k = 0; k < named.size(); ++k) {
      if (named[k] < 0 || !sc.seats[static_cast<std::size_t>(named[k])].overlay) continue;
      const Seat& seat = sc.seats[static_cast<std::size_t>(named[k])];
      ctx.errors.collect([&] {
        throw_input(
            "{}: deal \"{}\": {} \"{}\" holds the overlay role \"{}\" (plan.overlays), which is "
            "credited its share of every booking of its regions; a deal's owner and splits are "
            "selling seats",
            ctx.deal_places[i], deal.id, k == 0 ? "owner" : "split seat", seat.id, seat.role);
      });
    }
  }
}

//! Owners (seat ids) of a section's records (pipeline deals, installed-base contracts). An owner
//! not in the roster or hiring plan (a rep who left) is an error, or with the section's
//! `unknown_owner: "unowned"` a record without an owner, counted in a note.
class Owners {
 public:
  Owners(const JsonNode& section, Context& ctx, std::string section_name, std::string records)
      : ctx_(ctx), section_(std::move(section_name)), records_(std::move(records)) {
    ctx.field([&] {
      if (auto policy = section.get("unknown_owner")) {
        const std::string value = policy->string();
        if (value != "error" && value != "unowned")
          policy->fail("\"{}\" is not allowed (\"error\" or \"unowned\")", value);
        keep_unowned_ = value == "unowned";
      }
    });
  }
  //! The seat index of `id`, or -1; `fail_unknown` reports an unknown owner.
  template <class Fail>
  int seat(const std::string& id, Fail&& fail_unknown) {
    const int seat = ctx_.seats.find(id);
    if (seat >= 0) return seat;
    if (ctx_.seat_lost(id)) return -1;  // its hire's error is reported
    if (!keep_unowned_) fail_unknown();
    ++unknown_[id];
    return -1;
  }
  void note() const {
    if (unknown_.empty()) return;
    std::size_t count = 0;
    std::vector<std::string> ids;
    for (const auto& [owner, n] : unknown_) {
      count += n;
      ids.push_back(owner);
    }
    constexpr std::size_t kListed = 5;
    ctx_.scenario.notes.push_back(fmt::format(
        "{}: {} of {} not in the roster {} unowned (unknown_owner: unowned): {}", section_,
        format_count(static_cast<long long>(count), records_.substr(0, records_.size() - 1),
                     records_),
        format_count(static_cast<long long>(ids.size()), "owner"), count == 1 ? "is" : "are",
        list_some(ids, kListed)));
  }

 private:
  Context& ctx_;
  std::string section_, records_;
  bool keep_unowned_ = false;
  std::map<std::string, std::size_t> unknown_;  // owner id -> records
};

void parse_pipeline(const JsonNode& root, Context& ctx) {
  auto node = root.get("pipeline");
  if (!node) return;
  node->allow_only({"stages", "deals", "csv", "slip", "amount_factor", "amount_spread",
                    "quarter_end_effect", "unknown_owner"});
  auto& pipeline = ctx.scenario.pipeline;
  Owners owners(*node, ctx, "pipeline", "deals");
  auto owner_of = [&](const std::string& id, auto&& fail_unknown) {
    return owners.seat(id, fail_unknown);
  };
  bool stage_lost = false;
  for (const auto& item : node->at("stages").items()) {
    bool registered = false;
    ctx.guard(false, [&] {
      item.expect_object();
      ctx.field([&] { item.allow_only({"id", "win_probability"}); });
      Stage stage{item.at("id").id(), 0.0};
      ctx.stages.add(stage.id, item.at("id"));
      registered = true;
      ctx.field([&] { stage.win_probability = item.at("win_probability").probability(); });
      pipeline.stages.push_back(stage);
    });
    stage_lost = stage_lost || !registered;
  }
  if (auto slip = node->get("slip")) {
    ctx.field([&] { slip->allow_only({"pmf", "decay_per_month", "overdue_decay_per_month"}); });
    ctx.field([&] {
      if (auto pmf = slip->get("pmf")) pipeline.slip_pmf = parse_pmf(*pmf, kMaxMonths);
    });
    ctx.field([&] {
      if (auto d = slip->get("decay_per_month"))
        pipeline.slip_decay = d->number_in(0.0, 1.0, "a decay factor");
    });
    ctx.field([&] {
      if (auto d = slip->get("overdue_decay_per_month"))
        pipeline.overdue_decay = d->number_in(0.0, 1.0, "a decay factor");
    });
  }
  ctx.field([&] {
    if (auto factor = node->get("amount_factor")) pipeline.amount_factor = parse_lognormal(*factor);
  });
  ctx.field([&] {
    if (auto spread = node->get("amount_spread")) {
      const std::string value = spread->string();
      if (value != "none" && value != "deal_size")
        spread->fail("\"{}\" is not allowed (\"none\" or \"deal_size\")", value);
      pipeline.amount_spread_deal_size = value == "deal_size";
    }
  });
  ctx.field([&] {
    if (auto qe = node->get("quarter_end_effect")) pipeline.quarter_end_effect = qe->boolean();
  });
  // Deals name their stage: with a stage lost, every deal of it would fail too.
  if (stage_lost) return;

  // A deal's product: one of its segment's. `fail` reports a message at the deal's field.
  auto deal_product = [&](const std::string& id, int segment, auto&& fail) {
    const auto& products = ctx.scenario.products;
    for (std::size_t j = 0; j < products.size(); ++j) {
      if (products[j].id != id) continue;
      if (products[j].segment != segment)
        fail(fmt::format("product \"{}\" is sold in segment \"{}\", not the deal's \"{}\"", id,
                         ctx.scenario.segments[products[j].segment].id,
                         ctx.scenario.segments[segment].id));
      return static_cast<int>(j);
    }
    std::vector<std::string> known;
    for (const auto& product : products)
      if (product.segment == segment) known.push_back(product.id);
    fail(fmt::format(
        "\"{}\" is not a product of segment \"{}\" (products: {})", id,
        ctx.scenario.segments[segment].id,
        known.empty() ? std::string("none") : fmt::format("{}", fmt::join(known, ", "))));
    return -1;
  };
  // Split credit: shares of the deal's credit; the owner keeps the rest.
  auto add_split = [&](PipelineDeal& deal, DealSplit credit, const std::string& seat_id,
                       auto&& fail_seat) {
    if (credit.seat == deal.owner)
      fail_seat(fmt::format("\"{}\" is the deal's owner (the owner gets 1 - the splits' shares)",
                            seat_id));
    for (const DealSplit& other : deal.splits) {
      if (other.seat == credit.seat)
        fail_seat(fmt::format("\"{}\" is named twice (one split per seat)", seat_id));
    }
    deal.splits.push_back(credit);
  };
  auto finish_splits = [&](PipelineDeal& deal, auto&& fail) {
    double sum = 0.0;
    for (const DealSplit& split : deal.splits) sum += split.share;
    if (sum > 1.0 + 1e-9)
      fail(fmt::format("the shares sum to {:.6g} (at most 1; the owner gets 1 - the sum)", sum));
    deal.owner_share = std::max(0.0, 1.0 - sum);
  };
  auto parse_splits = [&](const JsonNode& node, PipelineDeal& deal) {
    for (const auto& split : node.items()) {
      split.expect_object();
      split.allow_only({"seat", "share"});
      DealSplit credit;
      credit.seat = ctx.seats.resolve(split.at("seat"));
      credit.share = split.at("share").number_in(0.0, 1.0, "a share of the deal's credit");
      const JsonNode seat = split.at("seat");
      add_split(deal, credit, seat.string(),
                [&](const std::string& message) { seat.fail("{}", message); });
    }
    finish_splits(deal, [&](const std::string& message) { node.fail("{}", message); });
  };
  // The CSV's splits column: "SEAT:SHARE;SEAT:SHARE".
  auto csv_splits = [&](const MappedCsv& table, const CsvRow& row, std::size_t column,
                        PipelineDeal& deal) {
    auto fail = [&](const std::string& message) {
      throw_input("{}: column '{}': {}", table.where(row), table.header()[column], message);
    };
    const std::string& text = table.text(row, column);
    std::size_t at = 0;
    while (at <= text.size()) {
      const std::size_t end = std::min(text.find(';', at), text.size());
      const std::string item = text.substr(at, end - at);
      at = end + 1;
      if (item.empty()) continue;
      const std::size_t colon = item.rfind(':');
      if (colon == std::string::npos)
        fail(fmt::format("\"{}\" is not SEAT:SHARE (e.g. R7:0.3; splits separated by ';')", item));
      const std::string seat_id = item.substr(0, colon);
      DealSplit credit;
      credit.seat = ctx.seats.find(seat_id);
      if (credit.seat < 0) fail(ctx.seats.unknown_message(seat_id));
      const std::string share = item.substr(colon + 1);
      char* parsed = nullptr;
      credit.share = std::strtod(share.c_str(), &parsed);
      if (share.empty() || *parsed != '\0' || !(credit.share >= 0 && credit.share <= 1))
        fail(fmt::format("\"{}\": share \"{}\" is not a share of the deal's credit (0..1)", item,
                         share));
      add_split(deal, credit, seat_id, fail);
    }
    finish_splits(deal, fail);
  };
  Names deal_ids("deal");
  // Expected closes more than ten years from the horizon start: usually a typo, or a two-digit
  // year read in the wrong century (%y reads 68 as 2068). Review: they went unsaid.
  constexpr int kFarMonths = 120;
  std::size_t far = 0;
  std::string first_far;
  bool first_far_before = false;
  auto add_deal = [&](PipelineDeal deal, const std::string& where) {
    if (deal_ids.contains(deal.id)) throw_input("{}: duplicate deal id \"{}\"", where, deal.id);
    deal_ids.add(deal.id, root);
    deal.key = stable_hash("deal:" + deal.id);
    if (std::abs(deal.expected_close) > kFarMonths && far++ == 0) {
      first_far_before = deal.expected_close < 0;
      first_far = fmt::format(
          "{}: deal \"{}\" is expected to close in {}, more than 10 years {} the horizon start {}",
          where, deal.id, format_year_month(ctx.scenario.calendar.absolute(deal.expected_close)),
          deal.expected_close < 0 ? "before" : "after",
          format_year_month(ctx.scenario.calendar.start()));
    }
    pipeline.deals.push_back(std::move(deal));
    ctx.deal_places.push_back(where);
  };
  auto warn_of_far_closes = [&] {
    if (far == 0) return;
    ctx.scenario.warnings.push_back(fmt::format(
        "{}{}: check the dates (a two-digit year, %y, reads {})", first_far,
        far > 1 ? fmt::format(", and {} as far",
                              format_count(static_cast<long long>(far - 1), "more deal"))
                : std::string(),
        first_far_before ? "69 as 1969" : "68 as 2068"));
  };
  if (auto deals = node->get("deals")) {
    ctx.each_item(*deals, [&](const JsonNode& item) {
      item.allow_only({"id", "owner", "region", "segment", "stage", "amount", "currency",
                       "expected_close", "product", "splits"});
      PipelineDeal deal;
      deal.id = item.at("id").id();
      if (auto owner = item.get("owner"))
        deal.owner = owner_of(owner->string(), [&] { ctx.seats.resolve(*owner); });
      deal.region = ctx.regions.resolve(item.at("region"));
      deal.segment = ctx.segments.resolve(item.at("segment"));
      if (auto product = item.get("product")) {
        deal.product =
            deal_product(product->string(), deal.segment,
                         [&](const std::string& message) { product->fail("{}", message); });
      }
      if (auto splits = item.get("splits")) parse_splits(*splits, deal);
      deal.stage = ctx.stages.resolve(item.at("stage"));
      deal.amount = item.at("amount").non_negative();
      deal.currency = item.has("currency") ? ctx.currencies.resolve(item.at("currency"))
                                           : ctx.scenario.regions[deal.region].currency;
      deal.expected_close = ctx.relative(item.at("expected_close").year_month());
      add_deal(std::move(deal), item.where());
    });
  }
  if (auto csv = node->get("csv")) {
    const MappedCsv table =
        ctx.read_csv(*csv, {"id", "owner", "region", "segment", "stage", "amount", "currency",
                            "expected_close", "product", "splits"});
    const auto id = table.require_column("id"), region = table.require_column("region"),
               segment = table.require_column("segment"), stage = table.require_column("stage"),
               amount = table.require_column("amount"),
               close = table.require_column("expected_close");
    const auto owner = table.column("owner");
    const auto currency = table.column("currency");
    const auto product = table.column("product");
    const auto splits = table.column("splits");
    CsvIds csv_ids("deal", "/pipeline/deals");
    ctx.each_row(table, [&](const CsvRow& row) {
      // Each field read on its own, so that every error of a row is reported (review: only the
      // first was); a field that needs another is read only when that one was. The deal is
      // kept only when every field was read.
      PipelineDeal deal;
      bool read = ctx.field([&] { deal.id = csv_ids.claim(table, row, id, deal_ids); });
      if (owner && !table.text(row, *owner).empty()) {
        read &= ctx.field([&] {
          deal.owner =
              owner_of(table.text(row, *owner), [&] { ctx.seats.resolve(table, row, *owner); });
        });
      }
      const bool region_read =
          ctx.field([&] { deal.region = ctx.regions.resolve(table, row, region); });
      const bool segment_read =
          ctx.field([&] { deal.segment = ctx.segments.resolve(table, row, segment); });
      read &= region_read && segment_read;
      if (product && !table.text(row, *product).empty() && segment_read) {
        read &= ctx.field([&] {
          deal.product = deal_product(table.text(row, *product), deal.segment,
                                      [&](const std::string& message) {
                                        throw_input("{}: column '{}': {}", table.where(row),
                                                    table.header()[*product], message);
                                      });
        });
      }
      if (splits && !table.text(row, *splits).empty())
        read &= ctx.field([&] { csv_splits(table, row, *splits, deal); });
      read &= ctx.field([&] {
        // A closed row a misspelt skip_stages entry let in says so (review: one "unknown stage"
        // a row, and no word of the entry that matched none).
        try {
          deal.stage = ctx.stages.resolve(table, row, stage);
        } catch (const InputError& e) {
          const std::string unmatched = unmatched_skip_stages(table);
          if (unmatched.empty()) throw;
          throw_input("{}; {}: misspelt?", e.what(), unmatched);
        }
      });
      const bool amount_read = ctx.field([&] { deal.amount = table.non_negative(row, amount); });
      const bool own_currency = currency && !table.text(row, *currency).empty();
      read &= amount_read;
      if (own_currency || region_read) {
        read &= ctx.field([&] {
          deal.currency = own_currency ? ctx.currencies.resolve(table, row, *currency)
                                       : ctx.scenario.regions[deal.region].currency;
          if (amount_read)
            table.check_currency(row, amount, ctx.scenario.fx.currencies[deal.currency].code);
        });
      }
      read &= ctx.field([&] { deal.expected_close = ctx.relative(table.month(row, close)); });
      if (read) add_deal(std::move(deal), table.where(row));
    });
  }
  warn_of_far_closes();
  owners.note();
}

//! `seats_complete`: every seat was read, so contract owners can be resolved (otherwise the
//! seats' errors are reported and owners are left out).
void parse_installed_base(const JsonNode& root, Context& ctx, bool seats_complete) {
  auto node = root.get("installed_base");
  if (!node) return;
  node->allow_only({"contracts", "csv", "unknown_owner"});
  Owners owners(*node, ctx, "installed_base", "contracts");
  auto owner_of = [&](const std::string& id, auto&& fail_unknown) {
    return seats_complete ? owners.seat(id, fail_unknown) : -1;
  };
  Scenario& sc = ctx.scenario;
  Names ids("contract");
  auto add = [&](Contract c, int renewal_absolute, std::optional<int> term,
                 const std::string& where) {
    if (ids.contains(c.id)) throw_input("{}: duplicate contract id \"{}\"", where, c.id);
    ids.add(c.id, root);
    c.key = stable_hash("contract:" + c.id);
    c.term_months = term.value_or(sc.params_at(c.region, c.segment, 0).contract_term_months);
    c.renewal_month = ctx.relative(renewal_absolute);
    // The next renewal lies within one term of the start; further out, the date is suspect.
    if (c.renewal_month < -c.term_months || c.renewal_month > c.term_months) {
      sc.warnings.push_back(fmt::format(
          "{}: contract \"{}\" renews in {}, more than one {}-month term {} the horizon start {} "
          "({})",
          where, c.id, format_year_month(renewal_absolute), c.term_months,
          c.renewal_month < 0 ? "before" : "after", format_year_month(sc.calendar.start()),
          // Review: a renewal in 2068 (a two-digit year) was said to be rolled; it is not.
          c.renewal_month < 0
              ? "rolled to the first renewal at or after the start"
              : "it first renews then; check the date (a two-digit year, %y, reads 68 as 2068)"));
    }
    while (c.renewal_month < 0) c.renewal_month += c.term_months;  // roll past renewals forward
    sc.contracts.push_back(std::move(c));
  };
  if (auto list = node->get("contracts")) {
    ctx.each_item(*list, [&](const JsonNode& item) {
      item.allow_only(
          {"id", "owner", "region", "segment", "arr", "currency", "renewal_month", "term_months"});
      Contract c;
      c.id = item.at("id").id();
      if (auto owner = item.get("owner"))
        c.owner = owner_of(owner->string(), [&] { ctx.seats.resolve(*owner); });
      c.region = ctx.regions.resolve(item.at("region"));
      c.segment = ctx.segments.resolve(item.at("segment"));
      c.arr = item.at("arr").non_negative();
      c.currency = item.has("currency") ? ctx.currencies.resolve(item.at("currency"))
                                        : sc.regions[c.region].currency;
      std::optional<int> term;
      if (auto t = item.get("term_months")) term = static_cast<int>(t->integer(1, 120));
      add(std::move(c), item.at("renewal_month").year_month(), term, item.where());
    });
  }
  if (auto csv = node->get("csv")) {
    const MappedCsv table =
        ctx.read_csv(*csv, {"id", "owner", "region", "segment", "arr", "currency", "renewal_month",
                            "term_months", "stage"});
    const auto owner = table.column("owner");
    const auto id = table.require_column("id"), region = table.require_column("region"),
               segment = table.require_column("segment"), arr = table.require_column("arr"),
               renewal = table.require_column("renewal_month");
    const auto currency = table.column("currency");
    const auto term_col = table.column("term_months");
    CsvIds csv_ids("contract", "/installed_base/contracts");
    ctx.each_row(table, [&](const CsvRow& row) {
      // Each field read on its own, as the pipeline's rows are (every error of a row reported).
      Contract c;
      bool read = ctx.field([&] { c.id = csv_ids.claim(table, row, id, ids); });
      if (owner && !table.text(row, *owner).empty()) {
        read &= ctx.field([&] {
          c.owner =
              owner_of(table.text(row, *owner), [&] { ctx.seats.resolve(table, row, *owner); });
        });
      }
      const bool region_read =
          ctx.field([&] { c.region = ctx.regions.resolve(table, row, region); });
      read &= region_read;
      read &= ctx.field([&] { c.segment = ctx.segments.resolve(table, row, segment); });
      const bool arr_read = ctx.field([&] { c.arr = table.non_negative(row, arr); });
      const bool own_currency = currency && !table.text(row, *currency).empty();
      read &= arr_read;
      if (own_currency || region_read) {
        read &= ctx.field([&] {
          c.currency = own_currency ? ctx.currencies.resolve(table, row, *currency)
                                    : sc.regions[c.region].currency;
          if (arr_read) table.check_currency(row, arr, sc.fx.currencies[c.currency].code);
        });
      }
      std::optional<int> term;
      if (term_col && !table.text(row, *term_col).empty()) {
        read &= ctx.field([&] {
          const double t = table.number(row, *term_col);
          if (t < 1 || t > 120 || std::floor(t) != t)
            throw_input("{}: column '{}': {} is not a whole number of months (1..120)",
                        table.where(row), table.header()[*term_col], t);
          term = static_cast<int>(t);
        });
      }
      int renewal_month = 0;
      read &= ctx.field([&] { renewal_month = table.month(row, renewal); });
      if (read) add(std::move(c), renewal_month, term, table.where(row));
    });
  }
  owners.note();
}

std::vector<double> per_region(const JsonNode& node, Context& ctx, double lo, double hi,
                               std::string_view what) {
  std::vector<double> values(ctx.scenario.regions.size(), 0.0);
  if (node.is_number()) {
    std::fill(values.begin(), values.end(), node.number_in(lo, hi, what));
    return values;
  }
  // Either form is allowed: say both (review: "\"low\" is not an object").
  if (!node.json().is_object()) {
    node.fail(
        "{} is not {} ({}..{}): give a number for every region or an object of numbers by "
        "region id, e.g. {{\"{}\": {}}}",
        node.json().dump(), what, format_user_value(lo), format_user_value(hi),
        ctx.scenario.regions.front().id, format_user_value(lo + (hi - lo) / 10));
  }
  for (const auto& key : node.keys()) {
    ctx.field([&] {
      const int r = ctx.regions.find(key);
      if (r < 0) node.at(key).fail("{}", ctx.regions.unknown_message(key));
      values[r] = node.at(key).number_in(lo, hi, what);
    });
  }
  return values;
}

void parse_market(const JsonNode& root, Context& ctx) {
  auto& market = ctx.scenario.market;
  const auto R = static_cast<Eigen::Index>(ctx.scenario.regions.size());
  market.dispersion.assign(R, 0.0);
  market.persistence.assign(R, 0.0);
  market.level_uncertainty.assign(R, 0.0);
  market.region_growth_uncertainty.assign(R, 0.0);
  market.cholesky = Eigen::MatrixXd::Identity(R, R);
  auto node = root.get("market");
  if (!node) return;
  ctx.field([&] {
    node->allow_only({"dispersion", "persistence", "correlation", "elasticity", "level_uncertainty",
                      "growth_uncertainty", "region_growth_uncertainty"});
  });
  auto member = [&](const JsonNode& parent, std::string_view key, auto&& read) {
    if (auto v = parent.get(key)) ctx.field([&] { read(*v); });
  };
  member(*node, "level_uncertainty", [&](const JsonNode& u) {
    market.level_uncertainty = per_region(u, ctx, 0.0, 2.0, "a log-scale standard deviation");
  });
  member(*node, "growth_uncertainty", [&](const JsonNode& g) {
    market.growth_uncertainty = g.number_in(0.0, 0.5, "a standard deviation of monthly log growth");
  });
  member(*node, "region_growth_uncertainty", [&](const JsonNode& g) {
    market.region_growth_uncertainty =
        per_region(g, ctx, 0.0, 0.5, "a standard deviation of monthly log growth");
  });
  member(*node, "dispersion", [&](const JsonNode& d) {
    market.dispersion = per_region(d, ctx, 0.0, 2.0, "a log-scale dispersion");
  });
  member(*node, "persistence", [&](const JsonNode& p) {
    market.persistence = per_region(p, ctx, 0.0, 0.999, "an AR(1) coefficient");
  });
  member(*node, "elasticity", [&](const JsonNode& e) {
    ctx.field([&] { e.allow_only({"intensity", "win_rate", "churn"}); });
    member(e, "intensity", [&](const JsonNode& v) {
      market.intensity_elasticity = v.number_in(-5.0, 5.0, "an elasticity");
    });
    member(e, "win_rate", [&](const JsonNode& v) {
      market.win_rate_elasticity = v.number_in(-5.0, 5.0, "an elasticity");
    });
    member(e, "churn", [&](const JsonNode& v) {
      market.churn_elasticity = v.number_in(-5.0, 5.0, "an elasticity");
    });
  });
  if (auto c = node->get("correlation"))
    ctx.field([&] {
      if (c->size() != static_cast<std::size_t>(R))
        c->fail("has {} rows; needs one per region ({})", c->size(), R);
      Eigen::MatrixXd corr(R, R);
      for (Eigen::Index i = 0; i < R; ++i) {
        const JsonNode row = c->at(static_cast<std::size_t>(i));
        if (row.size() != static_cast<std::size_t>(R))
          row.fail("has {} entries; needs {}", row.size(), R);
        for (Eigen::Index j = 0; j < R; ++j)
          corr(i, j) = row.at(static_cast<std::size_t>(j)).number_in(-1.0, 1.0, "a correlation");
      }
      if (!corr.isApprox(corr.transpose(), 1e-12))
        c->fail("the correlation matrix is not symmetric");
      for (Eigen::Index i = 0; i < R; ++i) {
        if (corr(i, i) != 1.0) c->fail("diagonal entry {} is {} (must be 1)", i, corr(i, i));
      }
      Eigen::LLT<Eigen::MatrixXd> llt(corr);
      if (llt.info() != Eigen::Success) c->fail("the correlation matrix is not positive definite");
      market.cholesky = llt.matrixL();
    });
}

void parse_actuals(const JsonNode& root, Context& ctx) {
  auto node = root.get("actuals");
  if (!node) return;
  node->allow_only({"bookings", "csv"});
  Scenario& sc = ctx.scenario;
  // More than ten years from the start: usually a two-digit year read in the wrong century
  // (review: the pipeline's far closes were warned of, the actuals' not).
  constexpr int kFarMonths = 120;
  constexpr std::string_view kTwoDigitYears = "a two-digit year, %y, reads";
  auto check_month = [&](int month, const std::string& where, const std::string& text) {
    if (month >= sc.calendar.start()) {
      throw_input(
          "{}: month {} is not before the horizon start {} (actuals are bookings already "
          "closed{})",
          where, text, format_year_month(sc.calendar.start()),
          month - sc.calendar.start() > kFarMonths ? fmt::format("; {} 68 as 2068", kTwoDigitYears)
                                                   : std::string());
    }
  };
  if (auto list = node->get("bookings")) {
    ctx.each_item(*list, [&](const JsonNode& item) {
      item.expect_object();
      ctx.field([&] { item.allow_only({"region", "segment", "month", "amount"}); });
      Actual a;
      ctx.field([&] { a.region = ctx.regions.resolve(item.at("region")); });
      ctx.field([&] {
        if (item.has("segment")) a.segment = ctx.segments.resolve(item.at("segment"));
      });
      ctx.field([&] {
        a.month = item.at("month").year_month();
        check_month(a.month, item.at("month").where(), item.at("month").string());
      });
      ctx.field([&] { a.amount = item.at("amount").non_negative(); });
      sc.actuals.push_back(a);
    });
  }
  if (auto csv = node->get("csv")) {
    const MappedCsv table =
        ctx.read_csv(*csv, {"region", "segment", "month", "amount", "stage", "currency"});
    const auto region = table.require_column("region"), month = table.require_column("month"),
               amount = table.require_column("amount");
    const auto segment = table.column("segment");
    // Actuals are in the reporting currency: a row of another is refused, not added as if it
    // were (review: 700,000 JPY counted as 700,000 USD).
    const auto currency = table.column("currency");
    const std::string& reporting = sc.fx.currencies[sc.fx.reporting].code;
    ctx.each_row(table, [&](const CsvRow& row) {
      // Each field read on its own, as the pipeline's rows are (every error of a row reported).
      Actual a;
      bool read = ctx.field([&] { a.region = ctx.regions.resolve(table, row, region); });
      if (segment && !table.text(row, *segment).empty())
        read &= ctx.field([&] { a.segment = ctx.segments.resolve(table, row, *segment); });
      read &= ctx.field([&] {
        a.month = table.month(row, month);
        // The column too, as the other cell errors name it (review).
        check_month(a.month,
                    fmt::format("{}: column '{}'", table.where(row), table.header()[month]),
                    table.text(row, month));
      });
      read &= ctx.field([&] {
        a.amount = table.non_negative(row, amount);
        table.check_currency(row, amount, reporting);
      });
      read &= ctx.field([&] {
        const std::string& code = currency ? table.text(row, *currency) : reporting;
        const auto begin = code.find_first_not_of(" \t"), end = code.find_last_not_of(" \t");
        if (begin != std::string::npos && code.substr(begin, end - begin + 1) != reporting) {
          throw_input(
              "{}: column '{}': '{}' is not the reporting currency {}; actuals are amounts in it "
              "(convert them at your booked rates)",
              table.where(row), table.header()[*currency], shown_value(table.text(row, *currency)),
              reporting);
        }
      });
      if (read) sc.actuals.push_back(a);
    });
  }
  // Actuals before the first fiscal year the horizon touches count in no period: said, with
  // their total (review: a whole sales history loaded as actuals showed nothing of it, silently).
  const int first_year = sc.calendar.fiscal_year_of(sc.calendar.start());
  const int first_month = sc.calendar.fiscal_year_start(first_year);
  std::size_t before = 0;
  double amount = 0;
  int earliest = first_month;
  for (const Actual& a : sc.actuals) {
    if (a.month >= first_month) continue;
    ++before;
    amount += a.amount;
    earliest = std::min(earliest, a.month);
  }
  if (before > 0) {
    const bool far = sc.calendar.start() - earliest > kFarMonths;
    sc.notes.push_back(fmt::format(
        "actuals: {} before FY{} (which starts {}), totalling {}, count in no period: only "
        "the fiscal year the horizon starts in takes actuals{}",
        format_count(static_cast<long long>(before), "booking"), first_year,
        format_year_month(first_month), format_grouped(amount),
        far ? fmt::format("; the earliest, in {}, is more than 10 years before the horizon start: "
                          "check the dates ({} 69 as 1969)",
                          format_year_month(earliest), kTwoDigitYears)
            : std::string()));
  }
}

void parse_targets(const JsonNode& root, Context& ctx) {
  auto list = root.get("targets");
  if (!list) return;
  Scenario& sc = ctx.scenario;
  const int first_year = sc.calendar.fiscal_year_of(sc.calendar.start());
  const int last_year = sc.calendar.fiscal_year_of(sc.calendar.absolute(sc.months() - 1));
  ctx.each_item(*list, [&](const JsonNode& item) {
    item.expect_object();
    ctx.field([&] {
      item.allow_only({"metric", "region", "segment", "fiscal_year", "quarter", "amount"});
    });
    Target t;
    ctx.field([&] {
      auto metric = item.get("metric");
      if (!metric) return;
      t.metric = metric->string();
      const int k = metric_index(t.metric);
      auto targetable = [](int m) {
        return metric_info(m).aggregation == Aggregation::flow && metric_info(m).unit == "currency";
      };
      if (k < 0 || !targetable(k)) {
        // Every metric a target may name (review: "not a bookings metric (..., ...)" cut the
        // list short, and revenue and churned_arr, which are allowed, are not bookings).
        std::vector<std::string_view> allowed;
        for (int m = 0; m < kMetricCount; ++m)
          if (targetable(m)) allowed.push_back(metric_info(m).name);
        metric->fail("\"{}\" is not a flow metric in currency (a target names one of: {})",
                     t.metric, fmt::join(allowed, ", "));
      }
    });
    ctx.field([&] {
      if (auto region = item.get("region")) {
        if (region->string() != "total") t.region = ctx.regions.resolve(*region);
      }
    });
    ctx.field([&] {
      if (auto segment = item.get("segment")) t.segment = ctx.segments.resolve(*segment);
    });
    ctx.field([&] { t.amount = item.at("amount").non_negative(); });
    t.fiscal_year = static_cast<int>(item.at("fiscal_year").integer(first_year, last_year));
    if (auto q = item.get("quarter")) {
      t.quarter = static_cast<int>(q->integer(1, 4));
      // A quarter wholly before or after the horizon has no result cell: say so, not skip it.
      const int first = sc.calendar.fiscal_year_start(t.fiscal_year) + 3 * (t.quarter - 1);
      const int last = first + 2;
      if (last < sc.calendar.start() || first > sc.calendar.absolute(sc.months() - 1)) {
        q->fail("FY{} Q{} ({}..{}) does not overlap the horizon ({}..{})", t.fiscal_year, t.quarter,
                format_year_month(first), format_year_month(last),
                format_year_month(sc.calendar.start()),
                format_year_month(sc.calendar.absolute(sc.months() - 1)));
      }
    }
    sc.targets.push_back(t);
  });
}

//! A note for each target of a period the results cover only in part (a year running past the
//! horizon's end, or a simulated metric's year starting before it): its P(reach) compares part of
//! the period with the whole period's target. Review: validate said "valid" and P(reach) read 0.0%.
void warn_of_partial_targets(Scenario& sc) {
  if (sc.targets.empty()) return;
  const ResultLayout layout(sc);
  for (std::size_t i = 0; i < sc.targets.size(); ++i) {
    const Target& t = sc.targets[i];
    const int k = metric_index(t.metric);
    for (const Period& period : layout.periods) {
      if (period.fiscal_year != t.fiscal_year || period.quarter != t.quarter) continue;
      const Coverage c = coverage_of(k);
      if (!period.partial(c)) continue;
      // A note (validate prints it; run prints it unless -q and marks the period partial).
      sc.notes.push_back(fmt::format(
          "/targets/{} ({} {}, {}) is a whole period's target, but the results cover {}: its "
          "P(reach) compares part of the period with it (a horizon covering the period{} "
          "compares like with like)",
          i, metric_words(t.metric), period.label, format_grouped(t.amount),
          period.coverage(c).substr(std::string_view("partial: ").size()),
          takes_actuals(k) ? ", with actuals for its months before the start," : ""));
    }
  }
}

void parse_simulation(const JsonNode& root, Context& ctx) {
  auto& sim = ctx.scenario.simulation;
  if (auto kpi = root.get("kpi")) {
    kpi->allow_only({"productivity_thresholds"});
    if (auto t = kpi->get("productivity_thresholds")) {
      for (const auto& v : t->items())
        ctx.field([&] { ctx.scenario.productivity_thresholds.push_back(v.positive()); });
    }
  }
  auto node = root.get("simulation");
  if (!node) return;
  ctx.field([&] { node->allow_only({"trials", "seed", "threads"}); });
  ctx.field([&] {
    if (auto t = node->get("trials"))
      sim.trials = static_cast<std::uint64_t>(t->integer(1, kMaxTrials));
  });
  ctx.field([&] {
    if (auto s = node->get("seed"))
      sim.seed = static_cast<std::uint64_t>(s->integer(0, std::numeric_limits<long long>::max()));
  });
  ctx.field([&] {
    if (auto t = node->get("threads")) sim.threads = static_cast<int>(t->integer(0, 1024));
  });
}

}  // namespace

std::string sha256_of_file(const std::string& path) {
  return sha256_hex(read_input_file(path, InputKind::scenario_json));
}

const CsvTable& CsvCache::get(const std::string& path) {
  auto it = tables_.find(path);
  if (it == tables_.end()) {
    it = tables_.emplace(path, CsvTable::read(path, false, options_.encoding)).first;
    ++files_read_;
  }
  return it->second;
}

namespace {

//! Members every scenario has: a JSON object with none of them is no scenario.
constexpr const char* kScenarioMarks[] = {"schema_version", "horizon", "regions", "segments"};

}  // namespace

const std::vector<std::string_view>& scenario_keys() {
  static const std::vector<std::string_view> kRootKeys{"schema_version",
                                                       "name",
                                                       "description",
                                                       "horizon",
                                                       "fx",
                                                       "regions",
                                                       "segments",
                                                       "products",
                                                       "ramp_curves",
                                                       "overrides",
                                                       "roster",
                                                       "hiring_plan",
                                                       "new_business_intensity",
                                                       "pipeline",
                                                       "installed_base",
                                                       "market",
                                                       "actuals",
                                                       "targets",
                                                       "kpi",
                                                       "simulation",
                                                       "territory_potential",
                                                       "plan",
                                                       "territories",
                                                       "costs"};
  return kRootKeys;
}

Scenario build_scenario(const nlohmann::json& document, const std::string& file,
                        const std::string& base_dir, CsvCache* cache) {
  // A JSON file opsim wrote (a run's --summary-json) named where a scenario goes: say what it is
  // rather than list its members as unknown (review: `report summary.json` said only that
  // schema_version was missing).
  if (document.is_object() &&
      std::none_of(std::begin(kScenarioMarks), std::end(kScenarioMarks),
                   [&](const char* key) { return document.contains(key); })) {
    throw_input("{}: not a scenario: it has none of /{}{}", file,
                fmt::join(std::begin(kScenarioMarks), std::end(kScenarioMarks), ", /"),
                document.contains("scenario_sha256")
                    ? " (it is a summary opsim wrote with --summary-json; `opsim report` reads "
                      "the run's result file, -o RESULT.h5)"
                    : "");
  }
  if (has_distributions(document)) return build_uncertain_scenario(document, file, base_dir, cache);
  Scenario scenario;
  Context ctx(scenario, base_dir, cache);
  const JsonNode root(document, file);
  root.expect_object();
  InputErrorCollector& errors = ctx.errors;
  errors.collect([&] { root.allow_only(scenario_keys()); });
  const JsonNode version = root.at("schema_version");
  ctx.schema_version = static_cast<int>(version.integer(0, 1000));
  if (ctx.schema_version < 1 || ctx.schema_version > kSchemaVersion)
    version.fail("{} is not supported (this opsim reads schema_version 1 and 2)",
                 version.json().dump());
  scenario.source = file;
  if (auto name = root.get("name")) {
    scenario.name = name->string();
    // Printed, stored as a C string (HDF5) and written to workbooks: a NUL cut it short there
    // (review), a line break split the terminal's heading.
    if (const auto at = control_character(scenario.name)) {
      name->fail("\"{}\" holds the control character U+{:04X} (a name is printable text)",
                 shown_value(scenario.name), static_cast<unsigned>(scenario.name[*at]));
    }
  }
  if (auto d = root.get("description")) (void)d->string();

  // Every error is collected, per element and per field. A stage ends validation when an element
  // later sections refer to by id failed (a currency, region, ramp curve or segment) or the
  // horizon did: those references would fail too. A failed rep or hire leaves out only the
  // sections that name seats (pipeline owners, territory_potential).
  ctx.guard(true, [&] { parse_horizon(root, ctx); });
  ctx.guard(true, [&] { parse_fx(root, ctx); });
  ctx.end_stage();
  ctx.guard(true, [&] { parse_regions(root, ctx); });
  ctx.guard(true, [&] { parse_ramp_curves(root, ctx); });
  ctx.end_stage();
  std::vector<SegmentParams> base;
  std::vector<int> base_currency;
  ctx.guard(true, [&] { parse_segments(root, ctx, base, base_currency); });
  ctx.end_stage();
  errors.collect([&] { parse_products(root, ctx); });
  errors.collect([&] { parse_overrides(root, ctx, base, base_currency); });
  errors.collect([&] {
    // A roster that fails as a whole (its CSV unreadable, a short row) loses every seat: the
    // sections that name owners are then not checked against it (a review found one bad row
    // buried under 49 false "unknown rep" errors).
    try {
      parse_roster(root, ctx);
    } catch (...) {
      ctx.seats_lost = true;
      throw;
    }
  });
  errors.collect([&] { parse_hiring_plan(root, ctx); });
  const bool seats_complete = !ctx.seats_lost;
  if (seats_complete) errors.collect([&] { parse_territory_potential(root, ctx); });
  errors.collect([&] { parse_intensity(root, ctx); });
  if (seats_complete) errors.collect([&] { parse_pipeline(root, ctx); });
  if (seats_complete) errors.collect([&] { parse_overlays(root, ctx); });
  if (seats_complete && !ctx.scenario.overlays.empty()) require_selling_credit(ctx);
  errors.collect([&] { parse_installed_base(root, ctx, seats_complete); });
  errors.collect([&] { parse_market(root, ctx); });
  errors.collect([&] { parse_actuals(root, ctx); });
  errors.collect([&] { parse_targets(root, ctx); });
  errors.collect([&] { parse_simulation(root, ctx); });
  errors.throw_if_any();
  warn_implausible_starts(scenario, ctx.seat_places);
  warn_of_partial_targets(scenario);
  if (ctx.schema_version == 1) {
    if (auto note = currency_trap_note(document, scenario)) scenario.notes.push_back(*note);
  }
  return scenario;
}

std::string scenario_sha256(const ScenarioDocument& resolved) {
  return resolved.extends() ? sha256_hex(resolved.document.dump()) : resolved.sha256s.front();
}

Scenario load_scenario(const std::string& path, const InputOptions& options) {
  return load_scenario_and_document(path, options).scenario;
}

LoadedScenario load_scenario_and_document(const std::string& path, const InputOptions& options) {
  // One read per scenario file: the bytes parsed are the bytes hashed.
  ScenarioDocument resolved = read_scenario_document(path, true);
  const std::string base_dir = std::filesystem::path(path).parent_path().string();
  CsvCache cache(options);
  // Duplicate keys are reported with every other error of the scenario, not one at a time.
  InputErrorCollector errors;
  for (const std::string& message : resolved.duplicate_keys) errors.add(message);
  Scenario scenario;
  errors.collect([&] {
    scenario = build_scenario(resolved.document, path, base_dir.empty() ? "." : base_dir, &cache);
  });
  errors.throw_if_any();
  scenario.sha256 = scenario_sha256(resolved);
  scenario.input_files = scenario_files(resolved);
  std::vector<InputDigest> files;
  const std::filesystem::path folder = base_dir.empty() ? "." : base_dir;
  for (std::size_t i = 0; i < resolved.files.size(); ++i) {
    const std::filesystem::path file(resolved.files[i]);
    files.push_back({i == 0 ? file.filename().string()
                            : file.lexically_relative(folder).lexically_normal().string(),
                     resolved.sha256s[i]});
  }
  scenario.inputs.insert(scenario.inputs.begin(), files.begin(), files.end());
  return {std::move(scenario), std::move(resolved)};
}

}  // namespace opsim
