#pragma once
// One error vocabulary for the whole project: a machine code plus a human sentence.
// Domain code returns these; transports map the code to an HTTP status or a job outcome.
#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/try.hpp>
#include <string>
#include <string_view>

namespace sf {

enum class errc {
  invalid_argument,   // malformed input (400)
  invalid_value,      // well-formed but unacceptable (422)
  not_found,          // 404
  conflict,           // state conflict (409)
  too_large,          // over a size limit (413)
  unsupported_media,  // type we cannot read (415)
  rejected,           // material refused by the moderation gate
  transient,          // worth retrying: timeouts, 429/503, lost connections
  unavailable,        // a dependency is down (503)
  cancelled,
  time_limit,
  internal,
};

std::string_view to_string(errc c) noexcept;

struct error {
  errc code = errc::internal;
  std::string message;

  bool retryable() const noexcept { return code == errc::transient || code == errc::unavailable; }
};

inline error make_error(errc c, std::string msg) { return error{c, std::move(msg)}; }

template <class T>
using result = boost::outcome_v2::basic_result<T, error, boost::outcome_v2::policy::terminate>;

using boost::outcome_v2::success;

inline auto failure(errc c, std::string msg) { return boost::outcome_v2::failure(error{c, std::move(msg)}); }

}  // namespace sf
