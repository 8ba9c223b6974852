// A setting key as the code names it. Written as a string literal
// (settings.integer("greylist.delay")) it is checked against the settings
// table when the code is compiled: a key that is not in policy/setting_specs.h
// does not build, so a mistyped key can never reach a session as a runtime
// error. Names that come from data (a check's "<check>.action", a table row)
// go through SettingKey::named(), which throws std::logic_error for an unknown
// one — a broken invariant, not bad input.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "policy/setting_specs.h"

namespace moat::policy {

class SettingKey {
  public:
    // NOLINTNEXTLINE(google-explicit-constructor): literals convert, checked at compile time
    consteval SettingKey(const char* literal) : name_(literal) {
        if (!isSettingKey(name_)) throw "unknown setting key: add it to policy/setting_specs.h";
    }

    static SettingKey named(std::string_view name) {
        if (!findSettingSpec(name))
            throw std::logic_error("unknown setting key '" + std::string(name) + "'");
        return SettingKey(name, Checked{});
    }

    std::string_view name() const { return name_; }

  private:
    struct Checked {};
    constexpr SettingKey(std::string_view name, Checked) : name_(name) {}
    std::string_view name_;
};

}  // namespace moat::policy
