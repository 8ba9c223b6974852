#include "web/hash_gate.h"

namespace moat::web {

bool HashGate::acquire(HashPriority priority, std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::unique_lock lock(mutex_);
    const bool first = priority == HashPriority::first;
    auto mayGo = [&] { return in_use_ < slots_ && (first || first_waiting_ == 0); };
    if (first) ++first_waiting_;
    bool got = freed_.wait_until(lock, deadline, mayGo);
    if (first) --first_waiting_;
    if (got) ++in_use_;
    // A first caller that gave up may have been what held normal ones back.
    if (first && !got) freed_.notify_all();
    return got;
}

void HashGate::release() {
    {
        std::lock_guard lock(mutex_);
        --in_use_;
    }
    freed_.notify_all();
}

}  // namespace moat::web
