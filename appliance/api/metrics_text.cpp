#include "api/metrics_text.h"

#include <charconv>
#include <cmath>

namespace moat::api {

void MetricsText::family(std::string_view name, Type type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    for (char c : help) {
        if (c == '\\')
            out_ += "\\\\";
        else if (c == '\n')
            out_ += "\\n";
        else
            out_ += c;
    }
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += type == Type::counter ? " counter\n"
            : type == Type::gauge ? " gauge\n"
                                  : " histogram\n";
}

void MetricsText::histogram(std::string_view name, const MetricLabels& labels,
                            const std::vector<Bucket>& buckets, double count, double sum) {
    std::string bucket_name = std::string(name) + "_bucket";
    auto with_le = labels;
    with_le.emplace_back("le", "");
    for (const auto& b : buckets) {
        with_le.back().second = formatValue(b.le);
        sample(bucket_name, with_le, b.cumulative);
    }
    with_le.back().second = "+Inf";
    sample(bucket_name, with_le, count);
    sample(std::string(name) + "_sum", labels, sum);
    sample(std::string(name) + "_count", labels, count);
}

void MetricsText::sample(std::string_view name, const MetricLabels& labels, double value) {
    out_ += name;
    if (!labels.empty()) {
        out_ += '{';
        bool first = true;
        for (const auto& [label, text] : labels) {
            if (!first) out_ += ',';
            first = false;
            out_ += label;
            out_ += "=\"";
            out_ += escapeLabelValue(text);
            out_ += '"';
        }
        out_ += '}';
    }
    out_ += ' ';
    out_ += formatValue(value);
    out_ += '\n';
}

std::string MetricsText::escapeLabelValue(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string MetricsText::formatValue(double value) {
    if (std::isnan(value)) return "NaN";
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buf[32];
    if (value == std::trunc(value) && std::fabs(value) < 9.0e15) {
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, static_cast<long long>(value));
        return std::string(buf, end);
    }
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, end);
}

}  // namespace moat::api
