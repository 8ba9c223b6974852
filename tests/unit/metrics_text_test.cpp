// The Prometheus text exposition writer (api/metrics_text.h): HELP and TYPE
// lines, label value escaping as the 0.0.4 format requires, and how values
// are written.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "api/metrics_text.h"

using moat::api::MetricsText;

TEST(MetricsText, FamilyAndSamples) {
    MetricsText m;
    m.family("moat_messages_total", MetricsText::Type::counter, "Messages by outcome.");
    m.sample("moat_messages_total", {{"outcome", "accepted"}}, 12);
    m.sample("moat_messages_total", {{"outcome", "rejected"}, {"x", "y"}}, 0);
    m.family("moat_queue_messages", MetricsText::Type::gauge, "Back\\slash and\nnewline.");
    m.sample("moat_queue_messages", 3);
    EXPECT_EQ(m.text(),
              "# HELP moat_messages_total Messages by outcome.\n"
              "# TYPE moat_messages_total counter\n"
              "moat_messages_total{outcome=\"accepted\"} 12\n"
              "moat_messages_total{outcome=\"rejected\",x=\"y\"} 0\n"
              "# HELP moat_queue_messages Back\\\\slash and\\nnewline.\n"
              "# TYPE moat_queue_messages gauge\n"
              "moat_queue_messages 3\n");
}

TEST(MetricsText, EscapesLabelValues) {
    EXPECT_EQ(MetricsText::escapeLabelValue("plain"), "plain");
    EXPECT_EQ(MetricsText::escapeLabelValue("a\\b"), "a\\\\b");
    EXPECT_EQ(MetricsText::escapeLabelValue("say \"hi\""), "say \\\"hi\\\"");
    EXPECT_EQ(MetricsText::escapeLabelValue("two\nlines"), "two\\nlines");
    EXPECT_EQ(MetricsText::escapeLabelValue("tab\tand {braces}=,"), "tab\tand {braces}=,");
    EXPECT_EQ(MetricsText::escapeLabelValue("\\\"\n"), "\\\\\\\"\\n");
    MetricsText m;
    m.sample("m", {{"check", "dnsbl \"zen\"\n\\"}}, 1);
    EXPECT_EQ(m.text(), "m{check=\"dnsbl \\\"zen\\\"\\n\\\\\"} 1\n");
}

TEST(MetricsText, Values) {
    EXPECT_EQ(MetricsText::formatValue(0), "0");
    EXPECT_EQ(MetricsText::formatValue(-5), "-5");
    EXPECT_EQ(MetricsText::formatValue(1073741824.0), "1073741824");
    EXPECT_EQ(MetricsText::formatValue(0.5), "0.5");
    EXPECT_EQ(MetricsText::formatValue(std::nan("")), "NaN");
    EXPECT_EQ(MetricsText::formatValue(std::numeric_limits<double>::infinity()), "+Inf");
    EXPECT_EQ(MetricsText::formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
    EXPECT_EQ(MetricsText::formatValue(1e300), "1e+300");
}

TEST(MetricsText, Histogram) {
    MetricsText m;
    m.family("moat_dns_query_duration_seconds", MetricsText::Type::histogram, "DNS query time.");
    m.histogram("moat_dns_query_duration_seconds", {{"type", "ptr"}},
                {{0.001, 1}, {0.0025, 3}, {10, 4}}, 5, 12.25);
    m.histogram("moat_dns_query_duration_seconds", {{"type", "a"}}, {{0.001, 0}}, 0, 0);
    EXPECT_EQ(m.text(),
              "# HELP moat_dns_query_duration_seconds DNS query time.\n"
              "# TYPE moat_dns_query_duration_seconds histogram\n"
              "moat_dns_query_duration_seconds_bucket{type=\"ptr\",le=\"0.001\"} 1\n"
              "moat_dns_query_duration_seconds_bucket{type=\"ptr\",le=\"0.0025\"} 3\n"
              "moat_dns_query_duration_seconds_bucket{type=\"ptr\",le=\"10\"} 4\n"
              "moat_dns_query_duration_seconds_bucket{type=\"ptr\",le=\"+Inf\"} 5\n"
              "moat_dns_query_duration_seconds_sum{type=\"ptr\"} 12.25\n"
              "moat_dns_query_duration_seconds_count{type=\"ptr\"} 5\n"
              "moat_dns_query_duration_seconds_bucket{type=\"a\",le=\"0.001\"} 0\n"
              "moat_dns_query_duration_seconds_bucket{type=\"a\",le=\"+Inf\"} 0\n"
              "moat_dns_query_duration_seconds_sum{type=\"a\"} 0\n"
              "moat_dns_query_duration_seconds_count{type=\"a\"} 0\n");
}
