#include "util/clock.h"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>

namespace moat::util {

long long policyNow() {
    using namespace std::chrono;
    long long now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
    static const char* file = std::getenv("MOAT_CLOCK_OFFSET_FILE");
    if (!file) return now;
    static std::mutex mutex;
    static long long offset = 0, read_at = 0;
    std::lock_guard lock(mutex);
    if (now != read_at) {
        read_at = now;
        std::ifstream in(file);
        long long value = 0;
        offset = (in >> value) ? value : 0;
    }
    return now + offset;
}

}  // namespace moat::util
