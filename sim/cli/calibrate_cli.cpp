// `opsim calibrate` and `opsim backtest`.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include <fmt/format.h>

#include "models/calendar.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/cli/cli.hpp"
#include "sim/cli/cli_support.hpp"
#include "sim/io/calibration_output.hpp"
#include "sim/io/csv_source.hpp"
#include "sim/io/history_reader.hpp"
#include "sim/io/json_text.hpp"
#include "sim/io/output.hpp"
#include "sim/io/output_files.hpp"
#include "sim/io/scenario_loader.hpp"
#include "sim/workflows/backtest.hpp"

namespace opsim::cli {

namespace {

//! Options shared by both commands: where the history is and how to read it.
struct SourceArgs {
  std::string source_file;
  std::string opportunities, bookings, reps, products;
  std::vector<std::string> maps;
  std::vector<std::string> won_stages, lost_stages, open_stages, excluded_stages;
  bool day_first = false;
  std::string decimal;  //!< --decimal: "." or ","; empty: decided per column
  std::string as_of, since;
  int fiscal_start = 1;
  double prior_strength = -1;
  int min_cell = 30;
  std::string currency = "USD";
  std::string deal_size = "auto";
  //! The forecast at the fitted values, without their estimation error drawn per trial.
  bool no_parameter_uncertainty = false;
  bool quiet = false;
  bool force = false;  //!< --force: existing output files may be replaced
};

void add_source_options(CLI::App* app, SourceArgs& a) {
  app->add_option("--source", a.source_file,
                  "Mapping file (JSON) naming the CSV files and their columns");
  app->add_option("--opportunities", a.opportunities,
                  "Opportunity history CSV (one row per opportunity)");
  app->add_option("--bookings", a.bookings,
                  "Bookings log CSV (one row per won deal or order line)");
  app->add_option("--reps", a.reps, "Rep -> region table (CSV: owner, region)");
  app->add_option("--products", a.products, "Product table (CSV: segment/product, list_price)");
  app->add_option(
      "--map", a.maps,
      "Column mapping FIELD=COLUMN for the history file; reps.FIELD= and products.FIELD= for the "
      "tables (e.g. --map created=engage_date --map reps.region=regional_office)");
  app->add_option("--won-stage", a.won_stages,
                  "Stage names meaning won (default: Won, Closed Won)");
  app->add_option("--lost-stage", a.lost_stages,
                  "Stage names meaning lost (default: Lost, Closed Lost)");
  app->add_option("--open-stage", a.open_stages,
                  "Open stage names, earliest first (default: any other stage)");
  app->add_option("--exclude-stage,--exclude-status", a.excluded_stages,
                  "Stages or booking statuses whose rows are left out (e.g. Cancelled, On hold); "
                  "a bookings log also leaves out lines whose status is a --lost-stage");
  app->add_flag("--day-first", a.day_first, "Read 03/04/2017 as 3 April");
  app->add_option("--decimal", a.decimal,
                  "Decimal mark of amounts, . or , (default: what each column's values show; "
                  "'.' when none does)")
      ->check(CLI::Validator(
          [](std::string& mark) -> std::string {
            return mark == "." || mark == "," ? std::string()
                                              : fmt::format("'{}' is not . or ,", mark);
          },
          ". or ,"));
  app->add_option("--since", a.since, "Ignore resolutions before this date");
  app->add_option("--fiscal-year-start", a.fiscal_start, "Fiscal-year start month (quarter ends)")
      ->check(within(1, 12));
  app->add_option("--prior-strength", a.prior_strength,
                  "Win-rate prior in pseudo-closes, >= 0 (default: empirical Bayes)")
      ->check(non_negative_number());
  app->add_option("--min-cell", a.min_cell, "Observations below which a cell is thin")
      ->check(within(1, 100000));
  app->add_option("--currency", a.currency, "Reporting currency of the amounts (ISO 4217: USD)")
      ->check(CLI::Validator(
          [](std::string& code) -> std::string {
            // The scenario's currency code, as the scenario reads it (review: "US Dollars",
            // "XYZ " and "eur" were taken as they were).
            if (is_currency_code(code)) return {};
            return fmt::format("'{}' is not an ISO 4217 code {}", code, currency_code_hint(code));
          },
          "ISO 4217"));
  app->add_option(
         "--deal-size", a.deal_size,
         "Deal-size model written to the scenario: auto (lognormal unless its KS test rejects "
         "it at p < 0.01, then empirical), lognormal (the sample's mean and cv) or empirical")
      ->check(CLI::IsMember({"auto", "lognormal", "empirical"}));
  app->add_flag("--no-parameter-uncertainty", a.no_parameter_uncertainty,
                "Forecast at the fitted values: no trial draws the levels, growth, seasonality, "
                "win rates or mean deal sizes from their estimation error");
  add_force_flag(app, a.force);
  add_quiet_flag(app, a.quiet);
}

HistorySource history_source(const SourceArgs& a) {
  HistorySource source;
  if (!a.source_file.empty()) source = read_history_source(a.source_file);
  if (!a.opportunities.empty()) source.opportunities = TableSource{a.opportunities, {}};
  if (!a.bookings.empty()) source.bookings = TableSource{a.bookings, {}};
  if (!a.reps.empty()) source.reps = TableSource{a.reps, {}};
  if (!a.products.empty()) source.products = TableSource{a.products, {}};
  std::set<std::string> mapped_here;  // table/field pairs given by --map
  for (const std::string& map : a.maps) {
    const auto eq = map.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == map.size()) {
      throw_input("--map: '{}' is not FIELD=COLUMN", map);
    }
    std::string field = map.substr(0, eq);
    const std::string column = map.substr(eq + 1);
    std::optional<TableSource>* table =
        source.opportunities ? &source.opportunities : &source.bookings;
    for (auto [prefix, target] :
         {std::pair{"reps.", &source.reps}, std::pair{"products.", &source.products},
          std::pair{"bookings.", &source.bookings}}) {
      if (field.rfind(prefix, 0) == 0) {
        field = field.substr(std::string(prefix).size());
        table = target;
      }
    }
    if (!*table) throw_input("--map {}: there is no such input file to map", map);
    // A field given twice on the command line: the last one would win silently (review).
    const std::string key = fmt::format("{}/{}", static_cast<const void*>(table), field);
    if (!mapped_here.insert(key).second) {
      throw_input("--map {}: '{}' is already mapped to column '{}' by an earlier --map", map, field,
                  (*table)->columns[field]);
    }
    (*table)->columns[field] = column;
  }
  if (!a.won_stages.empty()) source.won_stages = a.won_stages;
  if (!a.lost_stages.empty()) source.lost_stages = a.lost_stages;
  if (!a.open_stages.empty()) source.open_stages = a.open_stages;
  if (!a.excluded_stages.empty()) source.excluded_stages = a.excluded_stages;
  source.day_first = source.day_first || a.day_first;
  if (!a.decimal.empty()) source.decimal = a.decimal[0];
  source.encoding = input_options().encoding;
  if (!source.opportunities && !source.bookings) {
    throw_input(
        "no history given: use --opportunities FILE, --bookings FILE or --source MAPPING.json");
  }
  return source;
}

calibration::FitOptions fit_options(const SourceArgs& a) {
  calibration::FitOptions options;
  if (!a.since.empty()) options.since = parse_since(a.since, "--since");
  options.win_prior_strength = a.prior_strength;
  options.min_cell = a.min_cell;
  options.fiscal_year_start_month = a.fiscal_start;
  options.deal_size_model = a.deal_size == "empirical"   ? calibration::DealSizeModel::empirical
                            : a.deal_size == "lognormal" ? calibration::DealSizeModel::lognormal
                                                         : calibration::DealSizeModel::automatic;
  return options;
}

//! Refuses outputs that would overwrite a history file or each other.
void check_outputs(const SourceArgs& args, const HistorySource& source,
                   const std::vector<std::pair<std::string, std::string>>& outputs,
                   const std::string& hdf5 = {}) {
  OutputPlan plan(args.force);
  plan.add_input(args.source_file, "--source");
  for (const auto* table :
       {&source.opportunities, &source.bookings, &source.reps, &source.products})
    if (*table) plan.add_input((*table)->path, "history file");
  for (const auto& [path, role] : outputs) plan.add_output(path, role);
  plan.add_output(hdf5, "-o", OutputKind::seekable);
  plan.check();
}

void write_text(const std::string& path, const std::string& text) {
  write_text_file(path, [&](std::ostream& out) { out << text; });
}

struct CalibrateArgs {
  SourceArgs source;
  std::string output, report;
  int months = 12;
  std::uint64_t trials = 1000, seed = 1;
  bool no_pipeline = false;
  std::string new_business = "region";
};

void calibrate_command(const CalibrateArgs& args) {
  if (args.source.as_of.empty())
    throw_input("--as-of is required (the cut-off date: YYYY-MM-DD or YYYY-MM)");
  // A prefix, not a folder (review: `--report sub/` wrote the hidden files sub/.json and
  // sub/.txt).
  std::error_code error;
  if (!args.report.empty() &&
      (args.report.back() == '/' || std::filesystem::is_directory(args.report, error))) {
    throw_input(
        "--report {}: is a folder; give a file name prefix, e.g. {} (writes fit.json and "
        "fit.txt)",
        args.report, (std::filesystem::path(args.report) / "fit").lexically_normal().string());
  }
  const HistorySource source = history_source(args.source);
  check_outputs(args.source, source,
                {{args.output, "-o"},
                 {args.report.empty() ? "" : args.report + ".json", "--report"},
                 {args.report.empty() ? "" : args.report + ".txt", "--report"}});
  // Coarse: reading the history, fitting it, writing the scenario.
  ProgressBar progress(3, !args.source.quiet, "steps");
  ReadReport read;
  const calibration::History history = read_history(source, read);
  warn_of_foreign_currencies(read, args.source.currency);
  progress.update(1);
  calibration::FitOptions options = fit_options(args.source);
  options.as_of = parse_cutoff(args.source.as_of, "--as-of");
  const calibration::Calibration fit = calibration::fit_history(history, options);
  progress.update(2);
  ScenarioRequest request;
  request.months = args.months;
  request.trials = args.trials;
  request.seed = args.seed;
  request.currency = args.source.currency;
  request.open_pipeline = !args.no_pipeline;
  request.rep_roster = args.new_business == "reps";
  request.earliest_open_stage = read.earliest_open_stage;
  request.parameter_uncertainty = !args.source.no_parameter_uncertainty;
  const std::string text = fit_report_text(fit, read);
  if (!args.output.empty()) {
    const std::string scenario = json_text(calibrated_scenario(fit, request), kEstimateDigits);
    // What calibrate writes must load as `opsim run` reads it (rounded estimates included): a
    // scenario that does not is calibrate's error, reported before anything is written.
    try {
      const std::string folder = std::filesystem::path(args.output).parent_path().string();
      (void)build_scenario(nlohmann::json::parse(scenario), args.output,
                           folder.empty() ? "." : folder);
    } catch (const InputError& e) {
      throw_internal("the calibrated scenario does not load: {}", e.what());
    }
    write_text(args.output, scenario);
  }
  if (!args.report.empty()) {
    write_text(args.report + ".json", json_text(fit_report_json(fit, read), kEstimateDigits));
    write_text(args.report + ".txt", text);
  }
  progress.finish();
  if (!args.source.quiet) {
    fmt::print("{}", text);
  } else {
    // -q silences the report, not its warnings: they go to standard error, as every command's
    // do (review: a 100% win rate's warning was in the report file only).
    std::vector<std::string> warnings = read.warnings;
    warnings.insert(warnings.end(), fit.warnings.begin(), fit.warnings.end());
    print_warnings(warnings);
  }
}

struct BacktestArgs {
  SourceArgs source;
  std::string last_origin;
  int step = 1, horizon = 1, trailing = 3;
  std::uint64_t trials = 2000, seed = 1;
  int threads = 0;
  std::string output, csv, summary_json;
};

void backtest_command(const BacktestArgs& args, const std::string& command_line) {
  if (args.source.as_of.empty()) throw_input("--as-of is required (the first cut-off: YYYY-MM)");
  const HistorySource source = history_source(args.source);
  check_outputs(args.source, source, {{args.csv, "--csv"}, {args.summary_json, "--summary-json"}},
                args.output);
  ReadReport read;
  const calibration::History history = read_history(source, read);
  warn_of_foreign_currencies(read, args.source.currency);
  BacktestOptions options;
  options.fit = fit_options(args.source);
  // Backtest cut-offs are month ends (each origin's fit is as of its month's last day): a day
  // inside a month is refused rather than moved to the month end in silence (review).
  auto origin_month = [](const std::string& text, const char* option) {
    const int day = parse_cutoff(text, option);
    const int month = calibration::month_of_day(day);
    if (day != calibration::last_day_of_month(month)) {
      throw_input(
          "{} {}: backtest cut-offs are month ends (each origin is fitted as of its month's last "
          "day); give {} (the data to {}) or {}",
          option, text, format_year_month(month),
          calibration::format_date(calibration::last_day_of_month(month)),
          format_year_month(month - 1));
    }
    return month;
  };
  options.first_origin = origin_month(args.source.as_of, "--as-of");
  options.last_origin = args.last_origin.empty() ? options.first_origin
                                                 : origin_month(args.last_origin, "--last-origin");
  // A cut-off in or after the history's last month leaves nothing to score: say so before any
  // fit, naming that month (as calibrate does for a cut-off after the data).
  // The months a backtest scores are those the data cover whole (collect_actuals: a last month
  // whose data end more than three days before its end is partial), and every message names
  // that month, so they agree (review: "the history ends in 2023-12" beside "no actuals after
  // 2023-11" for data ending on 2023-12-24).
  const int last_day = history.last_dated_day();
  const int last_month = collect_actuals(history).last_month;
  const std::string ends =
      last_day > 0 && calibration::month_of_day(last_day) != last_month
          ? fmt::format(
                "the history's last whole month is {} (its last dated row is {}, so {} "
                "is partial)",
                format_year_month(last_month), calibration::format_date(last_day),
                format_year_month(calibration::month_of_day(last_day)))
          : fmt::format("the history ends in {} (last dated row {})", format_year_month(last_month),
                        calibration::format_date(last_day));
  if (last_day > 0) {
    if (options.first_origin >= last_month) {
      throw_input(
          "--as-of {}: {}; a backtest scores the months after each cut-off, so the first cut-off "
          "must be {} or earlier",
          format_year_month(options.first_origin), ends, format_year_month(last_month - 1));
    }
    // Later cut-offs would have nothing to score: they end one month before the data do, and
    // the user is told (review: --last-origin 2020-02 on data ending 2019-12 ran silently).
    if (options.last_origin >= last_month) {
      if (!args.source.quiet) {
        fmt::print(stderr, "opsim: --last-origin {}: {}, so the last cut-off is {}\n",
                   format_year_month(options.last_origin), ends, format_year_month(last_month - 1));
      }
      options.last_origin = last_month - 1;
    }
  }
  options.step = args.step;
  options.horizon = args.horizon;
  options.trials = args.trials;
  options.seed = args.seed;
  options.threads = args.threads;
  options.trailing_months = args.trailing;
  options.scenario.currency = args.source.currency;
  options.scenario.earliest_open_stage = read.earliest_open_stage;
  options.scenario.parameter_uncertainty = !args.source.no_parameter_uncertainty;
  const auto origins = static_cast<std::uint64_t>(
      std::max(0, (options.last_origin - options.first_origin) / options.step + 1));
  ProgressBar progress(origins * options.trials, !args.source.quiet);
  options.progress = [&progress](std::uint64_t n) { progress.update(n); };
  const BacktestResult result = run_backtest(history, options);
  progress.finish();
  if (result.rows.empty()) {
    throw_input(
        "nothing to score: no region-month within {} month(s) after the cut-offs {} .. {} has "
        "data (choose cut-offs at least one month before the history's last whole month, {})",
        options.horizon, format_year_month(options.first_origin),
        format_year_month(options.last_origin), format_year_month(last_month));
  }
  if (!args.output.empty()) write_backtest_hdf5(args.output, result, command_line);
  if (!args.csv.empty()) write_backtest_csv(args.csv, result);
  if (!args.summary_json.empty())
    write_text(args.summary_json, json_text(backtest_summary_json(result), kEstimateDigits));
  print_warnings(read.warnings);  // with and without -q, as every command's warnings
  if (!args.source.quiet) {
    fmt::print("read: {} rejected, {} repaired rows\n{}", read.rejected(), read.repaired(),
               format_backtest_table(result));
  }
}

}  // namespace

void add_calibrate_commands(CLI::App& app) {
  auto cal = std::make_shared<CalibrateArgs>();
  auto* calibrate =
      app.add_subcommand("calibrate", "Fit scenario parameters from CRM history as of a cut-off");
  add_source_options(calibrate, cal->source);
  calibrate->add_option("--as-of", cal->source.as_of,
                        "Cut-off date: nothing after it is used (YYYY-MM-DD or YYYY-MM)");
  add_output_option(calibrate, cal->output, "Write the fitted scenario (JSON) here");
  calibrate
      ->add_option("--report", cal->report, "Write the fit report to PREFIX.json and PREFIX.txt")
      ->check(output_path());
  calibrate->add_option("--months", cal->months, "Horizon of the written scenario")
      ->check(within(1, 120));
  add_trials_option(calibrate, cal->trials, "Trials in the written scenario");
  add_seed_option(calibrate, cal->seed, "Seed in the written scenario");
  calibrate->add_flag("--no-pipeline", cal->no_pipeline,
                      "Leave the open pipeline out of the scenario");
  calibrate
      ->add_option("--new-business", cal->new_business,
                   "region: intensity per region x segment; reps: a roster of the reps active at "
                   "the cut-off")
      ->check(CLI::IsMember({"region", "reps"}));
  calibrate->callback([cal] { calibrate_command(*cal); });

  auto bt = std::make_shared<BacktestArgs>();
  auto* backtest = app.add_subcommand(
      "backtest", "Fit as of cut-offs, forecast, and score against what happened");
  add_source_options(backtest, bt->source);
  backtest->add_option("--as-of", bt->source.as_of, "First cut-off month (YYYY-MM: its last day)");
  backtest->add_option("--last-origin", bt->last_origin,
                       "Last cut-off month for a rolling origin (default: only --as-of)");
  backtest->add_option("--step", bt->step, "Months between cut-offs")->check(within(1, 24));
  backtest->add_option("--horizon", bt->horizon, "Months forecast after each cut-off")
      ->check(within(1, 36));
  backtest->add_option("--trailing", bt->trailing, "Months in the trailing-average baseline")
      ->check(within(1, 24));
  add_trials_option(backtest, bt->trials, "Trials per forecast", 10'000'000, 100);
  add_seed_option(backtest, bt->seed, "Random seed");
  add_threads_option(backtest, bt->threads);
  add_output_option(backtest, bt->output, "Write every scored row to this HDF5 file");
  // One file, not a folder: the scored rows are one table.
  backtest->add_option("--csv", bt->csv, "Write every scored row to this CSV file")
      ->check(output_path());
  add_summary_json_option(backtest, bt->summary_json, "Write the pooled scores as JSON");
  backtest->callback([bt, backtest] { backtest_command(*bt, command_line_of(backtest)); });
}

}  // namespace opsim::cli
