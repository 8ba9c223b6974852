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
    // A first caller never gives up while a turn is free (its predicate holds whenever one is), so
    // its leaving cannot be what holds normal callers back: nothing to wake.
    if (got) ++in_use_;
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
