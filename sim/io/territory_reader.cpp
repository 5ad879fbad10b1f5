// Reading territory problems through the input layer: the scenario's `territories` section with
// the strict JSON reader (unknown keys are errors with a did-you-mean), the accounts CSV with the
// one CSV reader, and the benchmark formats (OR-Library pmedcap, Lorena & Senne SJC, DTDP
// graphml and its published allocations).
#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <nlohmann/json.hpp>

#include "models/territory/labels.hpp"
#include "sim/base/error.hpp"
#include "sim/base/grouped.hpp"
#include "sim/io/csv.hpp"
#include "sim/io/csv_source.hpp"
#include "sim/io/input.hpp"
#include "sim/io/json_reader.hpp"
#include "sim/io/plan_loader.hpp"  // kCsvErrorLimit
#include "sim/io/scenario_document.hpp"
#include "sim/io/scenario_loader.hpp"
#include "sim/io/territory_io.hpp"

namespace opsim::territory_io {

using territory::Account;
using territory::Territory;

namespace {

constexpr int kMaxTerritories = 100'000;
constexpr double kMaxPoints = 10'000'000;

//! The file as UTF-8 text without a byte-order mark.
std::string read_text(const std::filesystem::path& path, Encoding encoding = Encoding::utf8) {
  std::string bytes = read_input_file(path.string(), InputKind::territory_data);
  const bool bom = bytes.rfind("\xEF\xBB\xBF", 0) == 0;
  if (bom) bytes.erase(0, 3);
  return to_utf8(std::move(bytes), bom ? Encoding::utf8 : encoding, path.string());
}

//! A count read from a number field: a whole number in [lo, hi].
int whole_number(double value, double lo, double hi, const std::string& where, const char* what) {
  if (!(value >= lo && value <= hi) || std::floor(value) != value)
    throw_input("{}: {} {} is not allowed; allowed: a whole number in {}..{}", where, what, value,
                lo, hi);
  return static_cast<int>(value);
}

//! Whitespace-separated finite numbers of each non-empty line, with 1-based line numbers.
std::vector<std::pair<int, std::vector<double>>> number_lines(const std::filesystem::path& path) {
  std::istringstream in(read_text(path));
  std::vector<std::pair<int, std::vector<double>>> lines;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    std::istringstream fields(line);
    std::vector<double> values;
    std::string token;
    while (fields >> token) {
      auto v = parse_number(token);
      if (!v) throw_input("{}:{}: '{}' is not a finite number", path.string(), number, token);
      values.push_back(*v);
    }
    if (!values.empty()) lines.emplace_back(number, std::move(values));
  }
  return lines;
}

void make_territories(Problem& problem, int p) {
  problem.territories.resize(p);
  for (int t = 0; t < p; ++t) problem.territories[t].id = fmt::format("T{}", t + 1);
}

//! A point of a capacitated p-median benchmark: coordinates and one demand attribute.
void add_demand_point(Problem& problem, std::string id, double x, double y, double demand) {
  Account a;
  a.id = std::move(id);
  a.x = x;
  a.y = y;
  a.attributes = {demand};
  problem.accounts.push_back(std::move(a));
}

//! p territories sharing one demand capacity.
void finish_capacitated(Problem& problem, int p, double capacity) {
  make_territories(problem, p);
  for (Territory& t : problem.territories) t.capacity = {capacity};
}

Instance read_pmedcap(const std::filesystem::path& path) {
  auto lines = number_lines(path);
  const std::string file = path.string();
  if (lines.size() < 2 || lines[0].second.size() != 2 || lines[1].second.size() != 3)
    throw_input(
        "{}: not an OR-Library pmedcap file (line 1: instance optimum; line 2: n p "
        "capacity)",
        file);
  Instance instance;
  instance.format = "pmedcap";
  instance.reference = lines[0].second[1];
  instance.reference_label = "optimum (OR-Library)";
  Problem& problem = instance.problem;
  problem.name = path.stem().string();
  const std::string header = fmt::format("{}:{}", file, lines[1].first);
  const int n = whole_number(lines[1].second[0], 0, kMaxPoints, header, "point count");
  const int p = whole_number(lines[1].second[1], 1, kMaxTerritories, header, "median count");
  const double capacity = lines[1].second[2];
  if (static_cast<int>(lines.size()) - 2 != n)
    throw_input("{}: header says {} points but the file has {}", file, n, lines.size() - 2);
  problem.attribute_names = {"demand"};
  problem.distance = DistanceKind::euclidean_floor;
  for (int i = 0; i < n; ++i) {
    const auto& [line, v] = lines[i + 2];
    if (v.size() != 4)
      throw_input("{}:{}: expected 'id x y demand', got {} fields", file, line, v.size());
    add_demand_point(problem, fmt::format("{}", v[0]), v[1], v[2], v[3]);
  }
  finish_capacitated(problem, p, capacity);
  return instance;
}

Instance read_sjc(const std::filesystem::path& path) {
  auto lines = number_lines(path);
  const std::string file = path.string();
  if (lines.empty() || lines[0].second.size() != 5)
    throw_input("{}: not a Lorena & Senne file (line 1: set inst n p best_pcenter)", file);
  Instance instance;
  instance.format = "sjc";
  Problem& problem = instance.problem;
  problem.name = path.stem().string();
  const std::string header = fmt::format("{}:{}", file, lines[0].first);
  const int n = whole_number(lines[0].second[2], 0, kMaxPoints, header, "point count");
  const int p = whole_number(lines[0].second[3], 1, kMaxTerritories, header, "median count");
  if (static_cast<int>(lines.size()) - 1 != n)
    throw_input("{}: header says {} points but the file has {}", file, n, lines.size() - 1);
  // Best known capacitated p-median values (Lorena & Senne; the README of the data folder).
  static const std::map<std::string, double> best_known{{"SJC1", 17288.99}, {"SJC2", 33270.94}};
  if (auto it = best_known.find(problem.name); it != best_known.end()) {
    instance.reference = it->second;
    instance.reference_label = "best known (Lorena & Senne)";
  }
  problem.attribute_names = {"demand"};
  problem.distance = DistanceKind::euclidean;
  double capacity = 0.0;
  for (int i = 0; i < n; ++i) {
    const auto& [line, v] = lines[i + 1];
    if (v.size() != 4)
      throw_input("{}:{}: expected 'x y capacity demand', got {} fields", file, line, v.size());
    if (i > 0 && v[2] != capacity)
      throw_input("{}:{}: capacity {} differs from {}; allowed: one capacity for all medians", file,
                  line, v[2], capacity);
    capacity = v[2];
    add_demand_point(problem, fmt::format("{}", i + 1), v[0], v[1], v[3]);
  }
  finish_capacitated(problem, p, capacity);
  return instance;
}

double number_or_fail(const std::string& text, const std::string& where) {
  if (auto v = parse_number(text)) return *v;
  throw_input("{}: '{}' is not a finite number", where, text);
}

//! The published VNS value for `name` in a DTDP reference_results.csv (name,method,value,...).
std::optional<double> dtdp_reference(const std::filesystem::path& path, const std::string& name) {
  const CsvTable table = CsvTable::parse(read_input_file(path.string(), InputKind::territory_data),
                                         path.string(), true);
  std::optional<double> value;
  auto check = [&](const CsvRow& row) {
    if (row.fields.size() >= 3 && row.fields[0] == name && row.fields[1] == "VNSExperiments")
      value = number_or_fail(row.fields[2], table.where(row));
  };
  CsvRow header{1, table.header()};  // the file may have no header line
  check(header);
  for (const CsvRow& row : table.rows()) check(row);
  return value;
}

Instance read_graphml(const std::filesystem::path& path) {
  namespace pt = boost::property_tree;
  const std::string file = path.string();
  pt::ptree tree;
  try {
    std::istringstream in(read_text(path));
    pt::read_xml(in, tree);
  } catch (const pt::xml_parser_error& e) {
    throw_input("{}:{}: not valid XML: {}", file, e.line(), e.message());
  }
  auto required = [&](const pt::ptree& node, const char* attribute, const std::string& element) {
    auto value = node.get_optional<std::string>(
        pt::ptree::path_type(std::string("<xmlattr>/") + attribute, '/'));
    if (!value) throw_input("{}: a <{}> element has no '{}' attribute", file, element, attribute);
    return *value;
  };
  const pt::ptree* graphml = tree.get_child_optional("graphml").get_ptr();
  if (graphml == nullptr) throw_input("{}: no <graphml> element", file);
  std::map<std::string, std::string> key_name;  // key id -> attribute name
  for (const auto& [tag, node] : *graphml)
    if (tag == "key") key_name[required(node, "id", "key")] = required(node, "attr.name", "key");
  const pt::ptree* graph = graphml->get_child_optional("graph").get_ptr();
  if (graph == nullptr) throw_input("{}: no <graph> element", file);
  Instance instance;
  instance.format = "graphml";
  Problem& problem = instance.problem;
  problem.name = path.stem().string();
  problem.attribute_names = {"n_customers", "demand", "workload"};
  problem.distance = DistanceKind::graph;
  problem.objective = ObjectiveKind::dispersion;
  std::map<std::string, int> index;
  std::vector<std::tuple<std::string, std::string, double>> edges;
  for (const auto& [tag, node] : *graph) {
    if (tag == "node") {
      Account a;
      a.id = required(node, "id", "node");
      a.attributes.assign(3, 0.0);
      std::set<std::string> seen;
      for (const auto& [data_tag, data] : node) {
        if (data_tag != "data") continue;
        const std::string& name = key_name[required(data, "key", "data")];
        std::string where = fmt::format("{}: node {}: {}", file, a.id, name);
        double v = number_or_fail(data.get_value<std::string>(), where);
        seen.insert(name);
        if (name == "x")
          a.x = v;
        else if (name == "y")
          a.y = v;
        else if (int k = problem.attribute_index(name); k >= 0)
          a.attributes[k] = v;
      }
      for (const char* name : {"x", "y", "n_customers", "demand", "workload"})
        if (!seen.count(name)) throw_input("{}: node {} has no '{}' attribute", file, a.id, name);
      if (!index.emplace(a.id, static_cast<int>(problem.accounts.size())).second)
        throw_input("{}: node id '{}' appears twice; ids must be unique", file, a.id);
      problem.accounts.push_back(std::move(a));
    } else if (tag == "edge") {
      double length = NAN;
      for (const auto& [data_tag, data] : node)
        if (data_tag == "data" && key_name[required(data, "key", "data")] == "distance")
          length =
              number_or_fail(data.get_value<std::string>(), fmt::format("{}: edge distance", file));
      edges.emplace_back(required(node, "source", "edge"), required(node, "target", "edge"),
                         length);
    }
  }
  for (const auto& [source, target, length] : edges) {
    auto a = index.find(source), b = index.find(target);
    if (a == index.end() || b == index.end())
      throw_input("{}: edge {}-{} names an unknown node", file, source, target);
    if (std::isnan(length)) throw_input("{}: edge {}-{} has no distance", file, source, target);
    problem.edges.push_back({a->second, b->second, length});
  }
  // The published setting (Aly, Gabor & Sleptchenko): p = 10, all attributes within 5%.
  make_territories(problem, 10);
  for (int k = 0; k < 3; ++k) problem.balance.push_back({k, 0.05});
  // Reference: the published VNS value in reference_results.csv next to the file, if present.
  auto reference = path.parent_path() / "reference_results.csv";
  if (std::filesystem::exists(reference)) {
    instance.input_files.push_back(reference.string());
    instance.reference = dtdp_reference(reference, problem.name);
    if (instance.reference) instance.reference_label = "published VNS";
  }
  return instance;
}

// ---- accounts -----------------------------------------------------------------------------------

//! Raw account fields before territories are known (owners and locks are names here).
struct RawAccount {
  Account account;
  std::string owner, lock, group, region;
  std::string where;  //!< file:line or JSON pointer, for messages
};

struct RawAccounts {
  std::vector<RawAccount> rows;
  std::vector<std::string> attributes;
  //! Accounts CSV columns that are not all numbers (e.g. `name`): not attributes; name ->
  //! the first value that is not a number, with its place, for messages.
  std::map<std::string, std::string> text_columns;
  bool geographic = false;  //!< lat/lon columns rather than x/y
  bool has_coordinates = true;
};

const std::set<std::string> kReservedColumns{"id",   "x",        "y",         "lat",
                                             "lon",  "latitude", "longitude", "owner",
                                             "lock", "group",    "region",    "weight"};

//! The index of attribute `name`; the error says why a text column is not one.
int require_attribute(const Problem& problem, const std::map<std::string, std::string>& text,
                      const std::string& name, const std::string& where) {
  if (int k = problem.attribute_index(name); k >= 0) return k;
  if (auto it = text.find(name); it != text.end())
    throw_input("{}: '{}' is not an attribute: the column holds text ({}); allowed: {}", where,
                name, it->second, fmt::join(problem.attribute_names, ", "));
  throw_input("{}: '{}' is not an attribute; allowed: {}", where, name,
              fmt::join(problem.attribute_names, ", "));
}

//! An accounts CSV as `source` maps it: a mapped column takes its field's name ({"id": "Account
//! ID"}), numbers are read in the source's format, rows of a skipped stage are left out. Headers
//! are case-insensitive; a column named like a mapped field but not mapped is ignored.
RawAccounts read_accounts_csv(const std::filesystem::path& path, Encoding encoding,
                              const CsvSource& source = {}) {
  const std::string file = path.string();
  const CsvTable table = CsvTable::read(file, false, encoding, InputKind::territory_data);
  const MappedCsv mapped(table, source);
  std::vector<std::string> header = table.header();
  std::vector<bool> ignored(header.size(), false);
  std::set<std::string> mapped_fields;
  for (const auto& [field, name] : source.columns) {
    std::string key = field;
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    mapped_fields.insert(key);
  }
  for (std::size_t c = 0; c < header.size(); ++c) {
    std::string name = header[c];
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    ignored[c] = mapped_fields.count(name) > 0;
  }
  for (const auto& [field, name] : source.columns) {
    const std::size_t c = *mapped_column(table, source, field);
    header[c] = field;
    ignored[c] = false;
  }
  std::map<std::string, std::size_t> column;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (ignored[c]) continue;
    std::string name = header[c];
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (name.empty()) throw_input("{}:1: column {} has no name", file, c + 1);
    if (!column.emplace(name, c).second)
      throw_input("{}:1: column '{}' appears twice", file, header[c]);
    header[c] = name;
  }
  if (!column.count("id"))
    throw_input(
        "{}:1: no 'id' column (map one with \"columns\": {{\"id\": COLUMN}}); columns are {}", file,
        fmt::join(table.header(), ", "));
  auto number = [&](const std::string& text) { return parse_source_number(text, mapped.source()); };
  RawAccounts raw;
  auto col = [&](std::initializer_list<const char*> names) -> std::optional<std::size_t> {
    for (const char* name : names)
      if (auto it = column.find(name); it != column.end()) return it->second;
    return std::nullopt;
  };
  auto cx = col({"x"}), cy = col({"y"});
  const auto clat = col({"lat", "latitude"}), clon = col({"lon", "longitude"});
  // One pair or none, as the docs say (review: half a pair dropped the geography without a word,
  // and both pairs silently meant lat/lon).
  auto name_of = [&](std::optional<std::size_t> c) { return table.header()[*c]; };
  auto whole_pair = [&](std::optional<std::size_t> a, std::optional<std::size_t> b,
                        const char* a_name, const char* b_name) {
    if (static_cast<bool>(a) == static_cast<bool>(b)) return;
    throw_input(
        "{}:1: column '{}' without '{}'; allowed: one pair of coordinates (x and y, or "
        "lat and lon), or none",
        file, name_of(a ? a : b), a ? b_name : a_name);
  };
  whole_pair(cx, cy, "x", "y");
  whole_pair(clat, clon, "lat", "lon");
  if (cx && clat) {
    throw_input(
        "{}:1: columns '{}', '{}' and '{}', '{}' are two pairs of coordinates; allowed: "
        "one pair (x and y, or lat and lon): map the other away (\"columns\": {{\"x\": "
        "null, \"y\": null}})",
        file, name_of(cx), name_of(cy), name_of(clat), name_of(clon));
  }
  if (clat && clon) {
    raw.geographic = true;
    cx = clon;
    cy = clat;
  } else if (!cx || !cy) {
    raw.has_coordinates = false;
  }
  // Any other column is a numeric attribute unless most of its values are text (a name, an
  // industry): such a column is left aside, and naming it as a measure is an error. In a numeric
  // column a stray non-number is an error naming the cell.
  std::vector<std::size_t> attribute_columns;
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (ignored[c] || kReservedColumns.count(header[c])) continue;
    std::size_t filled = 0, text = 0;
    const CsvRow* first_text = nullptr;
    for (const CsvRow& row : mapped.rows()) {
      if (row.fields[c].empty()) continue;
      ++filled;
      if (number(row.fields[c])) continue;
      ++text;
      if (!first_text) first_text = &row;
    }
    if (2 * text > filled) {
      raw.text_columns[header[c]] =
          fmt::format("{}: '{}'", table.where(*first_text), first_text->fields[c]);
      continue;
    }
    raw.attributes.push_back(header[c]);
    attribute_columns.push_back(c);
  }
  const auto cowner = col({"owner"}), clock = col({"lock"}), cgroup = col({"group"}),
             cregion = col({"region"}), cweight = col({"weight"});
  // Every bad row is reported at once (the first kCsvErrorLimit of them), as --import-csv does.
  InputErrorCollector errors(kCsvErrorLimit, AtErrorLimit::count);
  for (const CsvRow& cells : mapped.rows()) {
    errors.collect([&] {
      RawAccount row;
      row.where = table.where(cells);
      Account& a = row.account;
      a.id = cells.fields[column["id"]];
      if (a.id.find_first_not_of(" \t") == std::string::npos)
        throw_input("{}: column 'id': empty id; every account needs one", row.where);
      if (raw.has_coordinates) {
        auto x = number(cells.fields[*cx]), y = number(cells.fields[*cy]);
        if (!x || !y)
          throw_input("{}: coordinates ({}, {}) are not finite numbers; allowed: finite values",
                      row.where, cells.fields[*cx], cells.fields[*cy]);
        a.x = *x;
        a.y = *y;
        if (raw.geographic && (std::abs(a.y) > 90 || std::abs(a.x) > 180))
          throw_input("{}: latitude {} / longitude {} out of range (-90..90, -180..180)", row.where,
                      a.y, a.x);
      }
      for (std::size_t k = 0; k < attribute_columns.size(); ++k) {
        const std::string& cell = cells.fields[attribute_columns[k]];
        auto v = number(cell);
        if (!v || *v < 0)
          throw_input("{}: {} = {} is not allowed; attributes must be finite and >= 0", row.where,
                      raw.attributes[k], cell);
        a.attributes.push_back(*v);
      }
      if (cweight) {
        const auto weight = number(cells.fields[*cweight]);
        a.weight = weight.value_or(-1.0);
        if (!weight || !(a.weight >= 0))
          throw_input("{}: weight = {} is not allowed; weights must be finite and >= 0", row.where,
                      cells.fields[*cweight]);
      }
      // Names without the spaces around them (review: an owner exported as "Ann " became a
      // territory of its own beside "Ann").
      auto name = [&](std::size_t c) {
        const std::string& cell = cells.fields[c];
        const auto first = cell.find_first_not_of(" \t");
        return first == std::string::npos
                   ? std::string()
                   : cell.substr(first, cell.find_last_not_of(" \t") - first + 1);
      };
      if (cowner) row.owner = name(*cowner);
      if (clock) row.lock = name(*clock);
      if (cgroup) row.group = name(*cgroup);
      if (cregion) row.region = name(*cregion);
      raw.rows.push_back(std::move(row));
    });
  }
  errors.throw_if_any();
  return raw;
}

RawAccounts read_accounts_json(const JsonNode& list) {
  RawAccounts raw;
  raw.has_coordinates = false;
  std::set<std::string> names;
  for (const JsonNode& item : list.items()) {
    item.allow_only(
        {"id", "x", "y", "lat", "lon", "attributes", "weight", "owner", "lock", "group", "region"});
    if (auto attributes = item.get("attributes"))
      for (const std::string& name : attributes->keys()) names.insert(name);
  }
  raw.attributes.assign(names.begin(), names.end());
  for (std::size_t r = 0; r < list.size(); ++r) {
    const JsonNode item = list.at(r);
    RawAccount row;
    row.where = item.where();
    Account& a = row.account;
    a.id = item.at("id").id();
    const bool xy = item.has("x") || item.has("y");
    const bool latlon = item.has("lat") || item.has("lon");
    if (xy || latlon) {
      if (r == 0) {
        raw.has_coordinates = true;
        raw.geographic = latlon;
      }
      const char* kx = raw.geographic ? "lon" : "x";
      const char* ky = raw.geographic ? "lat" : "y";
      if (!item.has(kx) || !item.has(ky))
        item.fail("needs \"{}\" and \"{}\" like the first account", kx, ky);
      if (item.at(kx).json().is_null() || item.at(ky).json().is_null())
        item.fail("coordinates are null (NaN); allowed: finite numbers");
      a.x = item.at(kx).number();
      a.y = item.at(ky).number();
    } else if (raw.has_coordinates) {
      item.fail("has no coordinates but the first account has");
    }
    std::optional<JsonNode> attributes = item.get("attributes");
    for (const std::string& name : raw.attributes) {
      double v = 0.0;
      if (attributes && attributes->has(name)) v = attributes->at(name).non_negative();
      a.attributes.push_back(v);
    }
    if (auto weight = item.get("weight")) a.weight = weight->non_negative();
    for (auto [key, field] : {std::pair{"owner", &row.owner},
                              {"lock", &row.lock},
                              {"group", &row.group},
                              {"region", &row.region}})
      if (auto value = item.get(key)) *field = value->string();
    raw.rows.push_back(std::move(row));
  }
  return raw;
}

//! Turns raw accounts into the problem: ids unique, owners/locks resolved against territories.
void resolve_accounts(Problem& problem, const RawAccounts& raw, const std::string& source,
                      std::optional<int> requested_p) {
  problem.attribute_names = raw.attributes;
  if (!raw.has_coordinates)
    problem.distance = DistanceKind::none;
  else if (raw.geographic)
    problem.distance = DistanceKind::haversine;
  std::map<std::string, int> seen_ids;
  for (const RawAccount& row : raw.rows)
    if (!seen_ids.emplace(row.account.id, 0).second)
      throw_input("{}: duplicate account id '{}'; ids must be unique", row.where, row.account.id);
  // Territories: the list given, else the owners in order of appearance, padded to p.
  std::map<std::string, int> territory_index;
  for (std::size_t t = 0; t < problem.territories.size(); ++t)
    territory_index[problem.territories[t].id] = static_cast<int>(t);
  const bool listed = !problem.territories.empty();
  if (!listed) {
    // Owners that differ only in case are one rep typed two ways, more likely than two reps
    // (review: "ann" became a tenth territory beside "Ann"): refused, naming both.
    std::map<std::string, const RawAccount*> folded;
    for (const RawAccount& row : raw.rows) {
      std::string key = row.owner;
      std::transform(key.begin(), key.end(), key.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const auto [at, added] = folded.emplace(key, &row);
      if (!added && at->second->owner != row.owner)
        throw_input(
            "{}: owner '{}' differs only in case from '{}' ({}); write each owner one way, or "
            "list the territories in a scenario",
            row.where, row.owner, at->second->owner, at->second->where);
    }
    for (const RawAccount& row : raw.rows)
      if (!row.owner.empty() && !territory_index.count(row.owner)) {
        territory_index[row.owner] = static_cast<int>(problem.territories.size());
        problem.territories.push_back(Territory{row.owner, row.owner, -1, -1, {}});
      }
    int owners = static_cast<int>(problem.territories.size());
    int p = requested_p.value_or(owners);
    if (p < owners)
      throw_input(
          "{}: {} territories requested but the owner column names {}; allowed: at least "
          "{} (or a territory list in a scenario)",
          source, p, owners, owners);
    if (p > kMaxTerritories)
      throw_input("{}: {} territories requested; allowed: at most {}", source, p, kMaxTerritories);
    for (int t = owners; t < p; ++t) {
      std::string id = fmt::format("T{}", t + 1);
      while (territory_index.count(id)) id += "'";
      territory_index[id] = t;
      problem.territories.push_back(Territory{id, "", -1, -1, {}});
    }
  }
  std::map<std::string, int> group_index, region_index;
  for (std::size_t r = 0; r < problem.region_names.size(); ++r)
    region_index[problem.region_names[r]] = static_cast<int>(r);
  for (const RawAccount& row : raw.rows) {
    Account a = row.account;
    auto territory_of = [&](const std::string& name, const char* field, const char* unset) {
      const auto it = territory_index.find(name);
      if (it != territory_index.end()) return it->second;
      std::vector<std::string> ids;
      for (const Territory& t : problem.territories) ids.push_back(t.id);
      throw_input("{}: {} '{}' is not a territory; allowed: {} ({})", row.where, field, name,
                  fmt::join(ids, ", "), unset);
    };
    // An owner outside a given territory list is refused, as a lock is (review: a misspelt
    // owner was read as none, and the account's move went uncounted); the accounts of an owner
    // who leaves have no owner.
    if (!row.owner.empty())
      a.owner = territory_of(row.owner, "owner", "or empty for an account without a current owner");
    if (!row.lock.empty()) a.lock = territory_of(row.lock, "lock", "or empty for none");
    if (!row.group.empty())
      a.group = group_index.emplace(row.group, static_cast<int>(group_index.size())).first->second;
    if (!row.region.empty()) {
      auto [it, inserted] = region_index.emplace(row.region, static_cast<int>(region_index.size()));
      if (inserted) problem.region_names.push_back(row.region);
      a.region = it->second;
    }
    problem.accounts.push_back(std::move(a));
    problem.account_places.push_back(row.where);
  }
}

std::map<std::string, int> account_index(const Problem& problem) {
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < problem.accounts.size(); ++i)
    index[problem.accounts[i].id] = static_cast<int>(i);
  return index;
}

//! {"attribute": limit, ...} as one optional limit per attribute.
std::vector<std::optional<double>> capacity_vector(const JsonNode& node, const Problem& problem,
                                                   const RawAccounts& raw) {
  node.expect_object();
  std::vector<std::optional<double>> result(problem.attribute_names.size());
  for (const std::string& name : node.keys())
    result[require_attribute(problem, raw.text_columns, name, node.at(name).where())] =
        node.at(name).non_negative();
  return result;
}

Instance read_scenario(const std::filesystem::path& path, const Overrides& overrides,
                       std::map<std::string, std::string>& text_columns) {
  const std::string file = path.string();
  const nlohmann::json document = read_json_file(file, InputKind::scenario_json);
  const JsonNode root(document, file);
  root.expect_object();
  root.allow_only(scenario_keys());
  if (!root.has("territories")) root.fail("a territory scenario needs a \"territories\" object");
  const JsonNode section = root.at("territories");
  section.allow_only({"accounts", "count", "list", "coordinates", "distance", "adjacency",
                      "contiguity", "objective", "weight", "balance", "capacity", "disruption"});
  Instance instance;
  instance.format = "scenario";
  // The files the scenario names, from the one list every command uses (scenario_document.hpp).
  instance.input_files = referenced_files(document, path.parent_path());
  Problem& problem = instance.problem;
  problem.name = path.stem().string();
  // Territories first, so accounts can name them.
  std::vector<std::pair<int, JsonNode>> centres, capacities;
  if (auto list = section.get("list")) {
    if (list->size() == 0) list->fail("expected a non-empty array of territories");
    std::set<std::string> ids;
    for (const JsonNode& item : list->items()) {
      item.allow_only({"id", "owner", "centre", "region", "capacity"});
      const int t = static_cast<int>(problem.territories.size());
      Territory territory;
      territory.id = item.at("id").id();
      if (!ids.insert(territory.id).second)
        item.at("id").fail("duplicate territory id '{}'", territory.id);
      if (auto owner = item.get("owner")) territory.owner = owner->string();
      if (auto centre = item.get("centre")) {
        (void)centre->string();
        centres.emplace_back(t, *centre);
      }
      if (auto region_node = item.get("region")) {
        const std::string region = region_node->string();
        auto it = std::find(problem.region_names.begin(), problem.region_names.end(), region);
        if (it == problem.region_names.end()) {
          problem.region_names.push_back(region);
          it = problem.region_names.end() - 1;
        }
        territory.region = static_cast<int>(it - problem.region_names.begin());
      }
      if (auto capacity = item.get("capacity")) capacities.emplace_back(t, *capacity);
      problem.territories.push_back(std::move(territory));
    }
  }
  std::optional<int> p = overrides.territories;
  if (!p) {
    if (auto count = section.get("count")) p = static_cast<int>(count->integer(1, kMaxTerritories));
  }
  if (!problem.territories.empty() && p && *p != problem.territory_count())
    (section.has("count") ? section.at("count") : section)
        .fail("{} territories requested but the list has {}", *p, problem.territory_count());
  const JsonNode accounts = section.at("accounts");
  RawAccounts raw;
  if (accounts.is_string() || accounts.is_object()) {
    const CsvSource source = read_csv_source(accounts);
    const std::filesystem::path csv = path.parent_path() / source.path;
    // Named with the scenario and its pointer (review: "nope.csv: no such file" alone).
    std::error_code error;
    if (!std::filesystem::exists(std::filesystem::symlink_status(csv, error))) {
      (accounts.is_object() ? accounts.at("path") : accounts)
          .fail("'{}' ({}): no such file", source.path, std::filesystem::absolute(csv).string());
    }
    raw = read_accounts_csv(csv, overrides.encoding, source);
  } else {
    raw = read_accounts_json(accounts);
  }
  text_columns = raw.text_columns;
  resolve_accounts(problem, raw, file, p);
  auto index = account_index(problem);
  for (auto& [t, centre] : centres) {
    auto it = index.find(centre.string());
    if (it == index.end()) centre.fail("'{}' is not an account id", centre.string());
    problem.territories[t].centre = it->second;
  }
  if (auto capacity = section.get("capacity")) {
    auto common = capacity_vector(*capacity, problem, raw);
    for (Territory& t : problem.territories) t.capacity = common;
  }
  for (auto& [t, value] : capacities)
    problem.territories[t].capacity = capacity_vector(value, problem, raw);
  if (auto coordinates = section.get("coordinates")) {
    const std::string kind = coordinates->string();
    if (kind != "planar" && kind != "latlon")
      coordinates->fail("\"{}\" is not allowed; allowed: \"planar\", \"latlon\"", kind);
  }
  if (auto distance = section.get("distance"))
    problem.distance = parse_distance(distance->string(), distance->where());
  if (auto objective = section.get("objective"))
    problem.objective = parse_objective(objective->string(), objective->where());
  if (auto adjacency = section.get("adjacency")) {
    for (const JsonNode& edge : adjacency->items()) {
      if (edge.size() != 3 || !edge.at(std::size_t{0}).is_string() ||
          !edge.at(std::size_t{1}).is_string())
        edge.fail("expected [\"from id\", \"to id\", length]");
      auto a = index.find(edge.at(std::size_t{0}).string()),
           b = index.find(edge.at(std::size_t{1}).string());
      if (a == index.end() || b == index.end())
        edge.fail("{} names an unknown account", edge.json().dump());
      problem.edges.push_back({a->second, b->second, edge.at(std::size_t{2}).non_negative()});
    }
  }
  if (auto contiguity = section.get("contiguity")) problem.contiguity = contiguity->boolean();
  if (auto weight = section.get("weight")) {
    const int k = require_attribute(problem, raw.text_columns, weight->string(), weight->where());
    for (Account& a : problem.accounts) a.weight = a.attributes[k];
  }
  if (auto balance = section.get("balance")) {
    balance->expect_object();
    for (const std::string& name : balance->keys()) {
      const JsonNode tolerance = balance->at(name);
      const int k = require_attribute(problem, raw.text_columns, name, tolerance.where());
      problem.balance.push_back(
          {k, tolerance.number_in(0, 1, "a tolerance (0.1: within 10% of the mean)")});
    }
  }
  if (auto disruption = section.get("disruption")) {
    disruption->allow_only({"measure", "weight", "max_moved"});
    if (auto measure = disruption->get("measure")) {
      const std::string name = measure->string();
      if (name != "accounts")
        problem.disruption.measure_attribute =
            require_attribute(problem, raw.text_columns, name, measure->where());
    }
    if (auto weight = disruption->get("weight")) problem.disruption.weight = weight->non_negative();
    if (auto max_moved = disruption->get("max_moved"))
      problem.disruption.max_moved_fraction = max_moved->number_in(0, 1, "a fraction");
  }
  return instance;
}

void apply_overrides(Instance& instance, const Overrides& overrides, const std::string& source,
                     const std::map<std::string, std::string>& text_columns) {
  Problem& problem = instance.problem;
  if (overrides.territories) {
    if (*overrides.territories < 1 || *overrides.territories > kMaxTerritories)
      throw_input("--territories: {} is not allowed; allowed: 1..{}", *overrides.territories,
                  kMaxTerritories);
  }
  if (overrides.territories && instance.format != "scenario" && instance.format != "csv") {
    std::vector<std::optional<double>> capacity = problem.territories.empty()
                                                      ? std::vector<std::optional<double>>{}
                                                      : problem.territories.front().capacity;
    make_territories(problem, *overrides.territories);
    for (Territory& t : problem.territories) t.capacity = capacity;
    if (*overrides.territories != problem.territory_count()) instance.reference.reset();
  }
  if (overrides.objective) problem.objective = *overrides.objective;
  if (overrides.distance) problem.distance = *overrides.distance;
  if (overrides.distance == DistanceKind::haversine) {
    // Haversine reads x as longitude and y as latitude (review: planar x/y up to 400 were taken
    // as degrees, and diameters of 11,000 km printed).
    for (const Account& a : problem.accounts) {
      if (std::abs(a.y) <= 90 && std::abs(a.x) <= 180) continue;
      throw_input(
          "--distance haversine: account '{}' has x {} and y {}, which are not a longitude "
          "(-180..180) and a latitude (-90..90); haversine is for lat/lon coordinates (planar "
          "x/y: euclidean)",
          a.id, format_grouped_trimmed(a.x), format_grouped_trimmed(a.y));
    }
  }
  if (overrides.contiguity) problem.contiguity = true;
  if (!overrides.balance.empty()) {
    problem.balance.clear();
    for (const auto& [name, tolerance] : overrides.balance) {
      const int k = require_attribute(problem, text_columns, name, "--balance: " + source);
      if (!(tolerance >= 0) || !std::isfinite(tolerance))
        throw_input("--balance: {}={} is not allowed; tolerances are numbers >= 0", name,
                    tolerance);
      problem.balance.push_back({k, tolerance});
    }
  }
  if (overrides.disruption_measure) {
    if (*overrides.disruption_measure == "accounts") {
      problem.disruption.measure_attribute = -1;
    } else {
      problem.disruption.measure_attribute = require_attribute(
          problem, text_columns, *overrides.disruption_measure, "--moved-measure: " + source);
    }
  }
  if (overrides.max_moved) {
    if (!(*overrides.max_moved >= 0 && *overrides.max_moved <= 1))
      throw_input("--max-moved: {} is not a fraction (0..1)", *overrides.max_moved);
    problem.disruption.max_moved_fraction = overrides.max_moved;
  }
  if (overrides.disruption_weight) problem.disruption.weight = *overrides.disruption_weight;
  if (overrides.weight_attribute) {
    const int k = require_attribute(problem, text_columns, *overrides.weight_attribute,
                                    "--weight: " + source);
    for (Account& a : problem.accounts) a.weight = a.attributes[k];
  }
}

std::string detect_format(const std::filesystem::path& input) {
  std::string extension = input.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (extension == ".json") return "scenario";
  if (extension == ".csv") return "csv";
  if (extension == ".graphml") return "graphml";
  if (extension == ".txt") {
    std::istringstream in(read_text(input));
    std::string line;
    std::getline(in, line);
    std::istringstream fields(line);
    int count = 0;
    std::string token;
    while (fields >> token) ++count;
    if (count == 2) return "pmedcap";
    if (count == 5) return "sjc";
  }
  throw_input(
      "{}: cannot tell the format from the name or first line; use --format "
      "scenario|csv|pmedcap|sjc|graphml",
      input.string());
}

}  // namespace

ObjectiveKind parse_objective(const std::string& text, const std::string& where) {
  if (text == "compactness") return ObjectiveKind::compactness;
  if (text == "dispersion") return ObjectiveKind::dispersion;
  throw_input("{}: objective '{}' is not allowed; allowed: compactness, dispersion", where, text);
}

DistanceKind parse_distance(const std::string& text, const std::string& where) {
  static const std::map<std::string, DistanceKind> kinds{
      {"euclidean", DistanceKind::euclidean},
      {"euclidean_floor", DistanceKind::euclidean_floor},
      {"haversine", DistanceKind::haversine},
      {"graph", DistanceKind::graph},
      {"none", DistanceKind::none}};
  auto it = kinds.find(text);
  if (it == kinds.end())
    throw_input(
        "{}: distance '{}' is not allowed; allowed: euclidean, euclidean_floor, haversine, "
        "graph, none",
        where, text);
  return it->second;
}

Instance load_instance(const std::filesystem::path& input, const Overrides& overrides) {
  require_regular_file(input.string(), InputKind::territory_data);
  std::string format = overrides.format == "auto" ? detect_format(input) : overrides.format;
  Instance instance;
  std::map<std::string, std::string> text_columns;
  if (format == "scenario") {
    instance = read_scenario(input, overrides, text_columns);
  } else if (format == "csv") {
    instance.format = "csv";
    instance.problem.name = input.stem().string();
    const RawAccounts raw = read_accounts_csv(input, overrides.encoding);
    // Columns x and y are planar by definition (scenarios/territories.md); haversine reads
    // degrees (review: x/y within +-90/180 were taken as degrees, kilometres printed).
    if (overrides.distance == DistanceKind::haversine && raw.has_coordinates && !raw.geographic)
      throw_input(
          "--distance haversine: {} has planar x/y columns; haversine is for lat/lon columns "
          "(name them lat and lon if they are degrees)",
          input.string());
    text_columns = raw.text_columns;
    resolve_accounts(instance.problem, raw, input.string(), overrides.territories);
  } else if (format == "pmedcap") {
    instance = read_pmedcap(input);
  } else if (format == "sjc") {
    instance = read_sjc(input);
  } else if (format == "graphml") {
    instance = read_graphml(input);
  } else {
    throw_input(
        "--format: '{}' is not allowed; allowed: auto, scenario, csv, pmedcap, sjc, graphml",
        format);
  }
  apply_overrides(instance, overrides, input.string(), text_columns);
  territory::assign_territory_regions(instance.problem);
  territory::validate(instance.problem, input.string());
  return instance;
}

namespace {

//! Territory index per allocation label: by name when every label is a territory id; when none
//! is (e.g. DTDP districts "0".."9"), the labels are anonymous and taken in order, to be matched
//! to the current owners afterwards. \throws InputError for a mix, naming the unknown label at
//! its place (places[i]: "file:line" or a JSON pointer, where labels[i] stands).
std::map<std::string, int> label_territories(const std::vector<std::string>& labels,
                                             const std::vector<std::string>& places,
                                             const Problem& problem, bool* anonymous) {
  std::map<std::string, int> by_id;
  for (int t = 0; t < problem.territory_count(); ++t) by_id[problem.territories[t].id] = t;
  std::map<std::string, int> result;
  const bool named = std::any_of(labels.begin(), labels.end(),
                                 [&](const std::string& label) { return by_id.count(label) > 0; });
  *anonymous = !named;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    if (result.count(label)) continue;
    if (named) {
      auto it = by_id.find(label);
      if (it == by_id.end()) {
        std::vector<std::string> ids;
        for (const Territory& t : problem.territories) ids.push_back(t.id);
        throw_input("{}: territory '{}' is not a territory of the problem; allowed: {}", places[i],
                    label, fmt::join(ids, ", "));
      }
      result[label] = it->second;
    } else {
      if (static_cast<int>(result.size()) >= problem.territory_count())
        throw_input("{}: more than {} territories ('{}' is one too many)", places[i],
                    problem.territory_count(), label);
      const int next = static_cast<int>(result.size());
      result[label] = next;
    }
  }
  return result;
}

void finish_allocation(Alignment& alignment, const Problem& problem, const std::string& file,
                       bool anonymous) {
  for (std::size_t i = 0; i < problem.size(); ++i)
    if (alignment.territory[i] < 0)
      throw_input("{}: account '{}' is in no territory", file, problem.accounts[i].id);
  if (anonymous) territory::match_owner_labels(problem, alignment);
}

//! `id,territory[,...,centre]` as opsim writes it (`<stem>_assignment.csv`).
Alignment read_assignment_csv(const std::filesystem::path& path, const Problem& problem) {
  const std::string file = path.string();
  const CsvTable table = CsvTable::read(file, false, Encoding::utf8, InputKind::territory_data);
  const std::size_t cid = table.require_column("id");
  const std::size_t cterritory = table.require_column("territory");
  const std::optional<std::size_t> ccentre = table.column("centre");
  auto index = account_index(problem);
  struct Row {
    int account;
    std::string territory;
    bool centre;
  };
  std::vector<Row> rows;
  std::vector<std::string> labels, places;
  for (const CsvRow& row : table.rows()) {
    const std::string& id = table.required_text(row, cid);
    auto it = index.find(id);
    if (it == index.end())
      throw_input("{}: account '{}' is not in the problem", table.where(row), id);
    const std::string centre = ccentre ? table.text(row, *ccentre) : std::string();
    if (!centre.empty() && centre != "0" && centre != "1")
      throw_input("{}: centre '{}' is not allowed; allowed: 0, 1 or empty", table.where(row),
                  centre);
    rows.push_back({it->second, table.required_text(row, cterritory), centre == "1"});
    labels.push_back(rows.back().territory);
    places.push_back(table.where(row));
  }
  bool anonymous = false;
  const auto territory_of = label_territories(labels, places, problem, &anonymous);
  Alignment alignment;
  alignment.territory.assign(problem.size(), -1);
  alignment.centre.assign(problem.territory_count(), -1);
  std::vector<std::size_t> first_row(problem.size(), 0);
  std::vector<std::size_t> centre_row(problem.territory_count(), 0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    // Both lines named (review: it named neither).
    if (alignment.territory[row.account] >= 0)
      throw_input("{}: account '{}' appears twice (first at {})", places[r],
                  problem.accounts[row.account].id, places[first_row[row.account]]);
    first_row[row.account] = r;
    const int t = territory_of.at(row.territory);
    alignment.territory[row.account] = t;
    if (!row.centre) continue;
    // A territory has one centre (review: two rows marked one, and the last in the file won).
    if (alignment.centre[t] >= 0) {
      throw_input(
          "{}: account '{}' is marked as the centre of territory '{}', as '{}' is (at {}); "
          "allowed: one centre per territory",
          places[r], problem.accounts[row.account].id, row.territory,
          problem.accounts[alignment.centre[t]].id, places[centre_row[t]]);
    }
    alignment.centre[t] = row.account;
    centre_row[t] = r;
  }
  finish_allocation(alignment, problem, file, anonymous);
  return alignment;
}

}  // namespace

Alignment read_allocation(const std::filesystem::path& path, const Problem& problem,
                          double* published_objective) {
  const std::string file = path.string();
  if (path.extension() == ".csv") return read_assignment_csv(path, problem);
  const nlohmann::json document = read_json_file(file, InputKind::territory_data);
  const JsonNode root(document, file);
  root.expect_object();
  if (published_objective) {
    if (auto objective = root.get("Objective")) *published_objective = objective->number();
  }
  const JsonNode allocation = root.at("Allocation");
  allocation.expect_object();
  auto index = account_index(problem);
  const std::vector<std::string> labels = allocation.keys();
  std::vector<std::string> places;
  for (const std::string& name : labels) places.push_back(allocation.at(name).where());
  bool anonymous = false;
  const auto territory_of = label_territories(labels, places, problem, &anonymous);
  Alignment alignment;
  alignment.territory.assign(problem.size(), -1);
  alignment.centre.assign(problem.territory_count(), -1);
  for (const std::string& name : labels) {
    for (const JsonNode& node : allocation.at(name).items()) {
      const std::string id = node.is_string() ? node.string() : node.json().dump();
      auto it = index.find(id);
      if (it == index.end()) node.fail("unknown account '{}'", id);
      alignment.territory[it->second] = territory_of.at(name);
    }
  }
  finish_allocation(alignment, problem, file, anonymous);
  return alignment;
}

}  // namespace opsim::territory_io
