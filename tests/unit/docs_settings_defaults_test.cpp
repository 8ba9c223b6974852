// Every default that a table in docs/*.md gives for a setting (a row whose
// first cell names `area.key`, with a "default" column) is the default in
// policy::settingSpecs(), and every such key exists: the docs cannot drift
// from the code again (issue 10 found moatctl.md's rate limits stale).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "policy/settings.h"

namespace moat::policy {
namespace {

struct DocumentedDefault {
    std::string where;  // file:line
    std::string key;
    std::string value;  // as written, without backticks and remarks
};

std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    std::string s = line.substr(1);
    if (!s.empty() && s.back() == '|') s.pop_back();
    std::size_t start = 0;
    for (;;) {
        auto bar = s.find('|', start);
        std::string cell =
            s.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
        cell = std::regex_replace(cell, std::regex(R"(^\s+|\s+$)"), "");
        out.push_back(cell);
        if (bar == std::string::npos) break;
        start = bar + 1;
    }
    return out;
}

std::vector<std::string> splitList(const std::string& cell) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        auto comma = cell.find(", ", start);
        out.push_back(
            cell.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (comma == std::string::npos) break;
        start = comma + 2;
    }
    return out;
}

// "`1209600` (14 days)" -> "1209600"; "(none)", "empty" -> ""; "−4" -> "-4".
std::string plainValue(std::string v) {
    v = std::regex_replace(v, std::regex("`"), "");
    v = std::regex_replace(v, std::regex("\u2212"), "-");
    if (v == "(none)" || v == "empty" || v == "none") return "";
    return std::regex_replace(v, std::regex(R"(\s*\([^)]*\)\s*$)"), "");
}

std::vector<DocumentedDefault> documentedDefaults() {
    std::vector<DocumentedDefault> out;
    const std::regex setting_key(R"(^`([a-z_]+\.[a-z_.]+)`$)");
    for (const auto& entry :
         std::filesystem::directory_iterator(std::string(MOAT_SOURCE_DIR) + "/docs")) {
        if (entry.path().extension() != ".md") continue;
        std::ifstream in(entry.path());
        std::vector<std::string> header;
        int number = 0;
        for (std::string line; std::getline(in, line);) {
            ++number;
            if (line.empty() || line[0] != '|') {
                header.clear();
                continue;
            }
            auto row = cells(line);
            if (header.empty()) {
                header = row;
                continue;
            }
            if (row[0].find_first_not_of("-: ") == std::string::npos) continue;
            std::size_t column = 0;
            while (column < header.size() && header[column] != "default") ++column;
            if (column == header.size() || column >= row.size()) continue;
            auto keys = splitList(row[0]);
            std::vector<std::string> names;
            for (const auto& k : keys) {
                std::smatch m;
                if (std::regex_match(k, m, setting_key)) names.push_back(m[1]);
            }
            if (names.size() != keys.size())
                continue;  // not a settings row ([smtp] listen, max_depth...)
            auto values = splitList(row[column]);
            std::string where = entry.path().filename().string() + ":" + std::to_string(number);
            if (values.size() != names.size()) {
                ADD_FAILURE() << where << ": " << names.size() << " keys but " << values.size()
                              << " defaults";
                continue;
            }
            for (std::size_t i = 0; i < names.size(); ++i)
                out.push_back({where, names[i], plainValue(values[i])});
        }
    }
    return out;
}

TEST(DocsSettingsDefaults, EveryDocumentedDefaultIsTheCodesDefault) {
    auto documented = documentedDefaults();
    ASSERT_GT(documented.size(), 50u) << "the tables in docs/ were not found or not parsed";
    for (const auto& d : documented) {
        const SettingSpec* spec = findSetting(d.key);
        if (!spec) {
            ADD_FAILURE() << d.where << ": `" << d.key << "` is not a setting";
            continue;
        }
        std::string canonical;
        try {
            canonical = validateSetting(d.key, d.value);
        } catch (const std::invalid_argument& e) {
            ADD_FAILURE() << d.where << ": `" << d.key << "` default '" << d.value
                          << "' is not valid: " << e.what();
            continue;
        }
        EXPECT_EQ(canonical, spec->default_value)
            << d.where << ": `" << d.key << "` documented default '" << d.value << "'";
    }
}

}  // namespace
}  // namespace moat::policy
