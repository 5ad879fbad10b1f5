#include "sim/engine/moments.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace opsim {

namespace {

//! Chan et al.'s pairwise combination; combining with an empty node returns the other exactly.
void combine_into(MomentNode& left, const MomentNode& right) {
  if (right.count == 0) return;
  if (left.count == 0) {
    left.count = right.count;
    left.mean = right.mean;
    left.m2 = right.m2;
    return;
  }
  const double na = static_cast<double>(left.count);
  const double nb = static_cast<double>(right.count);
  const double n = na + nb;
  const double weight_b = nb / n;
  const double cross = na * nb / n;
  for (std::size_t i = 0; i < left.mean.size(); ++i) {
    const double delta = right.mean[i] - left.mean[i];
    left.mean[i] += delta * weight_b;
    left.m2[i] += right.m2[i] + delta * delta * cross;
  }
  left.count += right.count;
}

bool is_left_sibling(const MomentNode& a, const MomentNode& b) {
  return a.level == b.level && a.end() == b.start && (a.start >> a.level) % 2 == 0;
}

}  // namespace

void MomentTree::collapse() {
  while (nodes_.size() >= 2) {
    auto& right = nodes_.back();
    auto& left = nodes_[nodes_.size() - 2];
    if (!is_left_sibling(left, right)) break;
    combine_into(left, right);
    left.level += 1;
    left.end_covered = right.end_covered;
    // A few buffers serve add_trial; keeping every collapsed node would grow with the trials
    // appended (each block's node ends here).
    if (spare_.size() < kSpareNodes) spare_.push_back(std::move(right));
    nodes_.pop_back();
  }
}

void MomentTree::push(StoredNode node) {
  if (!nodes_.empty() && nodes_.back().end_covered != node.start) {
    throw std::invalid_argument("trial ranges are not contiguous at trial " +
                                std::to_string(node.start));
  }
  nodes_.push_back(std::move(node));
  collapse();
}

void MomentTree::add_trial(std::uint64_t trial, const double* values) {
  // An odd trial completes the pair with the leaf before it: combined in place with exactly
  // combine_into's arithmetic for two single trials (weight 1/2, cross 1/2), without a leaf copy.
  if (!nodes_.empty() && trial % 2 == 1) {
    StoredNode& left = nodes_.back();
    if (left.level == 0 && left.count == 1 && left.start + 1 == trial &&
        left.end_covered == trial) {
      for (std::size_t i = 0; i < cells_; ++i) {
        const double delta = values[i] - left.mean[i];
        left.mean[i] += delta * 0.5;
        left.m2[i] += 0.0 + delta * delta * 0.5;
      }
      left.count = 2;
      left.level = 1;
      left.end_covered = trial + 1;
      collapse();
      return;
    }
  }
  StoredNode leaf;
  if (!spare_.empty()) {
    leaf = std::move(spare_.back());
    spare_.pop_back();
  }
  leaf.start = trial;
  leaf.level = 0;
  leaf.count = 1;
  leaf.end_covered = trial + 1;
  leaf.mean.assign(values, values + cells_);
  leaf.m2.assign(cells_, 0.0);
  push(std::move(leaf));
}

void MomentTree::release_spares() {
  spare_.clear();
  spare_.shrink_to_fit();
}

void MomentTree::append(const MomentTree& later) {
  for (const auto& node : later.nodes_) push(node);
}

MomentTree MomentTree::merge(std::vector<MomentTree> parts) {
  std::vector<StoredNode> all;
  std::size_t cells = parts.empty() ? 0 : parts.front().cells_;
  for (auto& part : parts) {
    if (part.cells_ != cells) throw std::invalid_argument("shards have different cell layouts");
    for (auto& node : part.nodes_) all.push_back(std::move(node));
  }
  std::sort(all.begin(), all.end(),
            [](const StoredNode& a, const StoredNode& b) { return a.start < b.start; });
  MomentTree tree(cells);
  for (auto& node : all) {
    if (!tree.nodes_.empty() && node.start < tree.nodes_.back().end_covered) {
      throw std::invalid_argument("trial ranges overlap at trial " + std::to_string(node.start));
    }
    tree.push(std::move(node));
  }
  return tree;
}

Moments MomentTree::finish() const {
  Moments result;
  if (nodes_.empty()) return result;
  if (nodes_.front().start != 0) throw std::invalid_argument("moments do not start at trial 0");
  const std::uint64_t total = nodes_.back().end_covered;
  // Evaluate the root over [0, 2^L) top-down; absent nodes beyond `total` are empty.
  int root_level = 0;
  while ((std::uint64_t{1} << root_level) < total) ++root_level;
  auto find = [&](std::uint64_t start, int level) -> const StoredNode* {
    for (const auto& node : nodes_) {
      if (node.start == start && node.level == level) return &node;
    }
    return nullptr;
  };
  auto evaluate = [&](auto&& self, std::uint64_t start, int level) -> MomentNode {
    if (start >= total) return MomentNode{start, level, 0, {}, {}};
    if (const StoredNode* node = find(start, level)) return *node;
    if (level == 0) throw std::logic_error("moment tree is missing a trial");
    MomentNode left = self(self, start, level - 1);
    MomentNode right = self(self, start + (std::uint64_t{1} << (level - 1)), level - 1);
    combine_into(left, right);
    left.level = level;
    return left;
  };
  MomentNode root = evaluate(evaluate, 0, root_level);
  result.count = root.count;
  result.mean = root.mean;
  result.variance.resize(root.m2.size());
  for (std::size_t i = 0; i < root.m2.size(); ++i) {
    result.variance[i] = root.count > 1 ? root.m2[i] / static_cast<double>(root.count - 1) : 0.0;
  }
  return result;
}

}  // namespace opsim
