#include "sim/io/territory_io.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <H5Cpp.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/property_tree/ptree.hpp>
#include <boost/property_tree/xml_parser.hpp>
#include <nlohmann/json.hpp>

#include "models/territory/labels.hpp"
#include "opsim_version.hpp"
#include "sim/base/error.hpp"
#include "sim/base/random.hpp"

namespace opsim::territory_io {

using territory::Account;
using territory::BalanceRule;
using territory::Edge;
using territory::Territory;

namespace {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input("{}: cannot open the file", path.string());
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 byte-order mark
  return text;
}

//! Whitespace-separated numbers of each non-empty line, with 1-based line numbers.
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
      char* end = nullptr;
      double v = std::strtod(token.c_str(), &end);
      if (end == token.c_str() || *end != '\0')
        throw_input("{}:{}: '{}' is not a number", path.string(), number, token);
      values.push_back(v);
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
  const int n = static_cast<int>(lines[1].second[0]), p = static_cast<int>(lines[1].second[1]);
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
  const int n = static_cast<int>(lines[0].second[2]), p = static_cast<int>(lines[0].second[3]);
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

double parse_number(const std::string& text, const std::string& where) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || *end != '\0')
    throw_input("{}: '{}' is not a number", where, text);
  return v;
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
  const pt::ptree* graphml = tree.get_child_optional("graphml").get_ptr();
  if (graphml == nullptr) throw_input("{}: no <graphml> element", file);
  std::map<std::string, std::string> key_name;  // key id -> attribute name
  for (const auto& [tag, node] : *graphml)
    if (tag == "key")
      key_name[node.get<std::string>("<xmlattr>.id")] =
          node.get<std::string>(pt::ptree::path_type("<xmlattr>/attr.name", '/'));
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
      a.id = node.get<std::string>("<xmlattr>.id");
      a.attributes.assign(3, 0.0);
      std::set<std::string> seen;
      for (const auto& [data_tag, data] : node) {
        if (data_tag != "data") continue;
        const std::string& name = key_name[data.get<std::string>("<xmlattr>.key")];
        std::string where = fmt::format("{}: node {}: {}", file, a.id, name);
        double v = parse_number(data.get_value<std::string>(), where);
        seen.insert(name);
        if (name == "x")
          a.x = v;
        else if (name == "y")
          a.y = v;
        else if (int k = problem.attribute_index(name); k >= 0)
          a.attributes[k] = v;
      }
      for (const char* required : {"x", "y", "n_customers", "demand", "workload"})
        if (!seen.count(required))
          throw_input("{}: node {} has no '{}' attribute", file, a.id, required);
      if (!index.emplace(a.id, static_cast<int>(problem.accounts.size())).second)
        throw_input("{}: node id '{}' appears twice; ids must be unique", file, a.id);
      problem.accounts.push_back(std::move(a));
    } else if (tag == "edge") {
      double length = NAN;
      for (const auto& [data_tag, data] : node)
        if (data_tag == "data" && key_name[data.get<std::string>("<xmlattr>.key")] == "distance")
          length =
              parse_number(data.get_value<std::string>(), fmt::format("{}: edge distance", file));
      edges.emplace_back(node.get<std::string>("<xmlattr>.source"),
                         node.get<std::string>("<xmlattr>.target"), length);
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
    std::istringstream in(read_text(reference));
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> cells;
      std::stringstream fields(line);
      std::string cell;
      while (std::getline(fields, cell, ',')) cells.push_back(cell);
      if (cells.size() >= 3 && cells[0] == problem.name && cells[1] == "VNSExperiments") {
        instance.reference = parse_number(cells[2], reference.string());
        instance.reference_label = "published VNS";
      }
    }
  }
  return instance;
}

// ---- CSV ---------------------------------------------------------------------------------------

//! Splits one CSV record (RFC 4180 quotes; no embedded newlines).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
    } else if (c != '\r') {
      cell += c;
    }
  }
  cells.push_back(std::move(cell));
  return cells;
}

//! The next non-blank row after line `number` (updated), split into cells.
//! \throws InputError when its field count differs from the header's.
bool next_csv_row(std::istream& in, const std::string& file, std::size_t fields, int& number,
                  std::vector<std::string>& cells) {
  std::string line;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty() || line == "\r") continue;
    cells = split_csv(line);
    if (cells.size() != fields)
      throw_input("{}:{}: {} fields, the header has {}", file, number, cells.size(), fields);
    return true;
  }
  return false;
}

//! Raw account fields before territories are known (owners and locks are names here).
struct RawAccount {
  Account account;
  std::string owner, lock, group, region;
  std::string where;  //!< file:line or JSON pointer, for messages
};

struct RawAccounts {
  std::vector<RawAccount> rows;
  std::vector<std::string> attributes;
  bool geographic = false;  //!< lat/lon columns rather than x/y
  bool has_coordinates = true;
};

const std::set<std::string> kReservedColumns{"id",   "x",        "y",         "lat",
                                             "lon",  "latitude", "longitude", "owner",
                                             "lock", "group",    "region",    "weight"};

RawAccounts read_accounts_csv(const std::filesystem::path& path) {
  const std::string file = path.string();
  std::istringstream in(read_text(path));
  std::string line;
  if (!std::getline(in, line)) throw_input("{}: empty file; expected a header line", file);
  std::vector<std::string> header = split_csv(line);
  std::map<std::string, int> column;
  for (std::size_t c = 0; c < header.size(); ++c) {
    std::string name = header[c];
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    if (!column.emplace(name, static_cast<int>(c)).second)
      throw_input("{}:1: column '{}' appears twice", file, header[c]);
    header[c] = name;
  }
  if (!column.count("id"))
    throw_input("{}:1: no 'id' column; columns are {}", file, fmt::join(header, ", "));
  RawAccounts raw;
  auto col = [&](std::initializer_list<const char*> names) {
    for (const char* name : names)
      if (auto it = column.find(name); it != column.end()) return it->second;
    return -1;
  };
  int cx = col({"x"}), cy = col({"y"}), clat = col({"lat", "latitude"}),
      clon = col({"lon", "longitude"});
  if (clat >= 0 && clon >= 0) {
    raw.geographic = true;
    cx = clon;
    cy = clat;
  } else if (cx < 0 || cy < 0) {
    raw.has_coordinates = false;
  }
  std::vector<int> attribute_columns;
  for (std::size_t c = 0; c < header.size(); ++c)
    if (!kReservedColumns.count(header[c])) {
      raw.attributes.push_back(header[c]);
      attribute_columns.push_back(static_cast<int>(c));
    }
  int cowner = col({"owner"}), clock = col({"lock"}), cgroup = col({"group"}),
      cregion = col({"region"}), cweight = col({"weight"});
  int number = 1;
  std::vector<std::string> cells;
  while (next_csv_row(in, file, header.size(), number, cells)) {
    RawAccount row;
    row.where = fmt::format("{}:{}", file, number);
    Account& a = row.account;
    a.id = cells[column["id"]];
    if (a.id.empty()) throw_input("{}: empty id", row.where);
    auto number_at = [&](int c) {
      return parse_number(cells[c], fmt::format("{}: column '{}'", row.where, header[c]));
    };
    if (raw.has_coordinates) {
      a.x = number_at(cx);
      a.y = number_at(cy);
      if (!std::isfinite(a.x) || !std::isfinite(a.y))
        throw_input("{}: coordinates ({}, {}) are not finite numbers; allowed: finite values",
                    row.where, cells[cx], cells[cy]);
      if (raw.geographic && (std::abs(a.y) > 90 || std::abs(a.x) > 180))
        throw_input("{}: latitude {} / longitude {} out of range (-90..90, -180..180)", row.where,
                    a.y, a.x);
    }
    for (std::size_t k = 0; k < attribute_columns.size(); ++k) {
      double v = number_at(attribute_columns[k]);
      if (!(v >= 0) || !std::isfinite(v))
        throw_input("{}: {} = {} is not allowed; attributes must be finite and >= 0", row.where,
                    raw.attributes[k], cells[attribute_columns[k]]);
      a.attributes.push_back(v);
    }
    if (cweight >= 0) {
      a.weight = number_at(cweight);
      if (!(a.weight >= 0) || !std::isfinite(a.weight))
        throw_input("{}: weight = {} is not allowed; weights must be finite and >= 0", row.where,
                    cells[cweight]);
    }
    if (cowner >= 0) row.owner = cells[cowner];
    if (clock >= 0) row.lock = cells[clock];
    if (cgroup >= 0) row.group = cells[cgroup];
    if (cregion >= 0) row.region = cells[cregion];
    raw.rows.push_back(std::move(row));
  }
  return raw;
}

// ---- scenario JSON
// -------------------------------------------------------------------------------

using nlohmann::json;

double json_number(const json& value, const std::string& where, const std::string& allowed) {
  if (!value.is_number())
    throw_input("{}: {} is not a number; allowed: {}", where, value.dump(), allowed);
  return value.get<double>();
}

RawAccounts read_accounts_json(const json& list, const std::string& file,
                               const std::string& pointer) {
  if (!list.is_array()) throw_input("{}: {}: expected an array of accounts", file, pointer);
  RawAccounts raw;
  raw.has_coordinates = false;
  std::set<std::string> names;
  for (const json& item : list)
    if (item.is_object() && item.contains("attributes") && item["attributes"].is_object())
      for (const auto& [name, v] : item["attributes"].items()) names.insert(name);
  raw.attributes.assign(names.begin(), names.end());
  for (std::size_t r = 0; r < list.size(); ++r) {
    const json& item = list[r];
    RawAccount row;
    std::string at = fmt::format("{}/{}", pointer, r);
    row.where = fmt::format("{}: {}", file, at);
    if (!item.is_object() || !item.contains("id") || !item["id"].is_string())
      throw_input("{}: expected an object with a string \"id\"", row.where);
    Account& a = row.account;
    a.id = item["id"].get<std::string>();
    bool xy = item.contains("x") || item.contains("y");
    bool latlon = item.contains("lat") || item.contains("lon");
    if (xy || latlon) {
      if (r == 0) {
        raw.has_coordinates = true;
        raw.geographic = latlon;
      }
      const char* kx = raw.geographic ? "lon" : "x";
      const char* ky = raw.geographic ? "lat" : "y";
      if (!item.contains(kx) || !item.contains(ky))
        throw_input("{}: needs \"{}\" and \"{}\" like the first account", row.where, kx, ky);
      if (item[kx].is_null() || item[ky].is_null())
        throw_input("{}: coordinates are null (NaN); allowed: finite numbers", row.where);
      a.x = json_number(item[kx], fmt::format("{}: {}/{}", file, at, kx), "a finite number");
      a.y = json_number(item[ky], fmt::format("{}: {}/{}", file, at, ky), "a finite number");
    } else if (raw.has_coordinates) {
      throw_input("{}: has no coordinates but the first account has", row.where);
    }
    for (const std::string& name : raw.attributes) {
      double v = 0.0;
      if (item.contains("attributes") && item["attributes"].contains(name)) {
        std::string where = fmt::format("{}: {}/attributes/{}", file, at, name);
        v = json_number(item["attributes"][name], where, "a number >= 0");
        if (v < 0) throw_input("{}: {} is negative; attributes must be >= 0", where, v);
      }
      a.attributes.push_back(v);
    }
    if (item.contains("weight"))
      a.weight =
          json_number(item["weight"], fmt::format("{}: {}/weight", file, at), "a number >= 0");
    for (auto [key, field] : {std::pair{"owner", &row.owner},
                              {"lock", &row.lock},
                              {"group", &row.group},
                              {"region", &row.region}})
      if (item.contains(key)) {
        if (!item[key].is_string())
          throw_input("{}: {}/{}: {} is not a string", file, at, key, item[key].dump());
        *field = item[key].get<std::string>();
      }
    raw.rows.push_back(std::move(row));
  }
  return raw;
}

//! Turns raw accounts into the problem: ids unique, owners/locks resolved against territories.
void resolve_accounts(Problem& problem, RawAccounts raw, const std::string& source,
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
  for (RawAccount& row : raw.rows) {
    Account& a = row.account;
    if (!row.owner.empty()) {
      auto it = territory_index.find(row.owner);
      // An owner outside a given territory list leaves: the account counts as moved.
      if (it != territory_index.end()) a.owner = it->second;
    }
    if (!row.lock.empty()) {
      auto it = territory_index.find(row.lock);
      if (it == territory_index.end())
        throw_input("{}: lock '{}' is not a territory; allowed: {}", row.where, row.lock,
                    fmt::join(
                        [&] {
                          std::vector<std::string> ids;
                          for (const Territory& t : problem.territories) ids.push_back(t.id);
                          return ids;
                        }(),
                        ", "));
      a.lock = it->second;
    }
    if (!row.group.empty())
      a.group = group_index.emplace(row.group, static_cast<int>(group_index.size())).first->second;
    if (!row.region.empty()) {
      auto [it, inserted] = region_index.emplace(row.region, static_cast<int>(region_index.size()));
      if (inserted) problem.region_names.push_back(row.region);
      a.region = it->second;
    }
    problem.accounts.push_back(std::move(a));
  }
}

json read_json(const std::filesystem::path& path) {
  try {
    return json::parse(read_text(path));
  } catch (const json::parse_error& e) {
    throw_input("{}: not valid JSON: {}", path.string(), e.what());
  }
}

std::map<std::string, int> account_index(const Problem& problem) {
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < problem.accounts.size(); ++i)
    index[problem.accounts[i].id] = static_cast<int>(i);
  return index;
}

Instance read_scenario(const std::filesystem::path& path, const Overrides& overrides) {
  const std::string file = path.string();
  const json root = read_json(path);
  if (!root.contains("territories") || !root["territories"].is_object())
    throw_input("{}: /territories: missing; a territory scenario needs a \"territories\" object",
                file);
  const json& section = root["territories"];
  Instance instance;
  instance.format = "scenario";
  Problem& problem = instance.problem;
  problem.name = path.stem().string();
  auto pointer = [](const std::string& key) { return "/territories/" + key; };
  // Territories first, so accounts can name them.
  std::vector<std::pair<int, std::string>> centre_names;
  std::vector<std::pair<int, json>> capacities;
  if (section.contains("list")) {
    const json& list = section["list"];
    if (!list.is_array() || list.empty())
      throw_input("{}: {}: expected a non-empty array of territories", file, pointer("list"));
    std::set<std::string> ids;
    for (std::size_t t = 0; t < list.size(); ++t) {
      const json& item = list[t];
      std::string at = fmt::format("{}/{}", pointer("list"), t);
      if (!item.is_object() || !item.contains("id") || !item["id"].is_string())
        throw_input("{}: {}: expected an object with a string \"id\"", file, at);
      Territory territory;
      territory.id = item["id"].get<std::string>();
      if (!ids.insert(territory.id).second)
        throw_input("{}: {}/id: duplicate territory id '{}'", file, at, territory.id);
      if (item.contains("owner") && item["owner"].is_string())
        territory.owner = item["owner"].get<std::string>();
      if (item.contains("centre")) {
        if (!item["centre"].is_string())
          throw_input("{}: {}/centre: {} is not an account id", file, at, item["centre"].dump());
        centre_names.emplace_back(static_cast<int>(t), item["centre"].get<std::string>());
      }
      if (item.contains("region")) {
        if (!item["region"].is_string())
          throw_input("{}: {}/region: {} is not a string", file, at, item["region"].dump());
        std::string region = item["region"].get<std::string>();
        auto it = std::find(problem.region_names.begin(), problem.region_names.end(), region);
        if (it == problem.region_names.end()) {
          problem.region_names.push_back(region);
          it = problem.region_names.end() - 1;
        }
        territory.region = static_cast<int>(it - problem.region_names.begin());
      }
      if (item.contains("capacity")) capacities.emplace_back(static_cast<int>(t), item["capacity"]);
      problem.territories.push_back(std::move(territory));
    }
  }
  std::optional<int> p = overrides.territories;
  if (!p && section.contains("count")) {
    const json& count = section["count"];
    if (!count.is_number_integer() || count.get<long long>() < 1)
      throw_input("{}: {}: {} is not allowed; expected an integer >= 1", file, pointer("count"),
                  count.dump());
    p = count.get<int>();
  }
  if (!problem.territories.empty() && p && *p != problem.territory_count())
    throw_input("{}: {}: {} territories requested but the list has {}", file, pointer("count"), *p,
                problem.territory_count());
  if (!section.contains("accounts"))
    throw_input("{}: {}: missing; give a CSV path or an array of accounts", file,
                pointer("accounts"));
  const json& accounts = section["accounts"];
  RawAccounts raw = accounts.is_string()
                        ? read_accounts_csv(path.parent_path() / accounts.get<std::string>())
                        : read_accounts_json(accounts, file, pointer("accounts"));
  resolve_accounts(problem, std::move(raw), file, p);
  auto index = account_index(problem);
  for (auto& [t, name] : centre_names) {
    auto it = index.find(name);
    if (it == index.end())
      throw_input("{}: {}/{}/centre: '{}' is not an account id", file, pointer("list"), t, name);
    problem.territories[t].centre = it->second;
  }
  auto capacity_vector = [&](const json& value, const std::string& at) {
    if (!value.is_object()) throw_input("{}: {}: expected {{\"attribute\": limit, ...}}", file, at);
    std::vector<std::optional<double>> result(problem.attribute_names.size());
    for (const auto& [name, limit] : value.items()) {
      int k = problem.attribute_index(name);
      if (k < 0)
        throw_input("{}: {}/{}: unknown attribute; allowed: {}", file, at, name,
                    fmt::join(problem.attribute_names, ", "));
      double v = json_number(limit, fmt::format("{}: {}/{}", file, at, name), "a number >= 0");
      if (v < 0) throw_input("{}: {}/{}: {} is negative; allowed: >= 0", file, at, name, v);
      result[k] = v;
    }
    return result;
  };
  if (section.contains("capacity")) {
    auto common = capacity_vector(section["capacity"], pointer("capacity"));
    for (Territory& t : problem.territories) t.capacity = common;
  }
  for (auto& [t, value] : capacities)
    problem.territories[t].capacity =
        capacity_vector(value, fmt::format("{}/{}/capacity", pointer("list"), t));
  if (section.contains("coordinates")) {
    std::string kind =
        section["coordinates"].is_string() ? section["coordinates"].get<std::string>() : "";
    if (kind != "planar" && kind != "latlon")
      throw_input("{}: {}: {} is not allowed; allowed: \"planar\", \"latlon\"", file,
                  pointer("coordinates"), section["coordinates"].dump());
  }
  if (section.contains("distance"))
    problem.distance =
        parse_distance(section["distance"].is_string() ? section["distance"].get<std::string>()
                                                       : section["distance"].dump(),
                       file + ": " + pointer("distance"));
  if (section.contains("objective"))
    problem.objective =
        parse_objective(section["objective"].is_string() ? section["objective"].get<std::string>()
                                                         : section["objective"].dump(),
                        file + ": " + pointer("objective"));
  if (section.contains("adjacency")) {
    const json& adjacency = section["adjacency"];
    if (!adjacency.is_array())
      throw_input("{}: {}: expected an array of [from, to, length]", file, pointer("adjacency"));
    for (std::size_t e = 0; e < adjacency.size(); ++e) {
      const json& edge = adjacency[e];
      std::string at = fmt::format("{}/{}", pointer("adjacency"), e);
      if (!edge.is_array() || edge.size() != 3 || !edge[0].is_string() || !edge[1].is_string())
        throw_input("{}: {}: expected [\"from id\", \"to id\", length]", file, at);
      auto a = index.find(edge[0].get<std::string>()), b = index.find(edge[1].get<std::string>());
      if (a == index.end() || b == index.end())
        throw_input("{}: {}: {} names an unknown account", file, at, edge.dump());
      double length = json_number(edge[2], fmt::format("{}: {}/2", file, at), "a number >= 0");
      if (length < 0) throw_input("{}: {}/2: {} is negative; allowed: >= 0", file, at, length);
      problem.edges.push_back({a->second, b->second, length});
    }
  }
  if (section.contains("contiguity")) {
    if (!section["contiguity"].is_boolean())
      throw_input("{}: {}: {} is not true or false", file, pointer("contiguity"),
                  section["contiguity"].dump());
    problem.contiguity = section["contiguity"].get<bool>();
  }
  if (section.contains("weight")) {
    std::string name = section["weight"].is_string() ? section["weight"].get<std::string>() : "";
    int k = problem.attribute_index(name);
    if (k < 0)
      throw_input("{}: {}: {} is not an attribute; allowed: {}", file, pointer("weight"),
                  section["weight"].dump(), fmt::join(problem.attribute_names, ", "));
    for (Account& a : problem.accounts) a.weight = a.attributes[k];
  }
  if (section.contains("balance")) {
    const json& balance = section["balance"];
    if (!balance.is_object())
      throw_input("{}: {}: expected {{\"attribute\": tolerance, ...}}", file, pointer("balance"));
    for (const auto& [name, value] : balance.items()) {
      int k = problem.attribute_index(name);
      std::string at = fmt::format("{}: {}/{}", file, pointer("balance"), name);
      if (k < 0)
        throw_input("{}: unknown attribute; allowed: {}", at,
                    fmt::join(problem.attribute_names, ", "));
      double tolerance = json_number(value, at, "a tolerance >= 0, e.g. 0.05");
      if (tolerance < 0) throw_input("{}: {} is negative; allowed: >= 0, e.g. 0.05", at, tolerance);
      problem.balance.push_back({k, tolerance});
    }
  }
  if (section.contains("disruption")) {
    const json& disruption = section["disruption"];
    std::string at = pointer("disruption");
    if (!disruption.is_object()) throw_input("{}: {}: expected an object", file, at);
    if (disruption.contains("measure")) {
      std::string measure =
          disruption["measure"].is_string() ? disruption["measure"].get<std::string>() : "";
      if (measure != "accounts") {
        int k = problem.attribute_index(measure);
        if (k < 0)
          throw_input(
              "{}: {}/measure: {} is not allowed; allowed: \"accounts\" or an attribute ({})", file,
              at, disruption["measure"].dump(), fmt::join(problem.attribute_names, ", "));
        problem.disruption.measure_attribute = k;
      }
    }
    if (disruption.contains("weight"))
      problem.disruption.weight = json_number(
          disruption["weight"], fmt::format("{}: {}/weight", file, at), "a number >= 0");
    if (disruption.contains("max_moved")) {
      double v = json_number(disruption["max_moved"], fmt::format("{}: {}/max_moved", file, at),
                             "a fraction 0..1");
      if (v < 0 || v > 1) throw_input("{}: {}/max_moved: {} is not a fraction (0..1)", file, at, v);
      problem.disruption.max_moved_fraction = v;
    }
  }
  return instance;
}

void apply_overrides(Instance& instance, const Overrides& overrides, const std::string& source) {
  Problem& problem = instance.problem;
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
  if (overrides.contiguity) problem.contiguity = true;
  if (!overrides.balance.empty()) {
    problem.balance.clear();
    for (const auto& [name, tolerance] : overrides.balance) {
      int k = problem.attribute_index(name);
      if (k < 0)
        throw_input("--balance: '{}' is not an attribute of {}; allowed: {}", name, source,
                    fmt::join(problem.attribute_names, ", "));
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
      int k = problem.attribute_index(*overrides.disruption_measure);
      if (k < 0)
        throw_input("--moved-measure: '{}' is not allowed; allowed: accounts, {}",
                    *overrides.disruption_measure, fmt::join(problem.attribute_names, ", "));
      problem.disruption.measure_attribute = k;
    }
  }
  if (overrides.max_moved) {
    if (!(*overrides.max_moved >= 0 && *overrides.max_moved <= 1))
      throw_input("--max-moved: {} is not a fraction (0..1)", *overrides.max_moved);
    problem.disruption.max_moved_fraction = overrides.max_moved;
  }
  if (overrides.disruption_weight) problem.disruption.weight = *overrides.disruption_weight;
  if (overrides.weight_attribute) {
    int k = problem.attribute_index(*overrides.weight_attribute);
    if (k < 0)
      throw_input("--weight: '{}' is not an attribute of {}; allowed: {}",
                  *overrides.weight_attribute, source, fmt::join(problem.attribute_names, ", "));
    for (Account& a : problem.accounts) a.weight = a.attributes[k];
  }
}

std::string detect_format(const std::filesystem::path& input) {
  std::string extension = input.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
  if (extension == ".json") return "scenario";
  if (extension == ".csv") return "csv";
  if (extension == ".graphml") return "graphml";
  if (extension == ".txt") {
    std::ifstream in(input);
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

std::string to_string(ObjectiveKind kind) {
  return kind == ObjectiveKind::compactness ? "compactness" : "dispersion";
}

std::string to_string(DistanceKind kind) {
  switch (kind) {
    case DistanceKind::euclidean:
      return "euclidean";
    case DistanceKind::euclidean_floor:
      return "euclidean_floor";
    case DistanceKind::haversine:
      return "haversine";
    case DistanceKind::graph:
      return "graph";
    case DistanceKind::none:
      return "none";
  }
  return "?";
}

Instance load_instance(const std::filesystem::path& input, const Overrides& overrides) {
  if (!std::filesystem::exists(input)) throw_input("{}: no such file", input.string());
  std::string format = overrides.format == "auto" ? detect_format(input) : overrides.format;
  Instance instance;
  if (format == "scenario") {
    instance = read_scenario(input, overrides);
  } else if (format == "csv") {
    instance.format = "csv";
    instance.problem.name = input.stem().string();
    resolve_accounts(instance.problem, read_accounts_csv(input), input.string(),
                     overrides.territories);
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
  apply_overrides(instance, overrides, input.string());
  territory::assign_territory_regions(instance.problem);
  territory::validate(instance.problem, input.string());
  return instance;
}

namespace {

//! Territory index per allocation label: by name when every label is a territory id; when none
//! is (e.g. DTDP districts "0".."9"), the labels are anonymous and taken in order, to be matched
//! to the current owners afterwards. \throws InputError for a mix, naming the unknown label.
std::map<std::string, int> label_territories(const std::vector<std::string>& labels,
                                             const Problem& problem, const std::string& file,
                                             bool* anonymous) {
  std::map<std::string, int> by_id;
  for (int t = 0; t < problem.territory_count(); ++t) by_id[problem.territories[t].id] = t;
  std::map<std::string, int> result;
  const bool named = std::any_of(labels.begin(), labels.end(),
                                 [&](const std::string& label) { return by_id.count(label) > 0; });
  *anonymous = !named;
  for (const std::string& label : labels) {
    if (result.count(label)) continue;
    if (named) {
      auto it = by_id.find(label);
      if (it == by_id.end()) {
        std::vector<std::string> ids;
        for (const Territory& t : problem.territories) ids.push_back(t.id);
        throw_input("{}: territory '{}' is not a territory of the problem; allowed: {}", file,
                    label, fmt::join(ids, ", "));
      }
      result[label] = it->second;
    } else {
      if (static_cast<int>(result.size()) >= problem.territory_count())
        throw_input("{}: more than {} territories ('{}' is one too many)", file,
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
  std::istringstream in(read_text(path));
  std::string line;
  if (!std::getline(in, line)) throw_input("{}: empty file; expected a header line", file);
  std::vector<std::string> header = split_csv(line);
  auto find = [&](const char* name) {
    for (std::size_t c = 0; c < header.size(); ++c) {
      std::string lower = header[c];
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      if (lower == name) return static_cast<int>(c);
    }
    return -1;
  };
  const int cid = find("id"), cterritory = find("territory"), ccentre = find("centre");
  if (cid < 0 || cterritory < 0)
    throw_input("{}:1: needs 'id' and 'territory' columns; columns are {}", file,
                fmt::join(header, ", "));
  auto index = account_index(problem);
  struct Row {
    int account;
    std::string territory;
    bool centre;
  };
  std::vector<Row> rows;
  std::vector<std::string> labels;
  int number = 1;
  std::vector<std::string> cells;
  while (next_csv_row(in, file, header.size(), number, cells)) {
    auto it = index.find(cells[cid]);
    if (it == index.end())
      throw_input("{}:{}: account '{}' is not in the problem", file, number, cells[cid]);
    const std::string& centre = ccentre >= 0 ? cells[ccentre] : std::string();
    if (!centre.empty() && centre != "0" && centre != "1")
      throw_input("{}:{}: centre '{}' is not allowed; allowed: 0, 1 or empty", file, number,
                  centre);
    rows.push_back({it->second, cells[cterritory], centre == "1"});
    labels.push_back(cells[cterritory]);
  }
  bool anonymous = false;
  const auto territory_of = label_territories(labels, problem, file, &anonymous);
  Alignment alignment;
  alignment.territory.assign(problem.size(), -1);
  alignment.centre.assign(problem.territory_count(), -1);
  for (const Row& row : rows) {
    if (alignment.territory[row.account] >= 0)
      throw_input("{}: account '{}' appears twice", file, problem.accounts[row.account].id);
    const int t = territory_of.at(row.territory);
    alignment.territory[row.account] = t;
    if (row.centre) alignment.centre[t] = row.account;
  }
  finish_allocation(alignment, problem, file, anonymous);
  return alignment;
}

}  // namespace

Alignment read_allocation(const std::filesystem::path& path, const Problem& problem,
                          double* published_objective) {
  const std::string file = path.string();
  if (path.extension() == ".csv") return read_assignment_csv(path, problem);
  const json root = read_json(path);
  if (!root.contains("Allocation") || !root["Allocation"].is_object())
    throw_input("{}: /Allocation: missing; expected {{territory: [account ids]}}", file);
  if (published_objective && root.contains("Objective"))
    *published_objective = root["Objective"].get<double>();
  auto index = account_index(problem);
  std::vector<std::string> labels;
  for (const auto& [name, nodes] : root["Allocation"].items()) labels.push_back(name);
  bool anonymous = false;
  const auto territory_of = label_territories(labels, problem, file, &anonymous);
  Alignment alignment;
  alignment.territory.assign(problem.size(), -1);
  alignment.centre.assign(problem.territory_count(), -1);
  for (const auto& [name, nodes] : root["Allocation"].items()) {
    if (!nodes.is_array())
      throw_input("{}: /Allocation/{}: expected an array of account ids", file, name);
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      std::string id = nodes[k].is_string() ? nodes[k].get<std::string>() : nodes[k].dump();
      auto it = index.find(id);
      if (it == index.end())
        throw_input("{}: /Allocation/{}/{}: unknown account '{}'", file, name, k, id);
      alignment.territory[it->second] = territory_of.at(name);
    }
  }
  finish_allocation(alignment, problem, file, anonymous);
  return alignment;
}

std::string violated_constraints(const territory::Evaluation& e) {
  std::vector<std::string> failed;
  if (!e.balance_ok) failed.push_back("balance");
  if (!e.capacity_ok) failed.push_back("capacity");
  if (!e.locks_ok) failed.push_back("locks");
  if (!e.groups_ok) failed.push_back("groups");
  if (!e.regions_ok) failed.push_back("regions");
  if (!e.moved_ok) failed.push_back("max moved");
  if (!e.contiguity_ok) failed.push_back("contiguity");
  return fmt::format("{}", fmt::join(failed, ", "));
}

// ---- output ------------------------------------------------------------------------------------

namespace {

void write_strings(H5::Group& group, const std::string& name,
                   const std::vector<std::string>& values) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  hsize_t size = values.size();
  H5::DataSpace space(1, &size);
  std::vector<const char*> pointers;
  for (const std::string& v : values) pointers.push_back(v.c_str());
  H5::DataSet set = group.createDataSet(name, type, space);
  if (!values.empty()) set.write(pointers.data(), type);
}

template <class T>
void write_vector(H5::Group& group, const std::string& name, const std::vector<T>& values,
                  hsize_t columns = 1) {
  const H5::PredType& type =
      std::is_same_v<T, int> ? H5::PredType::NATIVE_INT : H5::PredType::NATIVE_DOUBLE;
  hsize_t dims[2] = {columns > 1 ? values.size() / columns : values.size(), columns};
  H5::DataSpace space(columns > 1 ? 2 : 1, dims);
  H5::DataSet set = group.createDataSet(name, type, space);
  if (!values.empty()) set.write(values.data(), type);
}

void attribute(H5::H5Object& object, const std::string& name, const std::string& value) {
  H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
  H5::Attribute a = object.createAttribute(name, type, H5::DataSpace(H5S_SCALAR));
  const char* text = value.c_str();
  a.write(type, &text);
}

void attribute(H5::H5Object& object, const std::string& name, double value) {
  H5::Attribute a =
      object.createAttribute(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR));
  a.write(H5::PredType::NATIVE_DOUBLE, &value);
}

std::string csv_cell(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
  auto temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary);
    if (!out) throw_input("{}: cannot write the file", path.string());
    out << text;
    if (!out) throw_input("{}: writing failed", path.string());
  }
  std::filesystem::rename(temporary, path);
}

}  // namespace

void write_alignment(const std::filesystem::path& path, const Problem& problem,
                     const SearchResult& result, const RunInfo& info) {
  const auto& e = result.evaluation;
  const std::size_t n = problem.size(), m = problem.attribute_names.size();
  const int p = problem.territory_count();
  if (path.has_parent_path()) {
    std::error_code error;
    std::filesystem::create_directories(path.parent_path(), error);
    if (error)
      throw_input("{}: cannot create the output folder: {}", path.string(), error.message());
  }
  auto temporary = path;
  temporary += ".tmp";
  try {
    H5::Exception::dontPrint();
    H5::H5File file(temporary.string(), H5F_ACC_TRUNC);
    H5::Group root = file.openGroup("/");
    attribute(root, "tool", "opsim territories");
    attribute(root, "tool_version", OPSIM_VERSION);
    attribute(root, "git_revision", OPSIM_GIT_REVISION);
    attribute(root, "input", info.input);
    attribute(root, "seed", static_cast<double>(info.seed));
    attribute(root, "threads", info.threads);
    attribute(root, "starts", info.starts);
    attribute(root, "stream_scheme", std::string(kStreamScheme));
    H5::Group report = file.createGroup("/report");
    attribute(report, "method", result.method);
    attribute(report, "objective_kind", to_string(problem.objective));
    attribute(report, "distance", to_string(problem.distance));
    attribute(report, "objective", e.objective);
    attribute(report, "compactness", e.compactness);
    attribute(report, "max_diameter", e.max_diameter);
    attribute(report, "disruption_cost", e.disruption_cost);
    attribute(report, "moved_accounts", e.moved_accounts);
    attribute(report, "moved_fraction", e.moved_fraction);
    attribute(report, "feasible", e.feasible ? 1.0 : 0.0);
    attribute(report, "best_bound", result.best_bound.value_or(NAN));
    attribute(report, "proven_optimal", result.proven_optimal ? 1.0 : 0.0);
    attribute(report, "reference", info.reference.value_or(NAN));
    attribute(report, "time_to_best", result.time_to_best);
    attribute(report, "time_to_feasible", result.time_to_feasible.value_or(NAN));
    attribute(report, "seconds", result.seconds);
    attribute(report, "time_limit", info.time_limit);
    attribute(report, "work_limit", info.work_limit);
    attribute(report, "work", static_cast<double>(result.work));
    attribute(report, "starts_run", result.starts_run);
    attribute(report, "best_start", result.best_start);
    H5::Group accounts = file.createGroup("/accounts");
    std::vector<std::string> ids, territory_ids;
    std::vector<double> x, y, weight;
    std::vector<int> owner, moved;
    for (std::size_t i = 0; i < n; ++i) {
      const Account& a = problem.accounts[i];
      ids.push_back(a.id);
      x.push_back(a.x);
      y.push_back(a.y);
      weight.push_back(a.weight);
      owner.push_back(a.owner);
      moved.push_back(a.owner >= 0 && a.owner != result.alignment.territory[i]);
      territory_ids.push_back(problem.territories[result.alignment.territory[i]].id);
    }
    write_strings(accounts, "id", ids);
    write_vector(accounts, "x", x);
    write_vector(accounts, "y", y);
    write_vector(accounts, "weight", weight);
    write_vector(accounts, "territory", result.alignment.territory);
    write_strings(accounts, "territory_id", territory_ids);
    write_vector(accounts, "owner", owner);
    write_vector(accounts, "moved", moved);
    H5::Group territories = file.createGroup("/territories");
    std::vector<std::string> tid, towner;
    std::vector<int> centre, count;
    std::vector<double> totals, deviation, diameter, compactness;
    for (int t = 0; t < p; ++t) {
      tid.push_back(problem.territories[t].id);
      towner.push_back(problem.territories[t].owner);
      centre.push_back(e.territories[t].centre);
      count.push_back(e.territories[t].accounts);
      diameter.push_back(e.territories[t].diameter);
      compactness.push_back(e.territories[t].compactness);
      for (std::size_t k = 0; k < m; ++k) {
        totals.push_back(e.territories[t].totals[k]);
        deviation.push_back(e.territories[t].deviation[k]);
      }
    }
    write_strings(territories, "id", tid);
    write_strings(territories, "owner", towner);
    write_vector(territories, "centre", centre);
    write_vector(territories, "accounts", count);
    write_vector(territories, "diameter", diameter);
    write_vector(territories, "compactness", compactness);
    write_strings(territories, "attribute", problem.attribute_names);
    if (m > 0) {
      write_vector(territories, "totals", totals, m);
      write_vector(territories, "deviation", deviation, m);
    }
    H5::Group balance = file.createGroup("/balance");
    std::vector<std::string> names;
    std::vector<double> tolerance, tightest;
    for (std::size_t r = 0; r < problem.balance.size(); ++r) {
      names.push_back(problem.attribute_names[problem.balance[r].attribute]);
      tolerance.push_back(problem.balance[r].tolerance);
      tightest.push_back(e.tightest_tolerance[r]);
    }
    write_strings(balance, "attribute", names);
    write_vector(balance, "tolerance", tolerance);
    write_vector(balance, "tightest", tightest);
    file.close();
  } catch (const H5::Exception& error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw_input("{}: cannot write HDF5 output: {}", path.string(), error.getDetailMsg());
  }
  std::filesystem::rename(temporary, path);

  std::string assignment = "id,territory,owner,moved,centre\n";
  std::vector<char> is_centre(n, 0);
  for (int c : result.alignment.centre)
    if (c >= 0) is_centre[c] = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const Account& a = problem.accounts[i];
    int t = result.alignment.territory[i];
    assignment +=
        fmt::format("{},{},{},{},{}\n", csv_cell(a.id), csv_cell(problem.territories[t].id),
                    a.owner >= 0 ? csv_cell(problem.territories[a.owner].id) : "",
                    a.owner >= 0 && a.owner != t ? 1 : 0, int(is_centre[i]));
  }
  auto stem = path.parent_path() / path.stem();
  write_file_atomically(stem.string() + "_assignment.csv", assignment);
  std::string metrics = "territory,owner,accounts,centre,compactness,diameter";
  for (const std::string& name : problem.attribute_names)
    metrics += fmt::format(",{},{}_deviation", csv_cell(name), csv_cell(name));
  metrics += "\n";
  for (int t = 0; t < p; ++t) {
    const auto& tm = e.territories[t];
    metrics += fmt::format("{},{},{},{},{},{}", csv_cell(problem.territories[t].id),
                           csv_cell(problem.territories[t].owner), tm.accounts,
                           tm.centre >= 0 ? csv_cell(problem.accounts[tm.centre].id) : "",
                           tm.compactness, tm.diameter);
    for (std::size_t k = 0; k < m; ++k)
      metrics += fmt::format(",{},{}", tm.totals[k], tm.deviation[k]);
    metrics += "\n";
  }
  write_file_atomically(stem.string() + "_territories.csv", metrics);
}

std::string format_report(const Problem& problem, const SearchResult& result, const RunInfo& info) {
  const auto& e = result.evaluation;
  std::string out;
  out += fmt::format("instance      {} ({} accounts, {} territories, {} objective, {} distance)\n",
                     problem.name, problem.size(), problem.territory_count(),
                     to_string(problem.objective), to_string(problem.distance));
  if (result.starts_run > 0)
    out += fmt::format("method        {} (seed {}, {} threads, {}/{} starts)\n", result.method,
                       info.seed, info.threads, result.starts_run, info.starts);
  else
    out += fmt::format("method        {}\n", result.method);
  out += fmt::format("objective     {:.6f}\n", e.objective);
  if (info.reference)
    out += fmt::format("reference     {:.6f} (gap {:+.3f}%)\n", *info.reference,
                       100.0 * (e.objective - *info.reference) / *info.reference);
  if (result.best_bound) {
    const double gap =
        e.objective != 0 ? (e.objective - *result.best_bound) / std::abs(e.objective) : 0.0;
    out +=
        fmt::format("best bound    {:.6f}{}\n", *result.best_bound,
                    result.proven_optimal ? " (proven optimal)"
                                          : fmt::format(" (gap {:.3f}%, not proven)", 100.0 * gap));
  }
  out += fmt::format("feasible      {}\n", e.feasible ? "yes" : "no");
  if (!e.feasible) out += fmt::format("violated      {}\n", violated_constraints(e));
  for (std::size_t r = 0; r < problem.balance.size(); ++r)
    out += fmt::format("balance       {}: requested +-{:.4f}, achieved +-{:.4f}\n",
                       problem.attribute_names[problem.balance[r].attribute],
                       problem.balance[r].tolerance, e.tightest_tolerance[r]);
  // Only figures that are defined: compactness needs centres and geography, diameters geography.
  const bool geographic = problem.distance != DistanceKind::none;
  if (problem.objective == ObjectiveKind::compactness && geographic)
    out += fmt::format("compactness   {:.6f}\n", e.compactness);
  if (geographic) out += fmt::format("max diameter  {:.6f}\n", e.max_diameter);
  if (problem.has_owners())
    out += fmt::format("moved         {} accounts ({:.2f}% of the disruption measure)\n",
                       e.moved_accounts, 100.0 * e.moved_fraction);
  if (result.starts_run > 0) {  // a search ran (not an evaluation of a given allocation)
    out += fmt::format(
        "time          {:.2f} s (best after {:.2f} s{}){}\n", result.seconds, result.time_to_best,
        result.time_to_feasible
            ? fmt::format(", first feasible after {:.2f} s", *result.time_to_feasible)
            : std::string(),
        result.stopped_by_time ? ", stopped by the time limit" : "");
    out += fmt::format("work          {:.3f} million evaluations{}\n", result.work / 1e6,
                       info.work_limit > 0
                           ? fmt::format(" (limit {:g} million per start{})", info.work_limit,
                                         result.stopped_by_work ? ", reached" : "")
                           : std::string());
  }
  out += geographic ? "territory            accounts    diameter" : "territory            accounts";
  for (const std::string& name : problem.attribute_names)
    out += fmt::format(" {:>14} {:>7}", name, "dev%");
  out += "\n";
  constexpr int kListed = 50;  // the CSV companion and the HDF5 file hold every territory
  for (int t = 0; t < std::min(problem.territory_count(), kListed); ++t) {
    const auto& tm = e.territories[t];
    out += fmt::format("{:<20} {:>8}", problem.territories[t].id, tm.accounts);
    if (geographic) out += fmt::format(" {:>11.3f}", tm.diameter);
    for (std::size_t k = 0; k < problem.attribute_names.size(); ++k)
      out += fmt::format(" {:>14.2f} {:>+7.2f}", tm.totals[k], 100.0 * tm.deviation[k]);
    out += "\n";
  }
  if (problem.territory_count() > kListed)
    out += fmt::format("... {} more territories in the output files\n",
                       problem.territory_count() - kListed);
  return out;
}

}  // namespace opsim::territory_io
