// Mean and variance per cell, reduced over a fixed binary tree of trial indices so that any
// thread count, block size, trial split or shard order gives bit-identical results: the value
// of every dyadic node [s, s + 2^l) is combine(left child, right child), whoever computes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace opsim {

//! Welford state of the trials [start, start + 2^level) for every cell.
struct MomentNode {
  std::uint64_t start = 0;
  int level = 0;
  std::uint64_t count = 0;  //!< trials present (equals 2^level for a complete node)
  std::vector<double> mean;
  std::vector<double> m2;  //!< sum of squared deviations from the mean
  std::uint64_t end() const { return start + (std::uint64_t{1} << level); }
};

struct Moments {
  std::uint64_t count = 0;
  std::vector<double> mean;
  std::vector<double> variance;  //!< sample variance (n - 1)
};

class MomentTree {
 public:
  explicit MomentTree(std::size_t cells = 0) : cells_(cells) {}

  std::size_t cells() const { return cells_; }
  //! Adds trial `trial`; trials must arrive in increasing, contiguous order.
  void add_trial(std::uint64_t trial, const double* values);
  //! Appends another tree's nodes, which must start where this tree ends.
  void append(const MomentTree& later);
  //! Frees the recycled buffers kept for add_trial (e.g. once a block of trials is done).
  void release_spares();
  //! Merges trees covering disjoint ranges given in any order; throws std::invalid_argument
  //! on overlaps or gaps.
  static MomentTree merge(std::vector<MomentTree> parts);

  std::uint64_t first_trial() const { return nodes_.empty() ? 0 : nodes_.front().start; }
  std::uint64_t end_trial() const { return nodes_.empty() ? 0 : nodes_.back().end_covered; }
  //! Moments over all trials in [0, end_trial()); the tree must start at trial 0.
  Moments finish() const;

  //! The canonical nodes (for shard files): each with its covered end.
  struct StoredNode : MomentNode {
    std::uint64_t end_covered = 0;
  };
  const std::vector<StoredNode>& nodes() const { return nodes_; }
  void push(StoredNode node);

 private:
  static constexpr std::size_t kSpareNodes = 2;
  void collapse();
  std::size_t cells_;
  std::vector<StoredNode> nodes_;
  std::vector<StoredNode> spare_;  // recycled buffers
};

}  // namespace opsim
