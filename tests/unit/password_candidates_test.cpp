// Password candidates, table-driven: the forms people write passwords in (in
// several languages and cases), punctuation around them, quoted strings, the
// order (words after a keyword before quoted strings), and the bounds.
#include "scan/password_candidates.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using moat::scan::CandidateLimits;
using moat::scan::passwordCandidates;

TEST(PasswordCandidates, FirstCandidate) {
    struct Case {
        const char* text;
        const char* first;
    } cases[] = {
        {"The password is secret123", "secret123"},
        {"Password: secret123.", "secret123"},
        {"password:secret123", "secret123"},
        {"PWD=Xy7#q", "Xy7#q"},
        {"pw: abc", "abc"},
        {"the zip password for the file is: hunter2", "hunter2"},
        {"Das Passwort lautet: Geheim2024", "Geheim2024"},
        {"KENNWORT: Sommer!", "Sommer"},
        {"Le mot de passe est : soleil42", "soleil42"},
        {"Le mot de passe est \u00ab\u00a0soleil42\u00a0\u00bb.", "soleil42"},
        {"Contrase\u00f1a: hola123", "hola123"},
        {"CONTRASE\u00d1A: hola123", "hola123"},
        {"A senha \u00e9 abc-123", "abc-123"},
        {"Het wachtwoord is: appel", "appel"},
        {"La parola \u00e8 ciao99", "ciao99"},
        {"HAS\u0141O: tajne1", "tajne1"},
        {"\u041f\u0430\u0440\u043e\u043b\u044c: qwerty7", "qwerty7"},
        {"\u5bc6\u7801\uff1aabc123", "abc123"},
        {"Password:\n\n   line2pass", "line2pass"},
        {"password: \"my secret\"", "my secret"},
        {"pwd=\"two words\"", "two words"},
        {"Password \u201cQuoted1\u201d", "Quoted1"},
        {"He said \"hello\". The password is pa55", "pa55"},
        {"Use 'x7k' to open it", "x7k"},
        {"Kennwort f\u00fcr die Datei: Datei2024", "Datei2024"},
    };
    for (const auto& c : cases) {
        auto got = passwordCandidates(c.text, CandidateLimits{});
        ASSERT_FALSE(got.empty()) << c.text;
        EXPECT_EQ(got[0], c.first) << c.text;
    }
}

TEST(PasswordCandidates, WholeLists) {
    struct Case {
        const char* text;
        std::vector<std::string> want;
    } cases[] = {
        {"Password: secret123.", {"secret123", "secret123."}},
        {"He said \"hello\". The password is pa55", {"pa55", "hello"}},
        {"pwd=a pwd=a password: a", {"a"}},
        {"don't worry, it's fine", {}},
        {"no keyword here at all", {}},
        {"The password-protected file", {}},
        {"password", {}},
        {"\"\" '' \u00ab\u00bb", {}},
        {"Password: Secret Word Three Four", {"Secret", "Word", "Three"}},
        {"pass\x01word: x", {}},
        {"Password: abc\nRegards, Bob", {"abc"}},
    };
    for (const auto& c : cases)
        EXPECT_EQ(passwordCandidates(c.text, CandidateLimits{}), c.want) << c.text;
}

TEST(PasswordCandidates, Bounds) {
    std::string text;
    for (int i = 0; i < 200; ++i) text += "password: p" + std::to_string(i) + "\n";
    auto got = passwordCandidates(text, CandidateLimits{});
    EXPECT_EQ(got.size(), 32u);
    EXPECT_EQ(got[0], "p0");
    CandidateLimits small;
    small.max_candidates = 3;
    small.max_length = 4;
    EXPECT_EQ(passwordCandidates("password: toolong \"abc\" \"abcdefgh\"", small),
              (std::vector<std::string>{"abc"}));
    small.max_text_bytes = 12;
    EXPECT_TRUE(passwordCandidates("padding text password: abc", small).empty());
}

TEST(PasswordCandidates, SubjectAndTextParts) {
    moat::content::DecodedMessage m;
    m.headers.push_back({"Subject", "Invoice (Passwort: subj1)"});
    moat::content::TextPart a, b;
    a.text = "Hello";
    b.text = "the code is \"quoted1\"";
    m.texts = {a, b};
    EXPECT_EQ(passwordCandidates(m, CandidateLimits{}),
              (std::vector<std::string>{"subj1", "subj1)", "quoted1"}));
}
