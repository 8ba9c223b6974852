// Wall-clock seconds for time-based policy (greylisting, tokens, windows).
// Tests move this clock forward without sleeping: when the environment
// variable MOAT_CLOCK_OFFSET_FILE names a file, the number of seconds in it
// is added (re-read at most once a second). Production never sets it.
#pragma once

namespace moat::util {

long long policyNow();

}  // namespace moat::util
