// The turns at password hashing: at most `slots` Argon2id computations run
// at once (each holds 64 MiB, so a login flood cannot grow the process), and
// a caller that does not get a turn within its wait is refused. Callers of
// priority `first` — logins from the maintenance networks — are served
// before every waiting caller of priority `normal`, so a flood of guesses
// from elsewhere cannot keep the administrator's own login waiting behind
// it; among callers of one priority the order is the scheduler's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace moat::web {

enum class HashPriority { normal, first };

class HashGate {
  public:
    explicit HashGate(int slots) : slots_(slots) {}

    // True once the caller holds a turn; false after `wait` without one.
    bool acquire(HashPriority priority, std::chrono::milliseconds wait);
    void release();

    // A turn held for a scope.
    class Turn {
      public:
        Turn(HashGate& gate, HashPriority priority, std::chrono::milliseconds wait)
            : gate_(gate), held_(gate.acquire(priority, wait)) {}
        ~Turn() {
            if (held_) gate_.release();
        }
        Turn(const Turn&) = delete;
        Turn& operator=(const Turn&) = delete;
        bool held() const { return held_; }

      private:
        HashGate& gate_;
        bool held_;
    };

  private:
    std::mutex mutex_;
    std::condition_variable freed_;
    int slots_;
    int in_use_ = 0;
    int first_waiting_ = 0;
};

}  // namespace moat::web
