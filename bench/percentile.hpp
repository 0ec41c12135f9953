#pragma once
// The p-quantile (0..1) of samples, nearest rank; 0 for none.
#include <algorithm>
#include <vector>

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}
