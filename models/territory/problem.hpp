// The territory alignment problem: accounts (or basic units such as ZIP codes), territories,
// balance and capacity constraints, objective and distance. Built by sim/territory_io and
// checked by validate() before any search runs.
#pragma once

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace opsim::territory {

//! The cost of what cannot be (no centre within reach, no feasible move).
inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

//! How distances between accounts are measured.
enum class DistanceKind {
  euclidean,        //!< planar x/y
  euclidean_floor,  //!< planar, truncated to an integer (OR-Library p-median convention)
  haversine,        //!< x = longitude, y = latitude in degrees; great-circle km
  graph,            //!< shortest paths over the adjacency graph (edge lengths)
  none,             //!< named accounts without geography: balance and disruption only
};

enum class ObjectiveKind {
  compactness,  //!< p-median: sum of weight x distance to the territory's centre account
  dispersion,   //!< largest territory diameter (max distance between two of its accounts)
};

struct Account {
  std::string id;
  double x = 0.0;                  //!< planar x, or longitude in degrees
  double y = 0.0;                  //!< planar y, or latitude in degrees
  std::vector<double> attributes;  //!< one value per Problem::attribute_names, all >= 0
  double weight = 1.0;             //!< compactness weight (>= 0)
  int owner = -1;                  //!< territory index of the current owner, -1 when unowned
  int lock = -1;                   //!< territory index the account must stay in, -1 when free
  int group = -1;   //!< accounts of one group always share a territory, -1 when alone
  int region = -1;  //!< accounts only join territories of their region, -1 when none
};

struct Territory {
  std::string id;
  std::string owner;  //!< rep name; empty for a vacant territory (to be hired)
  int centre = -1;    //!< fixed centre account (e.g. the rep's home base), -1 when free
  int region = -1;    //!< region index, -1 when regions are not used
  //! Hard upper limit per attribute (same order as attribute_names); empty = none.
  std::vector<std::optional<double>> capacity;
};

//! Each territory's total of one attribute must lie within (1 +- tolerance) x mean.
struct BalanceRule {
  int attribute = 0;
  double tolerance = 0.05;
};

struct Edge {
  int from = 0;
  int to = 0;
  double length = 0.0;
};

//! What counts as moved for the disruption term: accounts, or an attribute's total.
struct Disruption {
  int measure_attribute = -1;                //!< -1: count accounts; else the attribute moved
  double weight = 0.0;                       //!< objective units per moved unit of the measure
  std::optional<double> max_moved_fraction;  //!< hard cap, fraction of the measure's total
};

struct Problem {
  std::string name;
  std::vector<std::string> attribute_names;
  std::vector<std::string> region_names;
  std::vector<Account> accounts;
  std::vector<Territory> territories;
  std::vector<BalanceRule> balance;
  std::vector<Edge> edges;
  ObjectiveKind objective = ObjectiveKind::compactness;
  DistanceKind distance = DistanceKind::euclidean;
  Disruption disruption;
  bool contiguity = false;
  //! Per account, where its input gave it ("accounts.csv:12", "/territories/accounts/3"), for
  //! messages; may be empty (a generated problem), when the input's name is used.
  std::vector<std::string> account_places;

  std::size_t size() const { return accounts.size(); }
  int territory_count() const { return static_cast<int>(territories.size()); }
  int attribute_index(const std::string& name) const;  //!< -1 when unknown
  bool has_owners() const;
};

//! Instances too large for a quadratic method are refused up front (exit 2), never run out of
//! memory: all-pairs graph distances and the dispersion objective store O(n^2) or O(n p).
inline constexpr std::size_t kMaxGraphAccounts = 20000;
inline constexpr std::size_t kMaxDispersionAccounts = 20000;
inline constexpr std::size_t kMaxExactAccounts = 400;

//! Checks the problem as a whole (p vs accounts, regions, groups vs locks, graph connectivity
//! when contiguity is required, size limits). `source` names the input in messages.
//! \throws InputError naming the place, the value and what is allowed.
void validate(const Problem& problem, const std::string& source);

//! Per territory and attribute: the tighter of its capacity and its balance ceiling
//! ((1 + tolerance) x mean), infinity when neither applies. Every feasible alignment keeps each
//! territory's totals within these.
std::vector<std::vector<double>> territory_limits(const Problem& problem);

//! Necessary conditions a feasible alignment must meet, checked before any search: total of each
//! attribute within the territories' combined limits (capacity and balance ceiling), the balance
//! floor under every territory's limit, locked accounts within their territory's limit and the
//! moves forced by locks within the moved cap. \pre validate(problem) passed.
//! \throws InfeasibleError (exit 3) saying which condition fails and by how much.
void check_bounds_feasible(const Problem& problem, const std::string& source);

//! Accounts moved together: the groups, each a list of account indices (singletons when
//! accounts have no group). Moves act on units so groups never split.
struct Unit {
  std::vector<int> accounts;
  std::vector<double> totals;  //!< attribute sums
  double moved_measure = 0.0;  //!< accounts or attribute moved if the unit leaves its owner
  int owner = -1;
  int lock = -1;
  int region = -1;
};
std::vector<Unit> make_units(const Problem& problem);

//! Connected parts of the graph of `edges` on accounts 0..n-1: a label 0.. per account. With
//! `within`, only edges between accounts of equal `within` count (a territory's pieces).
std::vector<int> graph_components(std::size_t n, const std::vector<Edge>& edges,
                                  const std::vector<int>* within = nullptr);

//! Splits p territories over the regions in proportion to the regions' account counts (at least
//! one each) when the problem has regions but the territories were given only as a count.
void assign_territory_regions(Problem& problem);

}  // namespace opsim::territory
