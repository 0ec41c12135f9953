#pragma once
// The scheduled sweep. PostgreSQL is the truth and JetStream only a delivery path, so a job
// whose node died, or whose message went missing, is found here and delivered again.
#include <string>

#include "pipeline/services.hpp"

namespace sf::pipeline {

struct sweep_report {
  int stale_requeued = 0;  // running jobs whose heartbeat stopped, delivered again
  int stale_failed = 0;    // ... that had no attempts left (poison)
  int republished = 0;     // waiting jobs whose message was missing
  int purged = 0;          // files of rejected sources deleted
  int blobs_tidied = 0;    // files no source names, and files of unfinished uploads
};

// `stale_after_ms`: a running job without a heartbeat for this long has lost its node.
// `lost_after_ms`: a waiting job whose lane has nothing pending or in flight for this long
// has lost its message.
result<sweep_report> sweep(services& s, int stale_after_ms, int lost_after_ms);

}  // namespace sf::pipeline
