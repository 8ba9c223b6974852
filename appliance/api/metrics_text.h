// The Prometheus text exposition format, version 0.0.4, written: one
// family() per metric (its # HELP and # TYPE lines), then its samples. Label
// values are escaped as the format requires (backslash, double quote, line
// feed); HELP text escapes backslash and line feed. A family's samples must
// follow it before the next family starts; names are the caller's constants.
// A histogram's samples are its _bucket series (cumulative, each with an le
// label, the last le="+Inf"), then _sum and _count: histogram() writes them.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace moat::api {

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

using MetricLabels = std::vector<std::pair<std::string_view, std::string>>;

class MetricsText {
  public:
    enum class Type { counter, gauge, histogram };

    // One histogram series of family `name` (already started with
    // Type::histogram): bounds ascending with their cumulative counts, then
    // +Inf (= count), _sum and _count.
    struct Bucket {
        double le;
        double cumulative;
    };
    void histogram(std::string_view name, const MetricLabels& labels,
                   const std::vector<Bucket>& buckets, double count, double sum);

    void family(std::string_view name, Type type, std::string_view help);
    void sample(std::string_view name, const MetricLabels& labels, double value);
    void sample(std::string_view name, double value) { sample(name, {}, value); }
    const std::string& text() const { return out_; }

    static std::string escapeLabelValue(std::string_view value);
    static std::string formatValue(double value);  // integers without a fraction; NaN, +Inf, -Inf

  private:
    std::string out_;
};

}  // namespace moat::api
